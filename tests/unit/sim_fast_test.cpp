// The simulator's fast model, roofline model, energy and report writers on
// small programs with hand-computed answers (the laws over real models are
// tests/models/sim_laws_test.cpp).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tessera/arch/derived.h"
#include "tessera/compile/chip.h"
#include "tessera/compile/compile.h"
#include "tessera/driver/simulate.h"
#include "tessera/graph/infer.h"
#include "tessera/lower/lower.h"
#include "tessera/report/sim_report.h"
#include "tessera/sim/access.h"
#include "tessera/sim/common.h"
#include "tessera/sim/sim.h"
#include "tessera/support/error.h"

namespace tessera {
namespace {

using arch::Precision;

// out = op(a, b) with a and b graph inputs; `relu` appends a Relu, `view` a Flatten before it.
pattern::Program binary_program(const std::string& op, Shape a, Shape b, bool relu = false, bool view = false) {
  graph::Graph g;
  auto value = [&](const std::string& name, Shape s) {
    graph::Value v;
    v.name = name;
    v.shape = std::move(s);
    v.shape_known = !v.shape.empty();
    return g.add_value(v);
  };
  const auto x = value("a", std::move(a)), y = value("b", std::move(b));
  g.inputs = {x, y};
  auto out = value("out", {});
  g.nodes.push_back({op, "op", {x, y}, {out}, {}});
  graph::infer_node(g, g.nodes.back());
  if (view) {
    auto f = value("flat", {});
    g.nodes.push_back({"Flatten", "flatten", {out}, {f}, {{"axis", int64_t{1}}}});
    graph::infer_node(g, g.nodes.back());
    out = f;
  }
  if (relu) {
    auto r = value("relu_out", {});
    g.nodes.push_back({"Relu", "relu", {out}, {r}, {}});
    graph::infer_node(g, g.nodes.back());
    out = r;
  }
  g.outputs = {out};
  return lower::lower(g);
}

struct Simulated {
  compile::SpatialProgram sp;
  sim::SimResult r;
};

Simulated simulate_on(const pattern::Program& p, const std::string& arch_name, int opt = 1) {
  const arch::ArchSpec a = arch::load_arch(arch_name);
  sim::SimOptions o;
  o.precision = arch::headline_precision(a);
  o.trace = true;
  compile::CompileOptions co;
  co.opt = opt;
  Simulated run{compile::compile(p, compile::chip_from_arch(a, o.precision), co, "test"), {}};
  const sim::AccessFacts access = sim::analyze_access(p, run.sp, a);
  run.r = sim::simulate_with_access(run.sp, a, o, &access);
  return run;
}

TEST(SimBankConflicts, StridesKnownAnswers) {
  // 32 fp32 lanes over 32 banks of 4-byte words.
  EXPECT_DOUBLE_EQ(sim::conflict_factor(0, 4, 32, 32, 4, false), 1.0);    // broadcast
  EXPECT_DOUBLE_EQ(sim::conflict_factor(1, 4, 32, 32, 4, false), 1.0);    // unit stride
  EXPECT_DOUBLE_EQ(sim::conflict_factor(2, 4, 32, 32, 4, false), 2.0);    // even banks only
  EXPECT_DOUBLE_EQ(sim::conflict_factor(-3, 4, 32, 32, 4, false), 1.0);   // odd stride: all banks
  EXPECT_DOUBLE_EQ(sim::conflict_factor(32, 4, 32, 32, 4, false), 32.0);  // one bank
  EXPECT_DOUBLE_EQ(sim::conflict_factor(32, 4, 32, 32, 4, true), 1.0);    // a transposing PMU
  EXPECT_DOUBLE_EQ(sim::conflict_factor(1, 2, 64, 32, 4, false), 1.0);    // 64 bf16 lanes = 32 words
  EXPECT_DOUBLE_EQ(sim::conflict_factor(std::nullopt, 4, 32, 32, 4, false), sim::kRandomConflictFactor);
}

TEST(SimBankConflicts, TransposedOperandConflictsOnlyWithoutTranspose) {
  // out = a x b: lanes run along b's columns (stride 1); a is a broadcast.
  const pattern::Program mm = binary_program("MatMul", {64, 256}, {256, 128});
  const arch::ArchSpec plasticine = arch::load_arch("plasticine");
  const auto sp = compile::compile(mm, compile::chip_from_arch(plasticine, Precision::Fp32), {}, "mm");
  const sim::AccessFacts f = sim::analyze_access(mm, sp, plasticine);
  ASSERT_EQ(f.conflict.size(), 1u);
  EXPECT_EQ(f.conflict[0], (std::vector<double>{1.0, 1.0}));
  // Gather-like reads through a transposed view are strided: a Transpose
  // kernel reads x[j, i] with lanes along i: stride 128 words -> one bank.
  graph::Graph g;
  graph::Value x;
  x.name = "x";
  x.shape = {128, 128};
  x.shape_known = true;
  const auto xi = g.add_value(x);
  g.inputs = {xi};
  graph::Value y;
  y.name = "y";
  const auto yi = g.add_value(y);
  graph::Node t{"Transpose", "t", {xi}, {yi}, {}};
  t.attrs["perm"] = std::vector<int64_t>{1, 0};
  g.nodes.push_back(t);
  graph::infer_node(g, g.nodes.back());
  g.outputs = {yi};
  const pattern::Program tp = lower::lower(g);
  const auto sp2 = compile::compile(tp, compile::chip_from_arch(plasticine, Precision::Fp32), {}, "t");
  EXPECT_DOUBLE_EQ(sim::analyze_access(tp, sp2, plasticine).conflict[0][0], 16.0);  // 16 banks on plasticine
  const arch::ArchSpec sn40l = arch::load_arch("sn40l");                            // PMUs transpose
  const auto sp3 = compile::compile(tp, compile::chip_from_arch(sn40l, Precision::Bf16), {}, "t");
  EXPECT_DOUBLE_EQ(sim::analyze_access(tp, sp3, sn40l).conflict[0][0], 1.0);
}

TEST(SimFast, ElementwiseAddIsDramBoundAtExactBandwidth) {
  // 2 x 4 MiB read + 4 MiB written over plasticine's 51.2 bytes per cycle.
  const Simulated run = simulate_on(binary_program("Add", {1024, 1024}, {1024, 1024}), "plasticine");
  ASSERT_EQ(run.r.sections.size(), 1u);
  const sim::SectionResult& s = run.r.sections[0];
  EXPECT_EQ(s.dram_read_bytes, 8 << 20);
  EXPECT_EQ(s.dram_write_bytes, 4 << 20);
  EXPECT_EQ(s.dram_cycles, 245760);  // 12 MiB / 51.2
  EXPECT_EQ(s.bound, sim::Bound::Dram);
  EXPECT_EQ(s.cycles, s.dram_cycles + s.latency_cycles);
  EXPECT_GE(s.latency_cycles, 80);  // at least the DRAM latency (80 ns at 1 GHz)
  EXPECT_EQ(s.flops, 1 << 20);
  EXPECT_EQ(run.r.cycles, s.cycles + s.reconfig_cycles);
  EXPECT_DOUBLE_EQ(run.r.seconds, static_cast<double>(run.r.cycles) / 1e9);
  EXPECT_NEAR(run.r.roofline_seconds, 12.0 * 1048576 / 51.2e9, 1e-12);
  EXPECT_EQ(run.r.precision, "fp32");
  EXPECT_NEAR(run.r.peak_tflops, 12.288, 1e-9);
  EXPECT_GT(run.r.energy_j, 0);
  EXPECT_NEAR(run.r.average_w, run.r.energy_j / run.r.seconds, 1e-9);
}

TEST(SimFast, LargeMatMulIsComputeBound) {
  // 2048^3 on plasticine: 8.6 G multiply-adds over 64 x 16 x 6 per cycle
  // (1.4 M cycles) against 48 MiB of DRAM (0.98 M cycles).
  const Simulated run = simulate_on(binary_program("MatMul", {2048, 2048}, {2048, 2048}), "plasticine");
  const sim::SectionResult& s = run.r.sections.at(0);
  EXPECT_EQ(s.bound, sim::Bound::Compute);
  EXPECT_EQ(s.compute_cycles, run.sp.kernels[0].compute_cycles);
  EXPECT_GE(s.compute_cycles, int64_t{2048} * 2048 * 2048 / (64 * 16 * 6));
  EXPECT_EQ(s.dram_cycles, 983040);
  EXPECT_EQ(s.flops, int64_t{2} * 2048 * 2048 * 2048);
  EXPECT_GT(s.pcu_util, 0.9);
  EXPECT_LE(s.pcu_util, 1.0);
  EXPECT_GT(run.r.achieved_tflops / run.r.peak_tflops, 0.9);
}

TEST(SimFast, FusionRemovesTheIntermediate) {
  const pattern::Program p = binary_program("Add", {512, 512}, {512, 512}, true);
  const Simulated o0 = simulate_on(p, "sn10", 0), o1 = simulate_on(p, "sn10", 1);
  EXPECT_EQ(o0.r.sections.size(), 2u);
  EXPECT_EQ(o1.r.sections.size(), 1u);
  // bf16: 512 KiB per tensor. O0 writes and reads back the sum; O1 does not.
  EXPECT_EQ(o0.r.dram_read_bytes + o0.r.dram_write_bytes, 5 * 512 * 1024);
  EXPECT_EQ(o1.r.dram_read_bytes + o1.r.dram_write_bytes, 3 * 512 * 1024);
  EXPECT_LT(o1.r.cycles, o0.r.cycles);
  EXPECT_EQ(sim::compulsory_dram_bytes(o0.sp), 3 * 512 * 1024);
}

TEST(SimRoofline, MatMulOnA100KnownAnswer) {
  const pattern::Program mm = binary_program("MatMul", {4096, 4096}, {4096, 4096});
  sim::SimOptions o;
  o.precision = Precision::Bf16;
  const sim::SimResult r = sim::simulate_roofline(mm, arch::load_arch("a100"), o, "mm");
  ASSERT_EQ(r.sections.size(), 1u);
  const double flops = 2.0 * 4096 * 4096 * 4096;
  EXPECT_EQ(r.flops, static_cast<int64_t>(flops));
  EXPECT_EQ(r.dram_read_bytes, 2 * 4096 * 4096 * 2);
  EXPECT_EQ(r.dram_write_bytes, 4096 * 4096 * 2);
  EXPECT_NEAR(r.seconds, flops / 312e12 + 1.3e-6, 1e-12);
  EXPECT_EQ(r.sections[0].bound, sim::Bound::Compute);
  EXPECT_NEAR(r.roofline_seconds, flops / 312e12, 1e-12);
  EXPECT_NEAR(r.peak_tflops, 312, 1e-9);
  EXPECT_GT(r.energy_j, 0);
}

TEST(SimRoofline, CacheHitForTheIntermediateAndViewsAreFree) {
  // Add, Flatten, Relu of 1 MiB (bf16) tensors: the Relu reads the sum from L2
  // through the view, which is no launch of its own.
  const pattern::Program p = binary_program("Add", {512, 1024}, {512, 1024}, true, true);
  ASSERT_EQ(p.calls.size(), 3u);
  ASSERT_TRUE(p.calls[1].view);
  sim::SimOptions o;
  o.precision = Precision::Bf16;
  const sim::SimResult r = sim::simulate_roofline(p, arch::load_arch("h100"), o, "p");
  ASSERT_EQ(r.sections.size(), 2u);
  EXPECT_EQ(r.sections[0].dram_read_bytes, 2 << 20);
  EXPECT_EQ(r.sections[1].dram_read_bytes, 0);
  EXPECT_EQ(r.sections[1].dram_write_bytes, 1 << 20);
  EXPECT_EQ(r.sections[1].bound, sim::Bound::Latency);  // 1 MiB in 0.3 us < 1.3 us launch
}

TEST(SimRoofline, ModelTooLargeForMemoryIsAnError) {
  // Three 2^35-element bf16 tensors: 192 GiB on an 80 GB A100.
  const pattern::Program p = binary_program("Add", {int64_t{1} << 35}, {int64_t{1} << 35});
  sim::SimOptions o;
  o.precision = Precision::Bf16;
  try {
    sim::simulate_roofline(p, arch::load_arch("a100"), o, "huge");
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("206.16 GB"), std::string::npos) << m;
    EXPECT_NE(m.find("85.90 GB of memory"), std::string::npos) << m;
    EXPECT_NE(m.find("smaller batch"), std::string::npos) << m;
  }
}

TEST(SimErrors, PrecisionChoiceAndMismatches) {
  EXPECT_EQ(driver::sim_precision(arch::load_arch("sn10"), ""), Precision::Bf16);
  EXPECT_EQ(driver::sim_precision(arch::load_arch("plasticine"), ""), Precision::Fp32);
  EXPECT_EQ(driver::sim_precision(arch::load_arch("sn10"), "fp32"), Precision::Fp32);
  EXPECT_THROW(driver::sim_precision(arch::load_arch("sn10"), "fp64"), Error);
  try {
    driver::sim_precision(arch::load_arch("plasticine"), "bf16");
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("supports fp32, int32"), std::string::npos) << e.what();
  }
  const pattern::Program p = binary_program("Add", {64, 64}, {64, 64});
  const arch::ArchSpec sn10 = arch::load_arch("sn10");
  const auto sp = compile::compile(p, compile::chip_from_arch(sn10, Precision::Bf16), {}, "p");
  sim::SimOptions fp32;
  fp32.precision = Precision::Fp32;
  EXPECT_THROW(sim::simulate(sp, sn10, fp32), Error);                    // compiled for 2-byte elements
  EXPECT_THROW(sim::simulate(sp, arch::load_arch("sn40l"), {}), Error);  // compiled for another chip
  EXPECT_THROW(sim::simulate_roofline(p, sn10, {}, "p"), Error);         // not a roofline preset
}

