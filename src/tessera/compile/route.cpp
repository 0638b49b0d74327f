// route: every stream gets a path of switches on the static mesh
// (route_mesh.h), section by section. On-chip streams are routed heaviest
// first: the less loaded of the two dimension-order paths (XY, YX) when one
// fits the links' capacity, else a congestion-aware A* path when that
// overflows less. Then a few rounds rip up the streams crossing overloaded
// links and reroute them (A*, with a history cost on links that stayed
// overloaded), keeping a new path only when it lowers the total overflow.
// Demand that cannot fit stays on the least-overloaded routing found: the
// simulator charges the slowdown and link_load() reports it, the compile
// does not fail. DRAM streams (to or from an AGCU) ride the dynamic network:
// they get their XY path but use no static capacity. Sections whose streams
// have the same ends and demands (repeated layers) share one routing.
// Needs: place. Guarantees: one Route per stream, in stream order, from the
// source unit's switch to the destination's, each hop to a 4-neighbour.
#include <algorithm>
#include <bit>
#include <map>
#include <tuple>

#include "tessera/compile/compile.h"
#include "tessera/compile/route_astar.h"
#include "tessera/compile/route_mesh.h"
#include "tessera/support/error.h"

namespace tessera::compile {
namespace {

constexpr int kRerouteRounds = 4;
constexpr double kMinRoundGain = 0.05;  // stop rerouting when a round removes less of the overflow
constexpr double kEpsilon = 1e-9;

struct Candidate {
  double excess = 0;  // overflow the path would add
  double peak = 0;    // highest demand / capacity along it
  size_t length = 0;
  bool better_than(const Candidate& o) const {
    if (excess < o.excess - kEpsilon) return true;
    if (excess > o.excess + kEpsilon) return false;
    return std::tie(peak, length) < std::tie(o.peak, o.length);
  }
};

class SectionRouter {
 public:
  explicit SectionRouter(const SpatialProgram& sp) : sp_(sp), mesh_(sp.chip), search_(mesh_) {
    capacity_ = std::max(1, sp.chip.link_vectors_per_cycle);
  }

  // A path per stream of the section.
  std::vector<std::vector<Hop>> run(const std::vector<int>& streams) {
    load_.assign(mesh_.links(), 0.0);
    history_.assign(mesh_.links(), 0.0);
    std::vector<int> static_streams;
    paths_.assign(streams.size(), {});
    for (size_t i = 0; i < streams.size(); ++i) {
      const Stream& s = sp_.streams[streams[i]];
      if (is_dram(sp_, s)) paths_[i] = mesh_.path(end(s.src), end(s.dst), true);
      else static_streams.push_back(static_cast<int>(i));
    }
    std::stable_sort(static_streams.begin(), static_streams.end(), [&](int a, int b) {
      return sp_.streams[streams[a]].vectors_per_cycle > sp_.streams[streams[b]].vectors_per_cycle;
    });
    for (int i : static_streams) first_route(i, sp_.streams[streams[i]]);
    double excess = total_excess();
    for (int round = 0; round < kRerouteRounds && excess > kEpsilon; ++round) {
      reroute(streams, static_streams);
      const double after = total_excess();
      if (after > excess * (1 - kMinRoundGain)) break;
      excess = after;
    }
    return std::move(paths_);
  }

 private:
  Hop end(int unit) const {
    const int site = sp_.site[unit];
    TESSERA_CHECK(site >= 0 && site < static_cast<int>(sp_.chip.sites.size()), "unit {} is not placed", unit);
    return mesh_.switch_of(sp_.chip.sites[site]);
  }

  Candidate evaluate(const std::vector<Hop>& path, double demand) const {
    Candidate c;
    c.length = path.size();
    for (size_t h = 1; h < path.size(); ++h) {
      const double l = load_[mesh_.link_between(path[h - 1], path[h])];
      c.excess += overflow(l + demand, capacity_) - overflow(l, capacity_);
      c.peak = std::max(c.peak, (l + demand) / capacity_);
    }
    return c;
  }

  void commit(const std::vector<Hop>& path, double demand) {
    for (size_t h = 1; h < path.size(); ++h) load_[mesh_.link_between(path[h - 1], path[h])] += demand;
  }

