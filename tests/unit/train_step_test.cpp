// The training step graph: known answers for the loss, SGD, AdamW and
// BatchNorm's running statistics; recomputation changes no number; phases and
// state are marked; missing gradient rules are reported all at once.
#include <gtest/gtest.h>

#include <cmath>

#include "grad_check.h"
#include "tessera/autodiff/autodiff.h"
#include "tessera/driver/driver.h"
#include "tessera/exec/executor.h"
#include "tessera/lower/lower.h"
#include "tessera/train/step.h"
#include "tessera/zoo/graph_builder.h"
#include "tessera/zoo/zoo.h"
#include "../errors/user_error.h"

namespace tessera::testing {
namespace {

// x [2,3] @ W [3,4] -> logits, W given.
graph::Graph linear_model(const Tensor& w) {
  zoo::GraphBuilder b("linear");
  auto x = b.input("x", DType::F32, {2, 3});
  auto wid = b.param("W", {3, 4});
  b.output(b.op("MatMul", "logits", {x, wid}));
  graph::Graph g = b.finish();
  g.value(*g.find("W")).constant = w;
  return g;
}

std::map<std::string, Tensor> feeds_for(const train::TrainingStep& s, const Tensor& x, const Tensor& labels, float lr) {
  std::map<std::string, Tensor> f;
  for (const auto& v : s.state) f[v.name] = v.initial;
  f[s.data_inputs[0]] = x;
  f[s.target] = labels;
  f[s.lr] = Tensor::scalar_f32(lr);
  return f;
}

TEST(TrainStep, CrossEntropyAndSgdKnownAnswer) {
  const Tensor x = f32({1, 2, 3, -1, 0, 2}, {2, 3});
  const Tensor labels = i64({1, 3}, {2});
  train::StepOptions o;
  o.momentum = 0;
  train::TrainingStep s = train::training_step(linear_model(Tensor(DType::F32, {3, 4})), o);
  auto out = exec::run_program(lower::lower(s.g), feeds_for(s, x, labels, 0.5f));
  // Zero weights: uniform softmax, loss = ln 4.
  EXPECT_NEAR(out.at(s.loss).get_f64(0), std::log(4.0), 1e-6);
  // dL/dW = x^T (softmax - onehot) / 2; W' = -0.5 * that.
  const auto& w_new = out.at(s.state[0].update);
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t c = 0; c < 4; ++c) {
      double g = 0;
      for (int64_t r = 0; r < 2; ++r) g += x.get_f64(r * 3 + i) * (0.25 - (labels.get_i64(r) == c ? 1 : 0)) / 2;
      EXPECT_NEAR(w_new.get_f64(i * 4 + c), -0.5 * g, 1e-6) << i << "," << c;
    }
}

TEST(TrainStep, AdamWFirstStepMovesByLr) {
  const Tensor w0 = random_tensor(DType::F32, {3, 4}, 3);
  train::StepOptions o;
  o.optimizer = train::Optimizer::AdamW;
  o.weight_decay = 0.1;
  train::TrainingStep s = train::training_step(linear_model(w0), o);
  auto out = exec::run_program(lower::lower(s.g), feeds_for(s, f32({1, 2, 3, -1, 0, 2}, {2, 3}), i64({0, 2}, {2}),
                                                            0.01f));
  // Step 1 with bias correction: m_hat = g, v_hat = g^2, so the move is lr * sign(g).
  std::string w_update;
  for (const auto& v : s.state)
    if (v.name == "W") w_update = v.update;
  const auto& w1 = out.at(w_update);
  for (int64_t i = 0; i < w0.size(); ++i) {
    const double decayed = w0.get_f64(i) * (1 - 0.01 * 0.1);
    EXPECT_NEAR(std::abs(w1.get_f64(i) - decayed), 0.01, 1e-5) << i;
  }
}

TEST(TrainStep, BatchNormRunningStatistics) {
  zoo::GraphBuilder b("bn");
  auto x = b.input("x", DType::F32, {4, 2});
  auto scale = b.param("scale", {2}), bias = b.param("bias", {2}), mean = b.param("mean", {2}),
       var = b.param("var", {2});
  auto w = b.param("W", {2, 3});
  auto y = b.op("BatchNormalization", "bn", {x, scale, bias, mean, var});
  b.output(b.op("MatMul", "logits", {y, w}));
  graph::Graph g = b.finish();
  g.value(*g.find("scale")).constant = f32({1, 1}, {2});
  g.value(*g.find("bias")).constant = f32({0, 0}, {2});
  g.value(*g.find("mean")).constant = f32({0, 0}, {2});
  g.value(*g.find("var")).constant = f32({1, 1}, {2});
  g.value(*g.find("W")).constant = random_tensor(DType::F32, {2, 3}, 5);
  train::TrainingStep s = train::training_step(g, {});
  const Tensor xb = f32({1, 10, 2, 20, 3, 30, 6, 40}, {4, 2});
  auto out = exec::run_program(lower::lower(s.g), feeds_for(s, xb, i64({0, 1, 2, 0}, {4}), 0.1f));
  std::map<std::string, std::string> upd;
  for (const auto& v : s.state) upd[v.name] = v.update;
  // Batch mean (3, 25); unbiased variance (14/3, 500/3); momentum 0.1.
  EXPECT_NEAR(out.at(upd["mean"]).get_f64(0), 0.3, 1e-5);
  EXPECT_NEAR(out.at(upd["mean"]).get_f64(1), 2.5, 1e-5);
  EXPECT_NEAR(out.at(upd["var"]).get_f64(0), 0.9 + 0.1 * 14.0 / 3.0, 1e-4);
  EXPECT_NEAR(out.at(upd["var"]).get_f64(1), 0.9 + 0.1 * 500.0 / 3.0, 1e-3);
  // Statistics are state, not weights: no optimiser state for them.
  for (const auto& v : s.state) EXPECT_EQ(v.name.find("mean."), std::string::npos) << v.name;
}

TEST(TrainStep, RecomputeChangesNoNumberAndSavesActivations) {
  graph::Graph m = zoo::build("cnn", {{"image", "8"}, {"width", "4"}, {"hidden", "8"}, {"batch", "2"}});
  zoo::materialize(m, 1);
  train::StepOptions o;
  train::TrainingStep a = train::training_step(m, o);
  o.recompute = true;
  train::TrainingStep b = train::training_step(m, o);
  const Tensor x = random_tensor(DType::F32, {2, 1, 8, 8}, 9);
  auto ra = exec::run_program(lower::lower(a.g), feeds_for(a, x, i64({3, 7}, {2}), 0.1f));
  auto rb = exec::run_program(lower::lower(b.g), feeds_for(b, x, i64({3, 7}, {2}), 0.1f));
  EXPECT_EQ(ra.at(a.loss).get_f64(0), rb.at(b.loss).get_f64(0));
  for (size_t k = 0; k < a.state.size(); ++k) {
    const Tensor &p = ra.at(a.state[k].update), &q = rb.at(b.state[k].update);
    for (int64_t i = 0; i < p.size(); ++i) ASSERT_EQ(p.get_f64(i), q.get_f64(i)) << a.state[k].name;
  }
  EXPECT_LT(train::step_memory(b.g).activations, train::step_memory(a.g).activations);
  EXPECT_EQ(train::step_memory(a.g).weights, train::step_memory(a.g).gradients);
  EXPECT_EQ(train::step_memory(a.g).optimizer_state, train::step_memory(a.g).weights);  // SGD momentum
}

TEST(TrainStep, PhasesAndStateAreMarked) {
  graph::Graph m = zoo::build("mlp", {{"widths", "6-5-3"}, {"batch", "4"}});
  train::TrainingStep s = train::training_step(m, {});
  std::map<std::string, int> phases;
  for (const auto& n : s.g.nodes) phases[n.phase]++;
  EXPECT_GT(phases["fwd"], 0);
  EXPECT_GT(phases["bwd"], 0);
  EXPECT_GT(phases["opt"], 0);
  EXPECT_EQ(phases.size(), 3u);
  EXPECT_EQ(s.g.state.size(), s.state.size());
  EXPECT_EQ(s.state.size(), 8u);  // 4 weights + 4 momentum buffers
  graph::verify(s.g);
  EXPECT_NE(graph::print(s.g).find("state %layers.0.weight <- "), std::string::npos);
}

TEST(TrainStep, MissingRulesListedOnce) {
  zoo::GraphBuilder b("norule");
  auto x = b.input("x", DType::F32, {2, 3});
  auto w = b.param("W", {3, 3});
  auto y = b.op("MatMul", "mm", {x, w});
  auto h = b.op("Hardmax", "hm1", {y});
  auto h2 = b.op("Hardmax", "hm2", {h});
  auto r = b.op("Mod", "mod", {h2, b.scalar(2.0f)}, {{"fmod", int64_t{1}}});
  b.output(b.op("Add", "add", {r, y}));
  graph::Graph g = b.finish();
  const std::string msg = user_error([&] { train::vjp_graph(g); });
  for (const char* part : {"no gradient rule for 2 operators", "Hardmax (first: Hardmax node 'hm1')",
                           "Mod (first: Mod node 'mod')"})
    EXPECT_NE(msg.find(part), std::string::npos) << msg;
}

}  // namespace
}  // namespace tessera::testing
