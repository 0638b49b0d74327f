// Cycle mode, part by part ("is each timing exact") and whole programs
// ("does it run", "does performance have the shape theory predicts"): a DRAM
// channel's bandwidth, latency and turnaround, links that never beat their
// capacity, pipelines of N stages, bank conflicts, buffer credits, the part
// registry, determinism and the laws every section obeys.
#include <gtest/gtest.h>

#include <cmath>

#include "tessera/arch/derived.h"
#include "tessera/arch/spec.h"
#include "tessera/compile/chip.h"
#include "tessera/compile/compile.h"
#include "tessera/graph/infer.h"
#include "tessera/lower/lower.h"
#include "tessera/sim/cycle/cycle.h"
#include "tessera/sim/cycle/dram.h"
#include "tessera/sim/cycle/engine.h"
#include "tessera/sim/cycle/network.h"
#include "tessera/sim/cycle/pcu.h"
#include "tessera/sim/cycle/plan.h"
#include "tessera/sim/cycle/pmu.h"
#include "tessera/sim/cycle/rate_server.h"
#include "tessera/sim/cycle/registry.h"
#include "tessera/support/error.h"

namespace tessera {
namespace {

using namespace sim::cycle;

// ---- parts on their own -------------------------------------------------

TEST(CycleRateServer, DeliversExactlyItsRateOverALongRun) {
  RateServer s(2.5);  // 2.5 bytes per cycle: every request leaves a fraction of a cycle
  RateServer::Slot last;
  for (int i = 0; i < 1000; ++i) last = s.serve(0, 7);
  EXPECT_EQ(last.end, 2800);  // 7000 / 2.5, no rounding per request
  EXPECT_NEAR(s.busy_cycles(), 2800, 1e-6);
}

TEST(CycleRateServer, IdleGapStartsANewBusyPeriod) {
  RateServer s(4);
  EXPECT_EQ(s.serve(0, 8).end, 2);
  const RateServer::Slot later = s.serve(100, 8);
  EXPECT_EQ(later.start, 100);
  EXPECT_EQ(later.end, 102);
}

TEST(CycleRateServer, AnEarlierRequestMadeLaterFillsTheGapBeforeAReservation) {
  RateServer s(4);
  EXPECT_EQ(s.serve(0, 8).end, 2);
  EXPECT_EQ(s.serve(400, 40).start, 400);  // reserved for later: [400, 410)
  // Ready at 10 and asked for afterwards: it goes into the idle [2, 400), not after 410.
  const RateServer::Slot early = s.serve(10, 80);
  EXPECT_EQ(early.start, 10);
  EXPECT_EQ(early.end, 30);
  // What is left of the gap is [2, 10) and [30, 400); a request too long for it queues at the end.
  const RateServer::Slot big = s.serve(20, 4 * 380);
  EXPECT_EQ(big.start, 410);
  EXPECT_EQ(big.end, 790);
  // A short one still fits before the reservation.
  EXPECT_EQ(s.serve(8, 20).start, 30);  // [8, 13) does not fit in [2, 10)
  // Small requests share a gap's cycles as they share a busy period's: two quarter cycles in one.
  const RateServer::Slot a = s.serve(40, 1), b = s.serve(40, 1);
  EXPECT_EQ(a.start, 40);
  EXPECT_EQ(b.start, 40);
  EXPECT_EQ(b.end, 41);
  EXPECT_NEAR(s.busy_cycles(), 2 + 10 + 20 + 380 + 5 + 0.5, 1e-9);
}

DramTierSpec tier(int channels, double bytes_per_cycle, int64_t latency, int64_t turnaround = 10) {
  DramTierSpec t;
  t.name = "test";
  t.channels = channels;
  t.channel_bytes_per_cycle = bytes_per_cycle;
  t.latency_cycles = latency;
  t.turnaround_cycles = turnaround;
  return t;
}

TEST(CycleDram, SingleRequestTakesLatencyPlusTransfer) {
  const DramTierSpec t = tier(1, 16, 100);
  DramChannel c(t);
  EXPECT_EQ(c.access(0, 64, false), 4 + 100);  // 64 B at 16 B/cycle, then the latency
  DramChannel d(t);
  EXPECT_EQ(d.access(50, 1, false), 50 + 1 + 100);
}

TEST(CycleDram, ChannelDeliversExactlyItsBandwidthOverALongRun) {
  const DramTierSpec t = tier(1, 16.28, 80);
  DramChannel c(t);
  int64_t done = 0;
  for (int i = 0; i < 10000; ++i) done = c.access(0, 4096, false);
  const double ideal = 10000.0 * 4096 / 16.28;
  EXPECT_GE(done - 80, static_cast<int64_t>(std::floor(ideal)));
  EXPECT_LE(done - 80, static_cast<int64_t>(std::ceil(ideal)));
  EXPECT_EQ(c.bytes_read(), int64_t{10000} * 4096);
}

TEST(CycleDram, ReadWriteTurnaroundCostsDeadBusTime) {
  const DramTierSpec t = tier(1, 16, 0, 10);
  DramChannel c(t);
  EXPECT_EQ(c.access(0, 160, false), 10);
  EXPECT_EQ(c.access(0, 160, true), 30);   // 10 cycles of turnaround, then 10 of data
  EXPECT_EQ(c.access(0, 160, true), 40);   // same direction: no turnaround
  EXPECT_EQ(c.turnarounds(), 1);
}

// A context whose plan holds only what the part under test reads.
struct Bench {
  CycleSpec spec;
  SectionPlan plan;
  RunContext ctx;
  Bench() { ctx = {&spec, &plan, nullptr, 0}; }
};

TEST(CycleDram, ControllerInterleavesChannelsAtFullBandwidth) {
  Bench b;
  b.spec.dram = {tier(4, 16, 100)};
  DramPart dram;
  dram.init(b.ctx, 0);
  Engine e;
  dram.submit(e, {nullptr, 0, 0, 0, 0, 1 << 20, false});  // 1 MiB over 4 channels of 16 B/cycle
  e.run();
  EXPECT_EQ(e.now(), (1 << 20) / 64 + 100);
  SectionStats st;
  dram.finalize(st);
  EXPECT_EQ(st.dram_read_bytes, 1 << 20);
  EXPECT_NEAR(st.dram_busy, (1 << 20) / 64.0, 1e-6);
}

TEST(CycleDram, EarlierNeededRequestIsServedFirst) {
  Bench b;
  b.spec.dram = {tier(1, 16, 0)};
  DramPart dram;
  dram.init(b.ctx, 0);
  Engine e;
  dram.submit(e, {nullptr, 0, /*priority*/ 5, 0, 0, 1 << 20, false});  // a weight needed late
  dram.submit(e, {nullptr, 0, /*priority*/ 0, 0, 1 << 21, 4096, false});
  e.run();
  SectionStats st;
  dram.finalize(st);
  EXPECT_EQ(st.dram_read_bytes, (1 << 20) + 4096);
  // The late weight only had kDramQueuePerChannel chunks queued when the urgent one came.
  EXPECT_EQ(e.now(), ((1 << 20) + 4096) / 16);
}

TEST(CycleLink, CreditsLimitTheRateAndCapacityIsNeverExceeded) {
  CycleSpec s;
  s.link_lanes = 2;
  s.vector_bytes = 128;
  s.hop_latency = 1;
  s.link_credits = 4;  // round trip 2 cycles: full rate
  EXPECT_DOUBLE_EQ(s.static_link_bytes_per_cycle(), 256);
  s.hop_latency = 2;
  s.link_credits = 1;  // one slot per 4-cycle round trip: a quarter of the rate
  EXPECT_DOUBLE_EQ(s.static_link_bytes_per_cycle(), 64);

  Bench b;
  b.spec = s;
  b.plan.links.push_back({0, false, s.static_link_bytes_per_cycle(), s.hop_latency});
  LinkPart link;
  link.init(b.ctx, 0);
  int64_t bytes = 0;
  for (int i = 0; i < 100; ++i) {  // many bursts, all ready at once
    const Flow f = link.cross({0, 0}, 1000);
    bytes += 1000;
    // By the time the last byte of this burst left, no more than capacity x time went through.
    EXPECT_LE(static_cast<double>(bytes), 64.0 * static_cast<double>(f.last - s.hop_latency + 1));
  }
  EXPECT_NEAR(link.server().busy_cycles(), 100 * 1000 / 64.0, 1e-6);
}

TEST(CycleLink, CutThroughPathCostsHopLatencyOncePerHop) {
  Bench b;
  for (int i = 0; i < 3; ++i) b.plan.links.push_back({i, false, 128, 1});
  std::vector<LinkPart> parts(3);
  std::vector<LinkPart*> path;
  for (int i = 0; i < 3; ++i) {
    parts[i].init(b.ctx, i);
    path.push_back(&parts[i]);
  }
  // 10 vectors of 128 B emitted one per cycle from cycle 0: the last leaves at 9,
  // crosses 3 links and is delivered one hop later.
  const Flow f = send(path, {0, 9}, 1280, 1);
  EXPECT_EQ(f.first, 4);
  EXPECT_EQ(f.last, 9 + 4);
}

TEST(CyclePcu, PipelineOfNStagesHasLatencyNAndThroughputOne) {
  PcuPipeline p(6);
  const Burst one = p.feed(0, 1);
  EXPECT_EQ(one.first_out, 6);
  EXPECT_EQ(one.last_out, 6);
  PcuPipeline q(6);
  const Burst a = q.feed(0, 100);
  EXPECT_EQ(a.last_out, 99 + 6);
  const Burst b2 = q.feed(0, 100);  // queued behind the first burst: one vector per cycle
  EXPECT_EQ(b2.first_out, 100 + 6);
  EXPECT_EQ(b2.last_out, 199 + 6);
  EXPECT_EQ(q.busy(), 200);
}

TEST(CyclePcu, OperandReadsThrottleTheFeed) {
  PcuPipeline p(4);
  const Burst b = p.feed(0, 10, 50);  // operands still arriving until cycle 50
  EXPECT_EQ(b.fed, 50);
  EXPECT_EQ(b.last_out, 49 + 4);
}

TEST(CyclePmu, StrideEqualToTheBankCountSerialisesEveryLane) {
  EXPECT_EQ(bank_conflict_degree(16, 16, 16), 16);
  EXPECT_EQ(bank_conflict_degree(1, 16, 16), 1);
  EXPECT_EQ(bank_conflict_degree(2, 16, 16), 2);
  EXPECT_EQ(bank_conflict_degree(3, 16, 16), 1);   // odd strides visit every bank
  EXPECT_EQ(bank_conflict_degree(1, 32, 16), 2);   // more lanes than banks
}

TEST(CyclePmu, ConflictingReadsTakeLongerAndAreCounted) {
  Bench b;
  b.spec.banks = 16;
  b.spec.pmu_port_bytes_per_cycle = 64;
  BufferItem item;
  item.role = "in x";
  item.conflict = bank_conflict_degree(16, 16, 16);
  b.plan.buffers.push_back(item);
  PmuPart pmu;
  pmu.init(b.ctx, 0);
  const RateServer::Slot s = pmu.read(0, 640);  // 10 vectors of 16 words
  EXPECT_EQ(s.end, 160);
  SectionStats st;
  pmu.finalize(st);
  EXPECT_EQ(st.bank_conflicts, 10 * 15);
}

TEST(CyclePmu, DoubleBufferGivesCreditsOneTileAhead) {
  Bench b;
  BufferItem item;
  item.role = "in x";
  item.producer_tiles = item.consumer_tiles = 4;
  item.consumer_kind = EndKind::Kernel;
  item.consumer = 0;
  b.plan.buffers.push_back(item);
  PmuPart pmu;
  pmu.init(b.ctx, 0);
  EXPECT_TRUE(pmu.room(0));
  EXPECT_TRUE(pmu.room(1));
  EXPECT_FALSE(pmu.room(2));  // both halves full until the consumer frees one
  EXPECT_FALSE(pmu.ready(0));
  Engine e;
  pmu.arrive_at(e, 5, 0);
  e.run();
  EXPECT_TRUE(pmu.ready(0));
  EXPECT_FALSE(pmu.ready(1));
  pmu.release_at(e, 9, 0);
  e.run();
  EXPECT_TRUE(pmu.room(2));
}

TEST(CyclePmu, MismatchedTilesNeedProportionalProgress) {
  Bench b;
  BufferItem item;
  item.role = "in x";
  item.producer_tiles = 6;
  item.consumer_tiles = 2;  // each consumer tile needs three producer tiles
  item.consumer_kind = EndKind::Kernel;
  item.consumer = 0;
  b.plan.buffers.push_back(item);
  PmuPart pmu;
  pmu.init(b.ctx, 0);
  Engine e;
  for (int i = 0; i < 3; ++i) pmu.arrive_at(e, 1 + i, i);
  e.run();
  EXPECT_TRUE(pmu.ready(0));
  EXPECT_FALSE(pmu.ready(1));
  EXPECT_TRUE(pmu.room(5));   // two consumer tiles of space hold all six
}

TEST(CycleRegistry, EveryKindBuildsByNameAndUnknownKindsAreBugs) {
  std::vector<std::string> names;
  for (const PartKind& k : part_kinds()) {
    names.push_back(k.name);
    EXPECT_NE(make_part(k.name), nullptr);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"pcu", "pmu", "link", "agcu", "stream", "dram"}));
  EXPECT_THROW(make_part("tpu"), InternalError);
}