  void first_route(int i, const Stream& s) {
    const Hop a = end(s.src), b = end(s.dst);
    const double w = std::max(0.0, s.vectors_per_cycle);
    std::vector<Hop> best = mesh_.path(a, b, true);
    Candidate best_c = evaluate(best, w);
    std::vector<Hop> yx = mesh_.path(a, b, false);
    if (const Candidate c = evaluate(yx, w); c.better_than(best_c)) best = std::move(yx), best_c = c;
    if (best_c.excess > kEpsilon) {
      std::vector<Hop> detour = search_.find(a, b, w, capacity_, load_, history_);
      if (const Candidate c = evaluate(detour, w); c.better_than(best_c)) best = std::move(detour);
    }
    commit(best, w);
    paths_[i] = std::move(best);
  }

  bool crosses_overload(const std::vector<Hop>& path) const {
    for (size_t h = 1; h < path.size(); ++h)
      if (load_[mesh_.link_between(path[h - 1], path[h])] > capacity_ * (1 + kEpsilon)) return true;
    return false;
  }

  double total_excess() const {
    double e = 0;
    for (double l : load_) e += overflow(l, capacity_);
    return e;
  }

  // One rip-up-and-reroute round over the streams crossing an overloaded link.
  void reroute(const std::vector<int>& streams, const std::vector<int>& order) {
    for (size_t l = 0; l < load_.size(); ++l)
      if (load_[l] > capacity_ * (1 + kEpsilon)) history_[l] += (load_[l] - capacity_) / capacity_;
    for (int i : order) {
      if (!crosses_overload(paths_[i])) continue;
      const Stream& s = sp_.streams[streams[i]];
      const double w = std::max(0.0, s.vectors_per_cycle);
      commit(paths_[i], -w);
      const Candidate old_c = evaluate(paths_[i], w);
      std::vector<Hop> detour = search_.find(paths_[i].front(), paths_[i].back(), w, capacity_, load_, history_);
      const Candidate c = evaluate(detour, w);
      if (c.excess < old_c.excess - kEpsilon) paths_[i] = std::move(detour);
      commit(paths_[i], w);
    }
  }

  const SpatialProgram& sp_;
  Mesh mesh_;
  AStar search_;
  double capacity_ = 1;
  std::vector<double> load_, history_;   // per link
  std::vector<std::vector<Hop>> paths_;  // per stream of the section
};

// Everything a section's paths depend on: per stream, in order, its end
// sites, its demand and whether it is DRAM traffic. Sections with equal keys
// (repeated layers) get equal paths, so they are routed once.
std::vector<uint64_t> routing_key(const SpatialProgram& sp, const std::vector<int>& streams) {
  std::vector<uint64_t> key;
  key.reserve(streams.size() * 2);
  for (int i : streams) {
    const Stream& s = sp.streams[i];
    key.push_back(static_cast<uint64_t>(static_cast<uint32_t>(sp.site[s.src])) << 33 |
                  static_cast<uint64_t>(static_cast<uint32_t>(sp.site[s.dst])) << 1 | (is_dram(sp, s) ? 1 : 0));
    key.push_back(std::bit_cast<uint64_t>(s.vectors_per_cycle));
  }
  return key;
}

}  // namespace

void route(PassContext& ctx) {
  SpatialProgram& sp = ctx.out;
  sp.routes.clear();
  TESSERA_CHECK(sp.site.size() == sp.units.size(), "route needs a placement: {} sites for {} units", sp.site.size(),
                sp.units.size());
  std::vector<std::vector<int>> by_section(sp.sections.size());
  for (int i = 0; i < static_cast<int>(sp.streams.size()); ++i) {
    const int s = sp.streams[i].section;
    TESSERA_CHECK(s >= 0 && s < static_cast<int>(sp.sections.size()), "stream {} is in section {} of {}", i, s,
                  sp.sections.size());
    by_section[s].push_back(i);
  }
  SectionRouter router(sp);
  std::map<std::vector<uint64_t>, std::vector<std::vector<Hop>>> done;  // by what the paths depend on
  for (const std::vector<int>& streams : by_section) {
    std::vector<uint64_t> key = routing_key(sp, streams);
    auto it = done.find(key);
    if (it == done.end()) it = done.emplace(std::move(key), router.run(streams)).first;
    for (size_t i = 0; i < streams.size(); ++i) sp.routes.push_back({streams[i], it->second[i]});
  }
  std::sort(sp.routes.begin(), sp.routes.end(), [](const Route& a, const Route& b) { return a.stream < b.stream; });
}

}  // namespace tessera::compile
