// Placement, routing and the mapping verifier on small hand-built spatial
// programs: a 4x4 checkerboard of PCUs and PMUs with AGCUs on the fringe.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tessera/compile/compile.h"
#include "tessera/compile/place_internal.h"
#include "tessera/compile/route_mesh.h"
#include "tessera/support/error.h"

namespace tessera::compile {
namespace {

// PCU where row + col is even; AGCUs above and below the first and last columns.
Chip checkerboard(int rows = 4, int cols = 4, int link_vectors = 1) {
  Chip chip;
  chip.name = "test";
  chip.rows = rows;
  chip.cols = cols;
  chip.link_vectors_per_cycle = link_vectors;
  chip.pcu_lanes = 16;
  chip.pcu_stages = 6;
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) chip.sites.push_back({(r + c) % 2 == 0 ? UnitKind::PCU : UnitKind::PMU, r, c});
  for (const auto& [r, c] : {std::pair{-1, 0}, {-1, cols - 1}, {rows, 0}, {rows, cols - 1}})
    chip.sites.push_back({UnitKind::AGCU, r, c});
  return chip;
}

class ProgramBuilder {
 public:
  explicit ProgramBuilder(Chip chip) { sp_.chip = std::move(chip); }

  int section() {
    Section s;
    s.id = static_cast<int>(sp_.sections.size());
    s.name = "s" + std::to_string(s.id);
    sp_.sections.push_back(s);
    return s.id;
  }
  int kernel(int section) {
    KernelPlan k;
    k.section = section;
    k.name = "k" + std::to_string(sp_.kernels.size());
    sp_.kernels.push_back(k);
    sp_.sections[section].kernels.push_back(static_cast<int>(sp_.kernels.size() - 1));
    return static_cast<int>(sp_.kernels.size() - 1);
  }
  int unit(UnitKind kind, int section, int kernel = -1) {
    sp_.units.push_back({kind, section, kernel, name(kind)});
    Section& s = sp_.sections[section];
    (kind == UnitKind::PCU ? s.pcus : kind == UnitKind::PMU ? s.pmus : s.agcus)++;
    return static_cast<int>(sp_.units.size() - 1);
  }
  int stream(int src, int dst, double vectors_per_cycle, int64_t bytes = 1024) {
    sp_.streams.push_back({src, dst, sp_.units[src].section, bytes, vectors_per_cycle});
    return static_cast<int>(sp_.streams.size() - 1);
  }
  SpatialProgram& program() { return sp_; }

