// Long reductions that are no contraction (a mean over 16384 values, a
// global average pool over 64x64) fold over a PCU's stages like a
// contraction instead of needing a chain of thousands of PCUs: they compile
// on every dataflow preset, simulate no faster than the chip's compute and
// DRAM bounds, and their partial results add up to the right numbers.
#include <gtest/gtest.h>

#include <cmath>

#include "tessera/arch/derived.h"
#include "tessera/arch/spec.h"
#include "tessera/compile/chip.h"
#include "tessera/compile/compile.h"
#include "tessera/compile/mapped.h"
#include "tessera/exec/executor.h"
#include "tessera/graph/infer.h"
#include "tessera/lower/lower.h"
#include "tessera/sim/check.h"
#include "tessera/sim/sim.h"
#include "op_test_util.h"

namespace tessera {
namespace {

// x[16384] -> ReduceMean (every axis) -> m[]; g[1,8,64,64] -> GlobalAveragePool -> p[1,8,1,1].
pattern::Program long_reductions() {
  graph::Graph g;
  auto value = [&](const std::string& name, Shape s) { return testing::known_value(g, name, std::move(s)); };
  auto x = value("x", {16384});
  auto img = value("g", {1, 8, 64, 64});
  g.inputs = {x, img};
  auto m = value("m", {});
  g.nodes.push_back({"ReduceMean", "mean", {x}, {m}, {{"keepdims", int64_t{0}}}, ""});
  graph::infer_node(g, g.nodes.back());
  auto p = value("p", {});
  g.nodes.push_back({"GlobalAveragePool", "gap", {img}, {p}, {}, ""});
  graph::infer_node(g, g.nodes.back());
  g.outputs = {m, p};
  return lower::lower(g);
}

struct Case {
  const char* arch;
  int opt;
};

class LongReduce : public ::testing::TestWithParam<Case> {};

TEST_P(LongReduce, CompilesAndSimulatesWithinItsBounds) {
  const auto [arch_name, opt] = GetParam();
  const auto p = long_reductions();
  const arch::ArchSpec spec = arch::load_arch(arch_name);
  const arch::Precision precision = arch::headline_precision(spec);
  const compile::Chip chip = compile::chip_from_arch(spec, precision);
  compile::CompileOptions o;
  o.opt = opt;
  const compile::SpatialProgram sp = compile::compile(p, chip, o, "long_reduce");
  for (const auto& k : sp.kernels) {
    if (k.view) continue;
    EXPECT_TRUE(k.folded) << k.name << " should fold its reduction over the stages";
    EXPECT_EQ(k.chain, 1) << k.name;
  }
  const int64_t pcus = chip.count(compile::UnitKind::PCU);
  const double peak_per_cycle = static_cast<double>(pcus) * chip.pcu_lanes * chip.pcu_stages * 2;
  for (sim::Mode mode : {sim::Mode::Fast, sim::Mode::Cycle}) {
    sim::SimOptions so;
    so.mode = mode;
    so.precision = precision;
    const sim::SimResult r = sim::simulate(sp, spec, so);
    ASSERT_FALSE(r.sections.empty());
    for (const auto& s : r.sections) {
      // No section faster than its compute bound (every PCU of the chip at
      // its peak) or its DRAM bound (its bytes at the DRAM's full rate).
      EXPECT_GE(static_cast<double>(s.cycles), static_cast<double>(s.flops) / peak_per_cycle) << s.name;
      EXPECT_GE(static_cast<double>(s.cycles),
                static_cast<double>(s.dram_read_bytes + s.dram_write_bytes) / chip.dram_bytes_per_cycle)
          << s.name;
      // A reduction over 16384 values (or 8 x 4096) reads every value once
      // through at most its copies' lanes x stages per cycle.
      EXPECT_GE(s.cycles, 16384 / (static_cast<int64_t>(s.pcu_used) * chip.pcu_lanes * chip.pcu_stages)) << s.name;
    }
    EXPECT_GE(r.cycles, static_cast<int64_t>(static_cast<double>(r.flops) / peak_per_cycle));
  }
  const sim::CheckResult c = sim::check_mapping(p, sp, precision);
  EXPECT_TRUE(c.passed) << c.max_abs_err << " vs " << c.max_ref;
}

INSTANTIATE_TEST_SUITE_P(Presets, LongReduce,
                         ::testing::Values(Case{"plasticine", 0}, Case{"plasticine", 1}, Case{"sn10", 0},
                                           Case{"sn10", 1}, Case{"sn40l", 0}, Case{"sn40l", 1}),
                         [](const auto& info) { return std::string(info.param.arch) + "_O" + std::to_string(info.param.opt); });

compile::SpatialProgram plasticine_mapping(const pattern::Program& p) {
  const arch::ArchSpec spec = arch::load_arch("plasticine");
  compile::CompileOptions o;
  o.opt = 1;
  return compile::compile(p, compile::chip_from_arch(spec, arch::Precision::Fp32), o, "long_reduce");
}

// Known answer: x[i] = i mod 7 - 3 and g[c, h, w] = c + (h * 64 + w) mod 5; the
// mapped (split) reductions give the exact means.
TEST(LongReduceNumerics, PartialResultsAddUpToTheKnownMeans) {
  const auto p = long_reductions();
  const auto sp = plasticine_mapping(p);
  Tensor x(DType::F32, {16384}), g(DType::F32, {1, 8, 64, 64});
  double sum = 0;
  for (int64_t i = 0; i < x.size(); ++i) sum += x.data<float>()[i] = static_cast<float>(i % 7 - 3);
  for (int64_t i = 0; i < g.size(); ++i) g.data<float>()[i] = static_cast<float>(i / 4096 + (i % 4096) % 5);
  compile::MappedOptions mo;
  mo.reduction_parts = sp.chip.pcu_stages;
  exec::RunHooks hooks;
  hooks.kernel_for = [&](size_t c) {
    const auto k = compile::mapped_kernel(p.calls[c].kernel, sp.kernels[c], mo);
    EXPECT_NE(pattern::print(k), pattern::print(p.calls[c].kernel)) << "call " << c << " should be split";
    return k;
  };
  const auto out = exec::run_program(p, {{"x", x}, {"g", g}}, hooks);
  EXPECT_NEAR(out.at("m").get_f64(0), sum / 16384, 1e-6);
  // Each channel's 4096 positions hold 0..4 cyclically: 820 zeros, 819 of 1..4 (mean 8190 / 4096).
  for (int64_t c = 0; c < 8; ++c) EXPECT_NEAR(out.at("p").get_f64(c), c + 8190.0 / 4096, 1e-5) << c;
}

TEST(LongReduceNumerics, ADroppedPartialResultFailsTheCheck) {
  const auto p = long_reductions();
  compile::MappedOptions broken;
  broken.fault_drop_partial = true;
  const auto r = sim::check_mapping(p, plasticine_mapping(p), arch::Precision::Fp32, 0, broken);
  EXPECT_FALSE(r.passed) << "a reduction tree that loses one stage's partial mean must change the numbers";
}

}  // namespace
}  // namespace tessera