// ---- whole programs -----------------------------------------------------

graph::ValueId value(graph::Graph& g, const std::string& name, Shape s, bool weight) {
  graph::Value v;
  v.name = name;
  v.shape = std::move(s);
  v.shape_known = true;
  if (weight) v.parameter = true;
  return g.add_value(v);
}

// x -> Relu -> Exp -> MatMul(w) -> Tanh.
pattern::Program chain_program(int64_t rows, int64_t cols, int64_t out) {
  graph::Graph g;
  auto x = value(g, "x", {rows, cols}, false);
  g.inputs.push_back(x);
  auto w = value(g, "w", {cols, out}, true);
  graph::ValueId cur = x;
  auto op = [&](const std::string& type, std::vector<graph::ValueId> ins) {
    auto y = value(g, type + "_out", {}, false);
    g.nodes.push_back({type, type, std::move(ins), {y}, {}, ""});
    graph::infer_node(g, g.nodes.back());
    return y;
  };
  cur = op("Relu", {cur});
  cur = op("Exp", {cur});
  cur = op("MatMul", {cur, w});
  cur = op("Tanh", {cur});
  g.outputs.push_back(cur);
  return lower::lower(g);
}

struct Compiled {
  arch::ArchSpec arch;
  compile::SpatialProgram sp;
};