 private:
  SpatialProgram sp_;
};

// Runs place and route (the passes under test) on `sp`.
void place_and_route(SpatialProgram& sp, uint64_t seed = 1) {
  const pattern::Program none;
  CompileOptions options;
  options.seed = seed;
  PassContext ctx{none, options, sp};
  place(ctx);
  route(ctx);
}

int distance(const SpatialProgram& sp, int u, int v) {
  const Site& a = sp.chip.sites[sp.site[u]];
  const Site& b = sp.chip.sites[sp.site[v]];
  return std::abs(a.row - b.row) + std::abs(a.col - b.col);
}

// A random section in the shape the units pass makes: kernels of `par`
// chains of PCUs, each fed by an input PMU and writing to the next kernel's
// input PMU, the first input and the last output through AGCUs.
SpatialProgram random_program(uint64_t seed, const Chip& chip, int sections = 2) {
  Rng rng(seed);
  ProgramBuilder b(chip);
  const int pcus = chip.count(UnitKind::PCU), pmus = chip.count(UnitKind::PMU);
  for (int s = 0; s < sections; ++s) {
    const int sec = b.section();
    int used_pcus = 0, used_pmus = 0, previous_out = -1;
    const int agcu = b.unit(UnitKind::AGCU, sec);
    while (true) {
      const int chain = 1 + static_cast<int>(rng.below(2)), par = 1 + static_cast<int>(rng.below(3));
      if (used_pcus + chain * par > pcus || used_pmus + 2 > pmus) break;
      const int k = b.kernel(sec);
      const int in = previous_out >= 0 ? previous_out : b.unit(UnitKind::PMU, sec, k);
      if (previous_out < 0) b.stream(agcu, in, 0.25);
      const int out = b.unit(UnitKind::PMU, sec, k);
      used_pmus += previous_out < 0 ? 2 : 1;
      for (int p = 0; p < par; ++p) {
        int last = in;
        for (int c = 0; c < chain; ++c) {
          const int pcu = b.unit(UnitKind::PCU, sec, k);
          b.stream(last, pcu, 0.1 + 0.9 * rng.unit());
          last = pcu;
        }
        b.stream(last, out, 0.1 + 0.9 * rng.unit());
      }
      used_pcus += chain * par;
      previous_out = out;
      if (rng.below(3) == 0) break;
    }
    if (previous_out >= 0) b.stream(previous_out, agcu, 0.25);
  }
  return b.program();
}

TEST(Place, EveryUnitOnAFreeSiteOfItsKind) {
  ProgramBuilder b(checkerboard());
  const int s = b.section();
  const int k = b.kernel(s);
  const int ag = b.unit(UnitKind::AGCU, s);
  const int in = b.unit(UnitKind::PMU, s, k);
  int last = in;
  for (int i = 0; i < 3; ++i) {
    const int pcu = b.unit(UnitKind::PCU, s, k);
    b.stream(last, pcu, 1.0);
    last = pcu;
  }
  const int out = b.unit(UnitKind::PMU, s, k);
  b.stream(last, out, 1.0);
  b.stream(ag, in, 0.5);
  b.stream(out, ag, 0.5);
  SpatialProgram& sp = b.program();
  place_and_route(sp);
  ASSERT_EQ(sp.site.size(), sp.units.size());
  std::set<int> used;
  for (size_t u = 0; u < sp.units.size(); ++u) {
    ASSERT_GE(sp.site[u], 0);
    EXPECT_EQ(sp.chip.sites[sp.site[u]].kind, sp.units[u].kind) << "unit " << u;
    EXPECT_TRUE(used.insert(sp.site[u]).second) << "site " << sp.site[u] << " used twice";
  }
  EXPECT_NO_THROW(verify(sp));
}

TEST(Place, AlternatingChainLandsOnNeighbouringCells) {
  // PMU -> PCU -> PMU -> PCU -> PMU: on a checkerboard every link can be one
  // hop, so the best wire length is 4 x weight 1 (+ the bytes term, 1e-3 each).
  ProgramBuilder b(checkerboard());
  const int s = b.section();
  const int k = b.kernel(s);
  std::vector<int> chain;
  for (int i = 0; i < 5; ++i) chain.push_back(b.unit(i % 2 == 0 ? UnitKind::PMU : UnitKind::PCU, s, k));
  for (int i = 0; i + 1 < 5; ++i) b.stream(chain[i], chain[i + 1], 1.0);
  SpatialProgram& sp = b.program();
  place_and_route(sp);
  for (int i = 0; i + 1 < 5; ++i) EXPECT_EQ(distance(sp, chain[i], chain[i + 1]), 1) << "link " << i;
  // Each route is then one hop: two switches.
  for (const Route& r : sp.routes) EXPECT_EQ(r.hops.size(), 2u);
}

TEST(Place, AgcuGoesToTheFringeSiteNearestItsUnits) {
  ProgramBuilder b(checkerboard());
  const int s = b.section();
  const int pmu = b.unit(UnitKind::PMU, s);
  const int ag = b.unit(UnitKind::AGCU, s);
  b.stream(ag, pmu, 1.0);
  SpatialProgram& sp = b.program();
  place_and_route(sp);
  // AGCU sites: (-1,0) (-1,3) (4,0) (4,3). Wherever the PMU went, no other
  // AGCU site is nearer to it.
  const Site& at = sp.chip.sites[sp.site[pmu]];
  for (const Site& s : sp.chip.sites) {
    if (s.kind == UnitKind::AGCU) {
      EXPECT_LE(distance(sp, ag, pmu), std::abs(s.row - at.row) + std::abs(s.col - at.col));
    }
  }
}

TEST(Place, SectionsEachGetTheWholeChip) {
  const Chip chip = checkerboard();
  ProgramBuilder b(chip);
  std::vector<int> first, second;
  for (int s = 0; s < 2; ++s) {
    const int sec = b.section();
    for (int i = 0; i < 8; ++i) (s == 0 ? first : second).push_back(b.unit(UnitKind::PCU, sec));
  }
  SpatialProgram& sp = b.program();
  place_and_route(sp);
  std::set<int> a, c;
  for (int u : first) a.insert(sp.site[u]);
  for (int u : second) c.insert(sp.site[u]);
  EXPECT_EQ(a.size(), 8u);  // all 8 PCU sites, in each section
  EXPECT_EQ(a, c);
  EXPECT_NO_THROW(verify(sp));
}

TEST(Place, SameStructureSamePlacement) {
  SpatialProgram one = random_program(3, checkerboard(), 1);
  // Two copies of the same section.
  SpatialProgram sp = one;
  sp.sections.push_back(sp.sections[0]);
  sp.sections[1].id = 1;
  const int n = static_cast<int>(sp.units.size());
  for (int u = 0; u < n; ++u) {
    VirtualUnit v = sp.units[u];
    v.section = 1;
    sp.units.push_back(v);
  }
  for (size_t i = 0, e = sp.streams.size(); i < e; ++i) {
    Stream st = sp.streams[i];
    st.src += n, st.dst += n, st.section = 1;
    sp.streams.push_back(st);
  }
  place_and_route(sp, 5);
  for (int u = 0; u < n; ++u) EXPECT_EQ(sp.site[u], sp.site[u + n]);
  place_and_route(one, 5);
  for (int u = 0; u < n; ++u) EXPECT_EQ(one.site[u], sp.site[u]);
}

TEST(Place, SameSeedSameMappingOtherSeedsMayDiffer) {
  const Chip chip = checkerboard(6, 6);
  SpatialProgram a = random_program(11, chip), b = a;
  place_and_route(a, 7);
  place_and_route(b, 7);
  EXPECT_EQ(a.site, b.site);
  ASSERT_EQ(a.routes.size(), b.routes.size());
  for (size_t i = 0; i < a.routes.size(); ++i) {
    EXPECT_EQ(a.routes[i].stream, b.routes[i].stream);
    EXPECT_EQ(a.routes[i].hops, b.routes[i].hops);
  }
  bool differs = false;
  for (uint64_t seed = 8; seed < 16 && !differs; ++seed) {
    SpatialProgram c = random_program(11, chip);
    place_and_route(c, seed);
    differs = c.site != a.site;
  }
  EXPECT_TRUE(differs) << "eight other seeds all gave the seed-7 placement";
}

TEST(Place, AnnealingNeverCostsMoreThanTheConstructiveStart) {
  const Chip chip = checkerboard(8, 8);
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    const SpatialProgram sp = random_program(seed, chip, 1);
    const PlaceProblem p = make_problem(sp, 0);
    Placement sites = initial_placement(p, chip);
    const double start = placement_cost(p, chip, sites);
    anneal(p, chip, sites, {seed});
    const double end = placement_cost(p, chip, sites);
    EXPECT_LE(end, start + 1e-9) << "seed " << seed;
    // ...and with a budget, it usually finds better.
    if (seed == 1) {
      EXPECT_LT(end, start);
    }
  }
}