TEST(SimReport, JsonKeysTraceAndSummary) {
  const Simulated run = simulate_on(binary_program("Add", {256, 256}, {256, 256}, true), "sn10", 0);
  const auto j = nlohmann::json::parse(report::sim_report_json(run.r, arch::load_arch("sn10")));
  for (const char* k : {"cycles", "seconds", "roofline_seconds", "flops", "achieved_tflops", "peak_tflops",
                        "dram_read_bytes", "dram_write_bytes", "energy_j", "average_w"})
    EXPECT_TRUE(j["total"].contains(k)) << k;
  EXPECT_EQ(j["opt"], 0);
  EXPECT_EQ(j["mode"], "fast");
  ASSERT_EQ(j["sections"].size(), 2u);
  for (const char* k : {"name", "kernels", "cycles", "pcu_used", "pmu_used", "pcu_util", "dram_bytes", "bound"})
    EXPECT_TRUE(j["sections"][0].contains(k)) << k;
  EXPECT_EQ(j["sections"][0]["bound"], "DRAM");
  EXPECT_EQ(j["pmu_bandwidth"].size(), 2u);
  const auto t = nlohmann::json::parse(report::trace_json(run.r));
  int slices = 0, counters = 0;
  for (const auto& e : t["traceEvents"]) {
    slices += e["ph"] == "X";
    counters += e["ph"] == "C";
  }
  EXPECT_EQ(slices, 4);    // two sections, each with its reconfiguration
  EXPECT_EQ(counters, 4);  // DRAM bandwidth up and down per section
  const std::string summary = report::sim_summary(run.r);
  EXPECT_NE(summary.find("s1 relu"), std::string::npos) << summary;
}

}  // namespace
}  // namespace tessera
