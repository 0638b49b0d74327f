// place: virtual units -> physical sites, section by section (sections run
// one after another and each has the whole chip). A unit goes to a site of
// its kind, no site twice within a section. Each section starts from a
// constructive placement (place_initial.cpp) that simulated annealing
// improves (place_anneal.cpp) on wire length (weight = vectors per cycle)
// plus static-link overflow. Deterministic: the annealer's PRNG is seeded
// from options.seed and the section's structure, so sections with identical
// structure (a transformer's repeated layers) get identical placements, and
// are placed once. The move budget grows with a section's units; a program
// whose distinct sections would need more than kProgramMoves in all gets
// fewer per section, so compile time stays bounded.
// Needs: units. Guarantees: sp.site[u] is an index into chip.sites for every
// unit, of the unit's kind, unique within its section.
#include <algorithm>
#include <bit>
#include <map>

#include "tessera/compile/compile.h"
#include "tessera/compile/place_internal.h"
#include "tessera/support/error.h"

namespace tessera::compile {
namespace {

// Annealing moves for the whole program (about 2 s on one core): past it,
// every distinct section gets proportionally fewer, down to a floor.
constexpr double kProgramMoves = 6e6;
constexpr double kMinMovesPerUnit = 8;

// Units and streams of every section, found in one pass.
struct SectionIndex {
  std::vector<std::vector<int>> units, streams;
  std::vector<int> local;  // per VirtualUnit: its index within its section

  explicit SectionIndex(const SpatialProgram& sp)
      : units(sp.sections.size()), streams(sp.sections.size()), local(sp.units.size(), -1) {
    for (int u = 0; u < static_cast<int>(sp.units.size()); ++u) {
      const int s = sp.units[u].section;
      TESSERA_CHECK(s >= 0 && s < static_cast<int>(sp.sections.size()), "unit {} is in section {} of {}", u, s,
                    sp.sections.size());
      local[u] = static_cast<int>(units[s].size());
      units[s].push_back(u);
    }
    for (int i = 0; i < static_cast<int>(sp.streams.size()); ++i) {
      const int s = sp.streams[i].section;
      TESSERA_CHECK(s >= 0 && s < static_cast<int>(sp.sections.size()), "stream {} is in section {} of {}", i, s,
                    sp.sections.size());
      streams[s].push_back(i);
    }
  }
};

uint64_t bits(double d) { return std::bit_cast<uint64_t>(d); }

PlaceProblem build_problem(const SpatialProgram& sp, int section, const SectionIndex& index) {
  PlaceProblem p;
  p.units = index.units[section];
  std::map<int, int> rank;  // kernel -> position in the section
  for (int k : sp.sections[section].kernels) rank.emplace(k, static_cast<int>(rank.size()));
  for (int u : p.units) {
    const VirtualUnit& vu = sp.units[u];
    p.kinds.push_back(vu.kind);
    const auto it = rank.find(vu.kernel);
    p.kernels.push_back(vu.kernel < 0 ? -1 : it != rank.end() ? it->second : static_cast<int>(rank.size()));
  }
  int64_t max_bytes = 1;
  for (int i : index.streams[section]) max_bytes = std::max(max_bytes, sp.streams[i].bytes);
  p.nets_of.resize(p.units.size());
  for (int i : index.streams[section]) {
    const Stream& s = sp.streams[i];
    TESSERA_CHECK(sp.units[s.src].section == section && sp.units[s.dst].section == section,
                  "stream {} of section {} joins units {} and {} of sections {} and {}", i, section, s.src, s.dst,
                  sp.units[s.src].section, sp.units[s.dst].section);
    Net n;
    n.a = index.local[s.src];
    n.b = index.local[s.dst];
    n.dram = p.kinds[n.a] == UnitKind::AGCU || p.kinds[n.b] == UnitKind::AGCU;
    n.demand = n.dram ? 0.0 : std::max(0.0, s.vectors_per_cycle);
    n.weight = std::max(0.0, s.vectors_per_cycle) + 1e-3 * static_cast<double>(std::max<int64_t>(s.bytes, 0)) /
                                                         static_cast<double>(max_bytes);
    if (n.a == n.b) continue;  // a unit talking to itself: no wire
    p.nets_of[n.a].push_back(static_cast<int>(p.nets.size()));
    p.nets_of[n.b].push_back(static_cast<int>(p.nets.size()));
    p.nets.push_back(n);
  }
  p.shape.push_back(p.units.size());
  for (size_t i = 0; i < p.units.size(); ++i)
    p.shape.push_back(static_cast<uint64_t>(p.kinds[i]) | static_cast<uint64_t>(p.kernels[i] + 1) << 8);
  for (const Net& n : p.nets) {
    p.shape.push_back(static_cast<uint64_t>(n.a) << 32 | static_cast<uint64_t>(n.b));
    p.shape.push_back(bits(n.weight));
    p.shape.push_back(bits(n.demand));
  }
  return p;
}

uint64_t section_seed(uint64_t seed, const std::vector<uint64_t>& shape) {
  uint64_t h = seed;
  for (uint64_t w : shape) {
    uint64_t s = h ^ w;
    h = splitmix64(s);
  }
  return h;
}

}  // namespace

PlaceProblem make_problem(const SpatialProgram& sp, int section) {
  return build_problem(sp, section, SectionIndex(sp));
}

void place(PassContext& ctx) {
  SpatialProgram& sp = ctx.out;
  sp.site.assign(sp.units.size(), -1);
  const SectionIndex index(sp);
  std::vector<PlaceProblem> problems;
  std::map<std::vector<uint64_t>, Placement> done;  // by section structure
  double moves = 0;
  for (const Section& s : sp.sections) {
    TESSERA_CHECK(s.id >= 0 && s.id < static_cast<int>(sp.sections.size()), "section {} has id {}", s.name, s.id);
    problems.push_back(build_problem(sp, s.id, index));
    const PlaceProblem& p = problems.back();
    if (!p.units.empty() && done.emplace(p.shape, Placement{}).second)
      moves += default_moves_per_unit(p.units.size()) * static_cast<double>(p.units.size());
  }
  const double scale = std::min(1.0, kProgramMoves / std::max(moves, 1.0));
  for (const PlaceProblem& p : problems) {
    if (p.units.empty()) continue;
    Placement& sites = done.at(p.shape);
    if (sites.empty()) {
      sites = initial_placement(p, sp.chip);
      const double per_unit = std::max(kMinMovesPerUnit, scale * default_moves_per_unit(p.units.size()));
      anneal(p, sp.chip, sites, {section_seed(ctx.options.seed, p.shape), per_unit});
    }
    for (size_t i = 0; i < p.units.size(); ++i) sp.site[p.units[i]] = sites[i];
  }
}

}  // namespace tessera::compile