TEST(Place, CongestionTermCountsOverflowOnly) {
  // Two units side by side with demand 3 on a link of capacity 1: the same
  // row, so XY and YX coincide and the link carries all 3 -> overflow 2.
  const Chip chip = checkerboard();
  ProgramBuilder b(chip);
  const int s = b.section();
  const int pcu = b.unit(UnitKind::PCU, s), pmu = b.unit(UnitKind::PMU, s);
  b.stream(pcu, pmu, 3.0, 0);
  const PlaceProblem p = make_problem(b.program(), 0);
  const Placement sites = {0, 1};  // (0,0) PCU and (0,1) PMU
  EXPECT_DOUBLE_EQ(wire_length(p, chip, sites), 3.0);
  EXPECT_DOUBLE_EQ(placement_cost(p, chip, sites), 3.0 + kCongestionWeight * 2.0);
}

TEST(Route, DimensionOrderPathWhenItFits) {
  ProgramBuilder b(checkerboard());
  const int s = b.section();
  const int pcu = b.unit(UnitKind::PCU, s), pmu = b.unit(UnitKind::PMU, s);
  b.stream(pcu, pmu, 0.5);
  SpatialProgram& sp = b.program();
  sp.site = {0, 6};  // (0,0) -> (1,2)
  const pattern::Program none;
  const CompileOptions options;
  PassContext ctx{none, options, sp};
  route(ctx);
  ASSERT_EQ(sp.routes.size(), 1u);
  const std::vector<Hop> xy = {{0, 0}, {0, 1}, {0, 2}, {1, 2}};  // columns first, then rows
  EXPECT_EQ(sp.routes[0].hops, xy);
  EXPECT_NO_THROW(verify(sp));
}

