// Producer-into-consumer fusion (pattern/fuse.h): fused programs compute what
// the unfused ones do, with fewer calls; producers with several readers,
// program outputs and computing producers inside contractions stay calls.
#include <gtest/gtest.h>

#include <cmath>

#include "grad_check.h"
#include "tessera/exec/executor.h"
#include "tessera/lower/lower.h"
#include "tessera/pattern/fuse.h"
#include "tessera/train/step.h"
#include "tessera/zoo/graph_builder.h"
#include "tessera/zoo/zoo.h"

namespace tessera::testing {
namespace {

size_t calls_of(const pattern::Program& p, const std::string& op) {
  size_t n = 0;
  for (const auto& c : p.calls) n += c.op == op;
  return n;
}

void expect_same_outputs(const pattern::Program& a, const pattern::Program& b,
                         const std::map<std::string, Tensor>& feeds, double tol) {
  const auto ra = exec::run_program(a, feeds), rb = exec::run_program(b, feeds);
  ASSERT_EQ(ra.size(), rb.size());
  for (const auto& [name, t] : ra) {
    const Tensor& u = rb.at(name);
    ASSERT_EQ(t.shape(), u.shape()) << name;
    for (int64_t i = 0; i < t.size(); ++i) {
      const double x = t.get_f64(i), y = u.get_f64(i);
      ASSERT_LE(std::abs(x - y), tol * std::max(1.0, std::abs(x))) << name << "[" << i << "]";
    }
  }
}

TEST(PatternFuse, ElementwiseChainBecomesOneKernel) {
  // y = ((a * 0.9) + b) * c - a: three intermediates, one reader each.
  zoo::GraphBuilder g("chain");
  auto a = g.input("a", DType::F32, {37, 300});
  auto b = g.input("b", DType::F32, {37, 300});
  auto c = g.input("c", DType::F32, {300});
  auto m = g.op("Mul", "m", {a, g.constant("k", Tensor::scalar_f32(0.9f))});
  auto s = g.op("Add", "s", {m, b});
  auto t = g.op("Mul", "t", {s, c});
  g.output(g.op("Sub", "y", {t, a}));
  const pattern::Program p = lower::lower(g.finish());
  size_t removed = 0;
  const pattern::Program f = pattern::fuse_elementwise(p, &removed);
  EXPECT_EQ(removed, 3u);
  EXPECT_EQ(f.calls.size(), p.calls.size() - 3);
  for (const auto& k : f.calls) pattern::verify(k.kernel);
  const std::map<std::string, Tensor> feeds = {{"a", random_tensor(DType::F32, {37, 300}, 1)},
                                               {"b", random_tensor(DType::F32, {37, 300}, 2)},
                                               {"c", random_tensor(DType::F32, {300}, 3)}};
  expect_same_outputs(p, f, feeds, 1e-6);
}

TEST(PatternFuse, SharedIntermediatesAndOutputsStayCalls) {
  // m is read twice and o is an output: neither is fused away.
  zoo::GraphBuilder g("shared");
  auto a = g.input("a", DType::F32, {4, 5});
  auto m = g.op("Exp", "m", {a});
  auto o = g.op("Neg", "o", {a});
  g.output(g.op("Add", "y", {m, o}));
  g.output(g.op("Mul", "z", {m, a}));
  g.output(o);
  const pattern::Program p = lower::lower(g.finish());
  size_t removed = 0;
  const pattern::Program f = pattern::fuse_elementwise(p, &removed);
  EXPECT_EQ(removed, 0u);
  EXPECT_EQ(f.calls.size(), p.calls.size());
}

TEST(PatternFuse, ContractionsKeepTheirFormButTakeATranspose) {
  // relu(x) feeds a MatMul: a computing producer stays out of a contraction.
  // Transpose(w) feeds one: it becomes a transposed operand.
  zoo::GraphBuilder g("mm");
  auto x = g.input("x", DType::F32, {8, 16});
  auto w = g.input("w", DType::F32, {12, 16});
  auto r = g.op("Relu", "r", {x});
  auto wt = g.op("Transpose", "wt", {w}, {{"perm", std::vector<int64_t>{1, 0}}});
  g.output(g.op("MatMul", "y", {r, wt}));
  const pattern::Program p = lower::lower(g.finish());
  const pattern::Program f = pattern::fuse_elementwise(p);
  EXPECT_EQ(calls_of(f, "Relu"), 1u);
  EXPECT_EQ(calls_of(f, "Transpose"), 0u);
  const std::map<std::string, Tensor> feeds = {{"x", random_tensor(DType::F32, {8, 16}, 4)},
                                               {"w", random_tensor(DType::F32, {12, 16}, 5)}};
  expect_same_outputs(p, f, feeds, 1e-6);
}

TEST(PatternFuse, TrainingStepComputesTheSameUpdate) {
  graph::Graph m = zoo::build("mlp", {{"widths", "20-16-16-5"}, {"batch", "8"}});
  zoo::materialize(m, 3);
  const train::TrainingStep s = train::training_step(m, {});
  const pattern::Program p = lower::lower(s.g);
  size_t removed = 0;
  const pattern::Program f = pattern::fuse_elementwise(p, &removed);
  EXPECT_GT(removed, 5u);  // at least the optimiser's momentum scaling and lr products
  std::map<std::string, Tensor> feeds;
  for (const auto& v : s.state) feeds[v.name] = v.initial;
  feeds[s.data_inputs[0]] = random_tensor(DType::F32, {8, 20}, 6);
  Tensor labels(DType::I64, {8});
  for (int64_t i = 0; i < 8; ++i) labels.set_i64(i, i % 5);
  feeds[s.target] = labels;
  feeds[s.lr] = Tensor::scalar_f32(0.1f);
  expect_same_outputs(p, f, feeds, 1e-6);
}

}  // namespace
}  // namespace tessera::testing