Compiled compiled(const pattern::Program& p, int opt, const std::string& preset = "plasticine") {
  Compiled c{arch::load_arch(preset), {}};
  compile::CompileOptions o;
  o.opt = opt;
  c.sp = compile::compile(p, compile::chip_from_arch(c.arch, arch::Precision::Fp32), o, "test");
  return c;
}

sim::SimOptions cycle_options(bool trace = false) {
  sim::SimOptions o;
  o.mode = sim::Mode::Cycle;
  o.precision = arch::Precision::Fp32;
  o.trace = trace;
  return o;
}

TEST(CycleProgram, SameInputSameCycles) {
  const Compiled c = compiled(chain_program(512, 256, 128), 1);
  const sim::SimResult a = sim::simulate_cycle(c.sp, c.arch, cycle_options());
  const sim::SimResult b = sim::simulate_cycle(c.sp, c.arch, cycle_options());
  EXPECT_EQ(a.mode, "cycle");
  ASSERT_EQ(a.sections.size(), b.sections.size());
  EXPECT_EQ(a.cycles, b.cycles);
  for (size_t s = 0; s < a.sections.size(); ++s) {
    EXPECT_EQ(a.sections[s].cycles, b.sections[s].cycles);
    EXPECT_EQ(a.sections[s].compute_cycles, b.sections[s].compute_cycles);
    EXPECT_EQ(a.sections[s].bank_conflicts, b.sections[s].bank_conflicts);
  }
}

