// The training step's losses on logits of any rank: cross-entropy over the
// last axis averaged over every position (known answer, and its gradient by
// finite differences through the whole step), mean squared error for one
// value per position, and the choice of the output the loss reads.
#include <gtest/gtest.h>

#include <cmath>

#include "grad_check.h"
#include "op_test_util.h"
#include "tessera/exec/executor.h"
#include "tessera/graph/infer.h"
#include "tessera/lower/lower.h"
#include "tessera/support/error.h"
#include "tessera/train/step.h"

namespace tessera {
namespace {

using testing::f32;
using testing::i64;
using testing::values_f32;

// logits = x @ w with x [2, 3, 4] (batch 2, sequence 3) and w [4, 5]; a
// second head (x @ v, v [4, 2]) when `two_heads`.
graph::Graph sequence_model(const Tensor& w, bool two_heads = false) {
  graph::Graph g;
  const auto x = testing::known_value(g, "x", {2, 3, 4});
  g.inputs.push_back(x);
  const auto wid = testing::known_value(g, "w", w.shape());
  g.value(wid).constant = w;
  g.value(wid).initializer = true;
  const auto y = testing::known_value(g, "logits", {});
  g.nodes.push_back({"MatMul", "head", {x, wid}, {y}, {}});
  graph::infer_node(g, g.nodes.back());
  g.outputs.push_back(y);
  if (two_heads) {
    const auto vid = testing::known_value(g, "v", {4, 2});
    g.value(vid).constant = Tensor(DType::F32, {4, 2});
    g.value(vid).initializer = true;
    const auto z = testing::known_value(g, "other", {});
    g.nodes.push_back({"MatMul", "other_head", {x, vid}, {z}, {}});
    graph::infer_node(g, g.nodes.back());
    g.outputs.push_back(z);
  }
  return g;
}

// Runs the step once from its initial state; returns the loss and w's update.
std::pair<double, Tensor> run_step(const train::TrainingStep& step, const Tensor& x, const Tensor& target,
                                   double lr) {
  std::map<std::string, Tensor> feeds = {{step.data_inputs[0], x}, {step.target, target}};
  Tensor lr_t(DType::F32, {});
  lr_t.set_f64(0, lr);
  feeds[step.lr] = lr_t;
  std::string w_update;
  for (const auto& s : step.state) {
    feeds[s.name] = s.initial;
    if (s.name == "w") w_update = s.update;
  }
  auto out = exec::run_program(lower::lower(step.g), feeds);
  return {out.at(step.loss).get_f64(0), out.at(w_update)};
}

TEST(TrainLoss, CrossEntropyOverEveryPositionKnownAnswer) {
  const Tensor w = testing::random_tensor(DType::F32, {4, 5}, 3);
  const Tensor x = testing::random_tensor(DType::F32, {2, 3, 4}, 4);
  const Tensor labels = i64({0, 4, 2, 1, 3, 3}, {2, 3});
  const train::TrainingStep step = train::training_step(sequence_model(w), {});
  EXPECT_EQ(step.loss_kind, train::Loss::CrossEntropy);
  EXPECT_EQ(step.g.value(*step.g.find(step.target)).shape, (Shape{2, 3}));
  // By hand: mean over the 6 positions of logsumexp(logits) - logits[label].
  const auto xv = values_f32(x), wv = values_f32(w);
  const auto lv = testing::values_i64(labels);
  double expected = 0;
  for (int p = 0; p < 6; ++p) {
    double logits[5] = {}, m = -1e30, sum = 0;
    for (int c = 0; c < 5; ++c) {
      for (int k = 0; k < 4; ++k) logits[c] += xv[p * 4 + k] * wv[k * 5 + c];
      m = std::max(m, logits[c]);
    }
    for (double l : logits) sum += std::exp(l - m);
    expected += m + std::log(sum) - logits[lv[p]];
  }
  expected /= 6;
  EXPECT_NEAR(run_step(step, x, labels, 0.1).first, expected, 1e-5);
}

TEST(TrainLoss, CrossEntropyGradientMatchesFiniteDifferences) {
  // SGD from a zero momentum buffer: w' = w - lr * dL/dw.
  const Tensor w = testing::random_tensor(DType::F32, {4, 5}, 5);
  const Tensor x = testing::random_tensor(DType::F32, {2, 3, 4}, 6);
  const Tensor labels = i64({1, 1, 0, 4, 2, 3}, {2, 3});
  const double lr = 0.5, eps = 1e-2;
  const auto [loss, updated] = run_step(train::training_step(sequence_model(w), {}), x, labels, lr);
  const auto wv = values_f32(w), uv = values_f32(updated);
  for (size_t i = 0; i < wv.size(); ++i) {
    Tensor plus = w.clone(), minus = w.clone();
    plus.set_f64(static_cast<int64_t>(i), wv[i] + eps);
    minus.set_f64(static_cast<int64_t>(i), wv[i] - eps);
    const double lp = run_step(train::training_step(sequence_model(plus), {}), x, labels, lr).first;
    const double lm = run_step(train::training_step(sequence_model(minus), {}), x, labels, lr).first;
    const double numeric = (lp - lm) / (2 * eps), analytic = (wv[i] - uv[i]) / lr;
    EXPECT_NEAR(analytic, numeric, 1e-3) << "w[" << i << "]";
  }
  EXPECT_GT(loss, 0);
}

TEST(TrainLoss, OneValuePerPositionTrainsWithMeanSquaredError) {
  const Tensor w = testing::random_tensor(DType::F32, {4, 1}, 7);
  const Tensor x = testing::random_tensor(DType::F32, {2, 3, 4}, 8);
  const Tensor t = testing::random_tensor(DType::F32, {2, 3, 1}, 9);
  const train::TrainingStep step = train::training_step(sequence_model(w), {});
  EXPECT_EQ(step.loss_kind, train::Loss::MeanSquaredError);
  const auto xv = values_f32(x), wv = values_f32(w), tv = values_f32(t);
  double expected = 0;
  for (int p = 0; p < 6; ++p) {
    double y = 0;
    for (int k = 0; k < 4; ++k) y += xv[p * 4 + k] * wv[k];
    expected += (y - tv[p]) * (y - tv[p]) / 6;
  }
  EXPECT_NEAR(run_step(step, x, t, 0.1).first, expected, 1e-5);
  // Cross-entropy over a single class would be identically zero: asked for, it is an error.
  train::StepOptions ce;
  ce.loss = train::Loss::CrossEntropy;
  EXPECT_THROW(train::training_step(sequence_model(w), ce), Error);
}

TEST(TrainLoss, SeveralOutputsNeedTheLossOutputNamed) {
  const Tensor w = testing::random_tensor(DType::F32, {4, 5}, 3);
  try {
    train::training_step(sequence_model(w, true), {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'logits', 'other'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--loss-output"), std::string::npos) << e.what();
  }
  train::StepOptions o;
  o.output = "logits";
  const train::TrainingStep step = train::training_step(sequence_model(w, true), o);
  // The other head is not part of the step: its node and its weight are gone.
  for (const auto& s : step.state) EXPECT_NE(s.name, "v");
  for (const auto& n : step.g.nodes) EXPECT_NE(n.name, "other_head");
  o.output = "nope";
  EXPECT_THROW(train::training_step(sequence_model(w, true), o), Error);
}

}  // namespace
}  // namespace tessera
