// Simulated annealing of one section's placement (cost in place_internal.h).
// A move takes a random unit to a random site of its kind within a window
// around it, swapping with the unit already there. Only the nets touching the
// moved units are re-costed, and their link demand is moved with an undo log,
// so a move costs O(nets touched x path length). Congestion makes a move
// several times dearer, so most moves (at the higher temperatures) see wire
// length alone and the last tenth, near freezing, see both. The window
// shrinks or grows to keep about 44% of moves accepted (as in VPR); the
// temperature falls geometrically from a fraction of the mean uphill move
// (the constructive start is already good, so it starts cool), and the budget
// of moves grows with the unit count. The best placement seen is kept.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>

#include "tessera/compile/place_internal.h"
#include "tessera/compile/route_mesh.h"
#include "tessera/support/error.h"

namespace tessera::compile {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

Rng::Rng(uint64_t seed) {
  for (uint64_t& s : s_) s = splitmix64(seed);
}

uint64_t Rng::next() {
  const uint64_t result = std::rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = std::rotl(s_[3], 45);
  return result;
}

namespace {

constexpr double kStartTemperature = 0.5;  // x the mean uphill move: the start is already good
constexpr int kWireSteps = 30;             // temperatures on wire length alone
constexpr int kCongestionSteps = 10;       // then on wire length and congestion
constexpr double kCongestionShare = 0.1;   // of the moves
constexpr double kHandover = 1e-2;         // temperature (x the first) where congestion joins
constexpr double kFinalTemperature = 1e-3;
constexpr int kListedKind = 32;            // kinds with at most this many sites: pick any site, not a window

class Annealer {
 public:
  Annealer(const PlaceProblem& p, const Chip& chip, Placement& sites)
      : p_(p), chip_(chip), mesh_(chip), sites_(sites), capacity_(std::max(1, chip.link_vectors_per_cycle)) {
    occupant_.assign(chip.sites.size(), -1);
    for (int u = 0; u < static_cast<int>(sites.size()); ++u) occupant_[sites[u]] = u;
    for (const Site& s : chip.sites) switch_.push_back(mesh_.id(mesh_.switch_of(s)));
    use_congestion(true);
    stamp_.assign(p.nets.size(), 0);
    index_sites();
  }

  // Whether moves count link overflow (they are several times dearer when they do).
  void use_congestion(bool on) {
    congested_ = false;
    if (on)
      for (const Net& n : p_.nets) congested_ = congested_ || n.demand > 0;
  }

  // Cost from scratch (also resets the link demand the moves update).
  double full_cost() {
    load_.assign(congested_ ? mesh_.links() : 0, 0.0);
    double wire = 0;
    for (const Net& n : p_.nets) {
      wire += wire_of(n);
      spread(n, 1);
    }
    double over = 0;
    for (double l : load_) over += overflow(l, capacity_);
    return wire + kCongestionWeight * over;
  }

  // Proposes a move of a random unit within `radius`; sets `delta` and returns
  // false when no site was found.
  bool propose(Rng& rng, int radius, double& delta) {
    const int u = static_cast<int>(rng.below(sites_.size()));
    const int target = pick_site(rng, u, radius);
    if (target < 0) return false;
    delta = apply(u, target);
    return true;
  }

  void reject() {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) load_[it->first] = it->second;
    sites_[moved_u_] = from_;
    if (moved_v_ >= 0) sites_[moved_v_] = to_;
    occupant_[from_] = moved_u_;
    occupant_[to_] = moved_v_;
  }

  int span() const { return std::max(chip_.rows, chip_.cols); }

 private:
  double wire_of(const Net& n) const {
    const Site& a = chip_.sites[sites_[n.a]];
    const Site& b = chip_.sites[sites_[n.b]];
    return n.weight * (std::abs(a.row - b.row) + std::abs(a.col - b.col));
  }