// `copies` streams of one vector per cycle from the PCU at (1,1) to the PCU at (1,3).
SpatialProgram parallel_streams(int copies) {
  ProgramBuilder b(checkerboard());
  const int s = b.section();
  const int from = b.unit(UnitKind::PCU, s), to = b.unit(UnitKind::PCU, s);
  for (int i = 0; i < copies; ++i) b.stream(from, to, 1.0);
  SpatialProgram sp = b.program();
  sp.site = {5, 7};
  const pattern::Program none;
  const CompileOptions options;
  PassContext ctx{none, options, sp};
  route(ctx);
  return sp;
}

TEST(Route, DetoursAroundAFullLink) {
  // Capacity 1: the straight path carries one stream, the other two go round.
  const SpatialProgram sp = parallel_streams(3);
  EXPECT_NO_THROW(verify(sp));
  const LinkLoad load = link_load(sp, 0);
  EXPECT_EQ(load.overloaded_links, 0);
  EXPECT_DOUBLE_EQ(load.peak_ratio, 1.0);
  std::multiset<size_t> lengths;
  for (const Route& r : sp.routes) lengths.insert(r.hops.size());
  EXPECT_EQ(*lengths.begin(), 3u);   // straight: (1,1) (1,2) (1,3)
  EXPECT_EQ(lengths.count(3), 1u);
  EXPECT_EQ(lengths.count(5), 2u);   // over the row above, and below
}

TEST(Route, OverloadIsKeptLeastAndReportedNotFailed) {
  // A switch has four links out: a fifth full-rate stream must share one.
  const SpatialProgram sp = parallel_streams(5);
  EXPECT_NO_THROW(verify(sp));
  const LinkLoad load = link_load(sp, 0);
  EXPECT_GE(load.excess, 1.0 - 1e-9);
  EXPECT_GE(load.overloaded_links, 1);
  EXPECT_GE(load.peak_ratio, 2.0 - 1e-9);
}

TEST(Route, DramStreamsUseNoStaticCapacity) {
  ProgramBuilder b(checkerboard());
  const int s = b.section();
  const int pmu = b.unit(UnitKind::PMU, s), ag = b.unit(UnitKind::AGCU, s);
  b.stream(pmu, ag, 4.0);
  SpatialProgram& sp = b.program();
  sp.site = {1, 16};  // (0,1) -> AGCU at (-1,0), which attaches to switch (0,0)
  const pattern::Program none;
  const CompileOptions options;
  PassContext ctx{none, options, sp};
  route(ctx);
  ASSERT_EQ(sp.routes.size(), 1u);
  const std::vector<Hop> path = {{0, 1}, {0, 0}};
  EXPECT_EQ(sp.routes[0].hops, path);
  EXPECT_EQ(link_load(sp, 0).peak_ratio, 0.0);
}

TEST(Route, RandomProgramsAlwaysVerify) {
  for (uint64_t seed = 1; seed <= 16; ++seed) {
    const Chip chip = checkerboard(4 + static_cast<int>(seed % 5), 4 + static_cast<int>(seed % 3), 1 + seed % 2);
    SpatialProgram sp = random_program(seed, chip, 3);
    place_and_route(sp, seed);
    EXPECT_NO_THROW(verify(sp)) << "seed " << seed;
    EXPECT_EQ(sp.routes.size(), sp.streams.size());
    for (size_t i = 0; i < sp.routes.size(); ++i) EXPECT_EQ(sp.routes[i].stream, static_cast<int>(i));
  }
}

