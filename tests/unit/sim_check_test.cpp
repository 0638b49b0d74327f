// The functional check executes the mapped program (tiles, copies, storage
// precision) and must catch a mapping that computes different numbers.
#include <gtest/gtest.h>

#include <functional>

#include "tessera/arch/spec.h"
#include "tessera/compile/chip.h"
#include "tessera/compile/compile.h"
#include "tessera/compile/mapped.h"
#include "tessera/graph/infer.h"
#include "tessera/lower/lower.h"
#include "tessera/driver/simulate.h"
#include "tessera/sim/check.h"
#include "tessera/support/error.h"
#include "op_test_util.h"

namespace tessera {
namespace {

// x[512,256] -> MatMul(w) -> Relu, with constant weights.
pattern::Program small_model() {
  graph::Graph g;
  auto value = [&](const std::string& name, Shape s) { return testing::known_value(g, name, std::move(s)); };
  auto x = value("x", {512, 256});
  g.inputs.push_back(x);
  auto w = value("w", {256, 64});
  Tensor wt(DType::F32, {256, 64});
  for (int64_t i = 0; i < wt.size(); ++i) wt.data<float>()[i] = static_cast<float>((i * 37 % 101) - 50) / 400.0f;
  g.value(w).constant = wt;
  auto h = value("h", {});
  g.nodes.push_back({"MatMul", "mm", {x, w}, {h}, {}, ""});
  graph::infer_node(g, g.nodes.back());
  auto y = value("y", {});
  g.nodes.push_back({"Relu", "relu", {h}, {y}, {}, ""});
  graph::infer_node(g, g.nodes.back());
  g.outputs.push_back(y);
  return lower::lower(g);
}

compile::SpatialProgram mapping(const pattern::Program& p, arch::Precision precision) {
  const arch::ArchSpec spec = arch::load_arch(precision == arch::Precision::Fp32 ? "plasticine" : "sn10");
  compile::CompileOptions o;
  o.opt = 1;
  return compile::compile(p, compile::chip_from_arch(spec, precision), o, "small");
}

TEST(SimCheck, MappedKernelsAreSplitIntoPieces) {
  const auto p = small_model();
  const auto sp = mapping(p, arch::Precision::Fp32);
  const auto& plan = sp.kernels[0];
  ASSERT_GT(plan.tiles * plan.par, 1) << "the test needs a kernel the compiler splits";
  const auto k = compile::mapped_kernel(p.calls[0].kernel, plan, {});
  const int64_t wanted = std::min<int64_t>(plan.tiles * plan.par, 512), chunk = (512 + wanted - 1) / wanted;
  EXPECT_EQ(static_cast<int64_t>(k.body.size()), (512 + chunk - 1) / chunk);
}

TEST(SimCheck, ContractionsAreSplitIntoTheStagesPartialSums) {
  const auto p = small_model();
  const auto sp = mapping(p, arch::Precision::Fp32);
  compile::MappedOptions o;
  o.reduction_parts = 6;
  const auto k = compile::mapped_kernel(p.calls[0].kernel, sp.kernels[0], o);
  // Every piece's store is an adder tree over 6 reduces of 256 / 6 (42 or 43) terms.
  std::function<int(const pattern::Expr&)> reduces = [&](const pattern::Expr& e) {
    if (e.kind == pattern::ExprKind::Reduce) {
      EXPECT_TRUE(e.iters[0].extent == 42 || e.iters[0].extent == 43) << e.iters[0].extent;
      return 1;
    }
    int n = 0;
    for (const auto& a : e.args) n += reduces(*a);
    return n;
  };
  std::function<const pattern::Stmt&(const pattern::Stmt&)> store = [&](const pattern::Stmt& s) -> const pattern::Stmt& {
    return s.kind == pattern::StmtKind::Store ? s : store(s.body.at(0));
  };
  for (const auto& piece : k.body) EXPECT_EQ(reduces(*store(piece).value), 6);
  // The relu is no contraction: left whole.
  EXPECT_EQ(compile::mapped_kernel(p.calls[1].kernel, sp.kernels[1], o).body.size(),
            compile::mapped_kernel(p.calls[1].kernel, sp.kernels[1], {}).body.size());
}

TEST(SimCheck, CorrectMappingPassesInFp32) {
  const auto p = small_model();
  const auto r = sim::check_mapping(p, mapping(p, arch::Precision::Fp32), arch::Precision::Fp32);
  EXPECT_TRUE(r.passed);
  EXPECT_LE(r.max_abs_err, 1e-4 * r.max_ref);
}

TEST(SimCheck, BrokenTilingFails) {
  const auto p = small_model();
  compile::MappedOptions broken;
  broken.fault_tile_gap = true;
  const auto r = sim::check_mapping(p, mapping(p, arch::Precision::Fp32), arch::Precision::Fp32, 0, broken);
  EXPECT_FALSE(r.passed) << "a tiling that skips one row per tile must change the numbers";
  EXPECT_GT(r.max_abs_err, 0.01 * r.max_ref);
}

TEST(SimCheck, ADroppedPartialSumFails) {
  const auto p = small_model();
  compile::MappedOptions broken;
  broken.fault_drop_partial = true;
  const auto r = sim::check_mapping(p, mapping(p, arch::Precision::Fp32), arch::Precision::Fp32, 0, broken);
  EXPECT_FALSE(r.passed) << "an adder tree that loses one stage's partial sum must change the numbers";
  EXPECT_GT(r.max_abs_err, 0.01 * r.max_ref);
}

TEST(SimCheck, Bf16StorageStaysWithinItsTolerance) {
  const auto p = small_model();
  const auto r = sim::check_mapping(p, mapping(p, arch::Precision::Bf16), arch::Precision::Bf16);
  EXPECT_TRUE(r.passed) << r.max_abs_err << " vs " << r.max_ref;
  EXPECT_GT(r.max_abs_err, 0.0) << "bf16 storage should round something";
  EXPECT_DOUBLE_EQ(r.tolerance, 5e-2);
}

TEST(SimCheck, RooflineArchitecturesHaveNoMappingToCheck) {
  try {
    driver::check_model("zoo:mlp,widths=8-4", "a100", 1);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'a100' is a roofline model"), std::string::npos) << e.what();
  }
}

TEST(SimCheck, BuiltInModelsAreMaterialisedForTheCheck) {
  const auto r = driver::check_model("zoo:mlp,widths=64-32-8,batch=8", "sn10", 1);
  EXPECT_TRUE(r.passed) << r.max_abs_err;
  EXPECT_GT(r.max_ref, 0.0);
}

// A training step in bf16 is checked against the unmapped step at bf16
// (sim/check.h): what is left between them is the mapping's, so a mapping
// that drops work must still fail, forward or backward.
sim::CheckResult train_check(const compile::MappedOptions& options) {
  driver::TrainMode train;
  train.enabled = true;
  return driver::check_model("zoo:mlp,widths=64-32-8,batch=8", "sn10", 1, "", options, {}, train);
}

TEST(SimCheck, ATrainingStepIsComparedAtItsOwnPrecision) {
  const auto r = train_check({});
  EXPECT_TRUE(r.passed) << r.max_abs_err << " on " << r.worst_output << " vs " << r.bound;
  EXPECT_EQ(r.reference, "bf16");
  EXPECT_GT(r.fp32_max_abs_err, 0.0) << "bf16 storage should round something";
}

TEST(SimCheck, ABrokenMappingOfATrainingStepFails) {
  compile::MappedOptions gap, drop;
  gap.fault_tile_gap = true;
  drop.fault_drop_partial = true;
  for (const auto& broken : {gap, drop}) {
    const auto r = train_check(broken);
    EXPECT_FALSE(r.passed) << "a mapping that skips rows or loses a partial sum must change the step's numbers";
    EXPECT_GT(r.max_abs_err, 2 * r.bound) << r.worst_output;
  }
}

}  // namespace
}  // namespace tessera