  // Adds sign x demand, half on each dimension-order path; returns the change in overflow.
  double spread(const Net& n, int sign) {
    if (n.demand <= 0 || !congested_) return 0;
    const int a = switch_[sites_[n.a]], b = switch_[sites_[n.b]];
    if (a == b) return 0;
    const double half = sign * n.demand / 2;
    double change = 0;
    auto add = [&](int l) {
      if (logging_) undo_.push_back({l, load_[l]});
      const double before = overflow(load_[l], capacity_);
      load_[l] += half;
      change += overflow(load_[l], capacity_) - before;
    };
    mesh_.walk(mesh_.hop(a), mesh_.hop(b), true, add);
    mesh_.walk(mesh_.hop(a), mesh_.hop(b), false, add);
    return change;
  }

  // Moves u to `target` (swapping with its unit, if any); returns the cost change.
  double apply(int u, int target) {
    ++move_;
    touched_.clear();
    undo_.clear();
    moved_u_ = u;
    moved_v_ = occupant_[target];
    from_ = sites_[u];
    to_ = target;
    for (int m : {u, moved_v_}) {
      if (m < 0) continue;
      for (int i : p_.nets_of[m])
        if (stamp_[i] != move_) stamp_[i] = move_, touched_.push_back(i);
    }
    logging_ = true;
    double delta = 0;
    for (int i : touched_) delta -= wire_of(p_.nets[i]) - kCongestionWeight * spread(p_.nets[i], -1);
    sites_[u] = target;
    occupant_[target] = u;
    occupant_[from_] = moved_v_;
    if (moved_v_ >= 0) sites_[moved_v_] = from_;
    for (int i : touched_) delta += wire_of(p_.nets[i]) + kCongestionWeight * spread(p_.nets[i], 1);
    logging_ = false;
    return delta;
  }

  // Per kind: its sites, and a grid of the site at each cell.
  void index_sites() {
    row0_ = col0_ = 0;
    int row1 = 0, col1 = 0;
    for (const Site& s : chip_.sites) {
      row0_ = std::min(row0_, s.row), col0_ = std::min(col0_, s.col);
      row1 = std::max(row1, s.row), col1 = std::max(col1, s.col);
    }
    height_ = row1 - row0_ + 1;
    width_ = col1 - col0_ + 1;
    for (int k = 0; k < 3; ++k) cells_[k].assign(static_cast<size_t>(height_) * width_, -1);
    for (int s = 0; s < static_cast<int>(chip_.sites.size()); ++s) {
      const Site& site = chip_.sites[s];
      const int k = static_cast<int>(site.kind);
      of_kind_[k].push_back(s);
      int& cell = cells_[k][static_cast<size_t>(site.row - row0_) * width_ + (site.col - col0_)];
      if (cell < 0) cell = s;
    }
  }

  int pick_site(Rng& rng, int u, int radius) const {
    const int k = static_cast<int>(p_.kinds[u]);
    const std::vector<int>& list = of_kind_[k];
    if (list.size() < 2) return -1;
    if (list.size() <= kListedKind) {
      const int s = list[rng.below(list.size())];
      return s == sites_[u] ? -1 : s;
    }
    const Site& at = chip_.sites[sites_[u]];
    for (int attempt = 0; attempt < 8; ++attempt) {
      const int r = at.row + static_cast<int>(rng.below(2 * radius + 1)) - radius - row0_;
      const int c = at.col + static_cast<int>(rng.below(2 * radius + 1)) - radius - col0_;
      if (r < 0 || r >= height_ || c < 0 || c >= width_) continue;
      const int s = cells_[k][static_cast<size_t>(r) * width_ + c];
      if (s >= 0 && s != sites_[u]) return s;
    }
    return -1;
  }

  const PlaceProblem& p_;
  const Chip& chip_;
  Mesh mesh_;
  Placement& sites_;
  double capacity_;
  bool congested_ = false;
  std::vector<int> occupant_;  // site -> local unit, -1 when free
  std::vector<int> switch_;    // site -> switch id
  std::vector<double> load_;   // link -> demand
  std::vector<int> stamp_;     // net -> last move that touched it
  std::vector<int> touched_;
  std::vector<std::pair<int, double>> undo_;  // link, demand before the move
  bool logging_ = false;
  int move_ = 0, moved_u_ = -1, moved_v_ = -1, from_ = -1, to_ = -1;
  std::vector<int> of_kind_[3], cells_[3];
  int row0_ = 0, col0_ = 0, height_ = 0, width_ = 0;
};

}  // namespace