// A placed and routed program for the verifier to reject once corrupted.
SpatialProgram mapped() {
  SpatialProgram sp = random_program(4, checkerboard(), 2);
  place_and_route(sp);
  verify(sp);
  return sp;
}

void expect_rejected(const SpatialProgram& sp, const std::string& words) {
  try {
    verify(sp);
    ADD_FAILURE() << "verify accepted a mapping with: " << words;
  } catch (const InternalError& e) {
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
}

TEST(Verify, RejectsSiteOfWrongKind) {
  SpatialProgram sp = mapped();
  int pcu = 0;
  while (sp.units[pcu].kind != UnitKind::PCU) ++pcu;
  sp.site[pcu] = 1;  // (0,1) is a PMU
  expect_rejected(sp, "is a PCU placed on PMU site 1");
}

TEST(Verify, RejectsSiteUsedTwiceInASection) {
  SpatialProgram sp = mapped();
  int a = 0;
  while (sp.units[a].kind != UnitKind::PCU) ++a;
  int b = a + 1;
  while (sp.units[b].kind != UnitKind::PCU || sp.units[b].section != sp.units[a].section) ++b;
  sp.site[b] = sp.site[a];
  expect_rejected(sp, "holds units");
}

TEST(Verify, RejectsUnplacedUnit) {
  SpatialProgram sp = mapped();
  sp.site[0] = -1;
  expect_rejected(sp, "is on site -1");
}

TEST(Verify, RejectsBrokenRoutes) {
  const SpatialProgram good = mapped();
  size_t long_route = 0;
  while (good.routes[long_route].hops.size() < 2) ++long_route;

  SpatialProgram jump = good;
  auto& hops = jump.routes[long_route].hops;
  hops.insert(hops.begin() + 1, Hop{hops[0].row >= 2 ? hops[0].row - 2 : hops[0].row + 2, hops[0].col});
  expect_rejected(jump, "jumps from switch");

  SpatialProgram outside = good;
  outside.routes[long_route].hops.insert(outside.routes[long_route].hops.begin() + 1, Hop{-1, 0});
  expect_rejected(outside, "outside the 5x5 switch grid");

  SpatialProgram start = good;
  start.routes[long_route].hops.erase(start.routes[long_route].hops.begin());
  expect_rejected(start, "starts at switch");

  SpatialProgram end = good;
  end.routes[long_route].hops.pop_back();
  expect_rejected(end, "ends at switch");

  SpatialProgram bad_stream = good;
  bad_stream.routes[0].stream = static_cast<int>(good.streams.size());
  expect_rejected(bad_stream, "route for stream");

  SpatialProgram twice = good;
  twice.routes[1].stream = twice.routes[0].stream;
  expect_rejected(twice, "has two routes");

  SpatialProgram missing = good;
  missing.routes.pop_back();
  expect_rejected(missing, "has no route");
}

TEST(Verify, AcceptsAProgramNotYetPlacedOrRouted) {
  const SpatialProgram sp = random_program(4, checkerboard(), 2);
  EXPECT_NO_THROW(verify(sp));
  SpatialProgram placed = sp;
  const pattern::Program none;
  const CompileOptions options;
  PassContext ctx{none, options, placed};
  place(ctx);
  EXPECT_NO_THROW(verify(placed));
  EXPECT_TRUE(placed.routes.empty());
}

TEST(Verify, RejectsStreamBetweenSections) {
  SpatialProgram sp = mapped();
  int other = 0;
  while (sp.units[other].section == sp.streams[0].section) ++other;
  sp.streams[0].dst = other;
  expect_rejected(sp, "joins units of sections");
}

TEST(Verify, RejectsSectionLargerThanTheChip) {
  SpatialProgram sp = mapped();
  sp.sections[0].pcus = 9;  // the chip has 8
  expect_rejected(sp, "uses");
}

}  // namespace
}  // namespace tessera::compile