// No section beats its compute bound or its DRAM bytes / bandwidth; the
// simulated traffic and work are exactly the compiler's.
void check_laws(const Compiled& c, const sim::SimResult& r) {
  ASSERT_EQ(r.sections.size(), c.sp.sections.size());
  const double dram_bytes_per_cycle = arch::dram_bandwidth_gbps(c.arch) / c.arch.clock_ghz;
  int64_t total = 0;
  for (size_t s = 0; s < r.sections.size(); ++s) {
    const compile::Section& cs = c.sp.sections[s];
    const sim::SectionResult& rs = r.sections[s];
    SCOPED_TRACE(cs.name);
    int64_t flops = 0;
    for (int k : cs.kernels) {
      const compile::KernelPlan& kp = c.sp.kernels[static_cast<size_t>(k)];
      if (kp.view) continue;
      flops += kp.flops;
      const double bound = static_cast<double>(kp.fu_ops) / (kp.pcus() * c.sp.chip.pcu_lanes * c.sp.chip.pcu_stages);
      EXPECT_GE(static_cast<double>(rs.cycles), bound) << kp.name;
      EXPECT_GE(rs.cycles, kp.compute_cycles) << kp.name;
    }
    EXPECT_EQ(rs.flops, flops);
    EXPECT_EQ(rs.dram_read_bytes, cs.dram_read_bytes);
    EXPECT_EQ(rs.dram_write_bytes, cs.dram_write_bytes);
    EXPECT_GE(static_cast<double>(rs.cycles) + 1, static_cast<double>(rs.dram_read_bytes + rs.dram_write_bytes) / dram_bytes_per_cycle);
    EXPECT_GT(rs.reconfig_cycles, 0);
    EXPECT_LE(rs.pcu_util, 1.0);
    EXPECT_LE(rs.pmu_util, 1.0);
    total += rs.reconfig_cycles + rs.cycles;
  }
  EXPECT_EQ(r.cycles, total);
  EXPECT_GE(r.seconds * 1.0001, r.roofline_seconds);
}