double default_moves_per_unit(size_t n) {
  return std::clamp(1600.0 / std::sqrt(static_cast<double>(std::max<size_t>(n, 1))), 30.0, 200.0);
}

double wire_length(const PlaceProblem& p, const Chip& chip, const Placement& sites) {
  double wire = 0;
  for (const Net& n : p.nets) {
    const Site& a = chip.sites[sites[n.a]];
    const Site& b = chip.sites[sites[n.b]];
    wire += n.weight * (std::abs(a.row - b.row) + std::abs(a.col - b.col));
  }
  return wire;
}

double placement_cost(const PlaceProblem& p, const Chip& chip, const Placement& sites) {
  Placement copy = sites;
  return Annealer(p, chip, copy).full_cost();
}

namespace {

// One cooling run: `steps` temperatures from t0 down to t1, `per_step` moves each.
// Tracks the best placement seen when `best` is given.
struct Schedule {
  int steps;
  double t0, t1;
  int64_t per_step;
};

void cool(Annealer& a, Rng& rng, const Schedule& s, int& radius, Placement& sites, Placement* best, double& best_cost) {
  const double factor = s.steps > 1 ? std::pow(s.t1 / s.t0, 1.0 / (s.steps - 1)) : 1.0;
  double temperature = s.t0;
  for (int step = 0; step < s.steps; ++step, temperature *= factor) {
    int64_t accepted = 0, tried = 0;
    for (int64_t m = 0; m < s.per_step; ++m) {
      double delta = 0;
      if (!a.propose(rng, radius, delta)) continue;
      ++tried;
      if (delta <= 0 || rng.unit() < std::exp(-delta / temperature)) ++accepted;
      else a.reject();
    }
    const double rate = tried ? static_cast<double>(accepted) / tried : 0;
    radius = std::clamp(static_cast<int>(std::lround(radius * (0.56 + rate))), 1, std::max(1, a.span()));
    if (!best) continue;
    const double cost = a.full_cost();  // exact, and drops the rounding the increments gathered
    if (cost < best_cost) best_cost = cost, *best = sites;
  }
}

}  // namespace

void anneal(const PlaceProblem& p, const Chip& chip, Placement& sites, const AnnealOptions& options) {
  if (sites.size() < 2 || p.nets.empty()) return;
  Annealer a(p, chip, sites);
  Rng rng(options.seed);
  Placement best = sites;
  double best_cost = a.full_cost();

  // First temperature: the mean uphill step of a few random moves, all undone.
  a.use_congestion(false);
  a.full_cost();
  int radius = std::max(2, a.span() / 4);
  double uphill = 0;
  int ups = 0;
  for (size_t i = 0; i < std::min<size_t>(2 * sites.size(), 400); ++i) {
    double delta = 0;
    if (!a.propose(rng, radius, delta)) continue;
    a.reject();
    if (delta > 0) uphill += delta, ++ups;
  }
  if (ups == 0) return;
  const double t0 = kStartTemperature * uphill / ups;
  const double per_unit = options.moves_per_unit >= 0 ? options.moves_per_unit : default_moves_per_unit(sites.size());
  const double moves = per_unit * static_cast<double>(sites.size());
  auto per_step = [&](double share, int steps) { return std::max<int64_t>(1, std::llround(moves * share / steps)); };

  // Wire length alone (cheap moves), then wire length and congestion near the end.
  double ignored = 0;
  cool(a, rng, {kWireSteps, t0, t0 * kHandover, per_step(1 - kCongestionShare, kWireSteps)}, radius, sites, nullptr,
       ignored);
  a.use_congestion(true);
  if (const double cost = a.full_cost(); cost < best_cost) best_cost = cost, best = sites;
  cool(a, rng, {kCongestionSteps, t0 * kHandover, t0 * kFinalTemperature, per_step(kCongestionShare, kCongestionSteps)},
       radius, sites, &best, best_cost);
  sites = best;
}

}  // namespace tessera::compile