TEST(CycleProgram, SectionsObeyComputeAndDramBoundsAtBothLevels) {
  for (int opt : {0, 1}) {
    SCOPED_TRACE(opt);
    const Compiled c = compiled(chain_program(512, 256, 128), opt);
    check_laws(c, sim::simulate_cycle(c.sp, c.arch, cycle_options()));
  }
}

TEST(CycleProgram, FusedSectionBeatsKernelByKernel) {
  const Compiled o0 = compiled(chain_program(512, 256, 128), 0), o1 = compiled(chain_program(512, 256, 128), 1);
  const sim::SimResult a = sim::simulate_cycle(o0.sp, o0.arch, cycle_options());
  const sim::SimResult b = sim::simulate_cycle(o1.sp, o1.arch, cycle_options());
  EXPECT_LT(b.cycles, a.cycles);
  EXPECT_LT(b.dram_read_bytes + b.dram_write_bytes, a.dram_read_bytes + a.dram_write_bytes);
}

TEST(CycleProgram, LargeMatMulRunsAtItsComputeOrDramRate) {
  // One 1024 x 512 x 512 MatMul: the section's time is its slowest rate plus
  // a bounded fill (the weight load and one tile at each end).
  graph::Graph g;
  auto a = value(g, "a", {1024, 512}, false);
  auto w = value(g, "w", {512, 512}, true);
  g.inputs.push_back(a);
  auto y = value(g, "y", {}, false);
  g.nodes.push_back({"MatMul", "mm", {a, w}, {y}, {}, ""});
  graph::infer_node(g, g.nodes.back());
  g.outputs.push_back(y);
  const Compiled c = compiled(lower::lower(g), 1);
  const sim::SimResult r = sim::simulate_cycle(c.sp, c.arch, cycle_options());
  ASSERT_EQ(r.sections.size(), 1u);
  const sim::SectionResult& s = r.sections[0];
  const int64_t steady = std::max({s.compute_cycles, s.dram_cycles, s.pmu_cycles, s.network_cycles});
  EXPECT_GE(s.cycles, steady);
  const double weight_load = 512.0 * 512 * 4 / (arch::dram_bandwidth_gbps(c.arch) / c.arch.clock_ghz);
  const int64_t tiles = c.sp.kernels[0].tiles;
  EXPECT_LE(static_cast<double>(s.cycles), steady + weight_load + 2.0 * steady / tiles + 2000);
  EXPECT_GT(s.pcu_util, 0);
}

TEST(CycleProgram, TraceHasSectionsKernelsAndDramCounters) {
  const Compiled c = compiled(chain_program(512, 256, 128), 1);
  const sim::SimResult r = sim::simulate_cycle(c.sp, c.arch, cycle_options(true));
  int sections = 0, tiles = 0, counters = 0;
  for (const sim::TraceEvent& e : r.trace) {
    sections += e.category == "sections" && e.track == 0;
    tiles += e.category == "pcu" && e.track >= 2;
    counters += e.phase == 'C' && e.track == 1;
    EXPECT_GE(e.start_cycle, 0);
    EXPECT_LE(e.start_cycle + e.duration_cycles, r.cycles + 1);
  }
  EXPECT_GE(sections, static_cast<int>(c.sp.sections.size()));
  EXPECT_GT(tiles, 0);
  EXPECT_GT(counters, 0);
  EXPECT_TRUE(sim::simulate_cycle(c.sp, c.arch, cycle_options(false)).trace.empty());
}

TEST(CycleProgram, DataBeyondTheFirstTierGoesToTheNext) {
  const Compiled c = compiled(chain_program(512, 256, 128), 1);
  CycleSpec spec = make_cycle_spec(c.arch, c.sp.chip);
  spec.dram.push_back(spec.dram.front());
  spec.dram[0].capacity_bytes = 600 * 1024;  // x (512 KiB) fits, the rest does not
  const DramLayout layout = lay_out_dram(c.sp, spec);
  int in_second = 0;
  for (size_t t = 0; t < c.sp.tensors.size(); ++t) in_second += layout.tier[t] == 1;
  EXPECT_EQ(layout.tier[0], 0);
  EXPECT_GT(in_second, 0);
}

TEST(CycleProgram, RooflineArchitectureIsRejectedWithTheFix) {
  const Compiled c = compiled(chain_program(64, 64, 64), 1);
  try {
    sim::simulate_cycle(c.sp, arch::load_arch("a100"), cycle_options());
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("roofline"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("simulate_roofline"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tessera
