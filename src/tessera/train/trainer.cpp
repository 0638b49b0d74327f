#include "tessera/train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "tessera/data/dataset.h"
#include "tessera/driver/driver.h"
#include "tessera/exec/executor.h"
#include "tessera/pattern/fuse.h"
#include "tessera/support/error.h"
#include "tessera/zoo/zoo.h"

namespace tessera::train {
namespace {

constexpr int64_t kZooBatch = 64;

graph::Graph load(const TrainOptions& o, int64_t& batch) {
  if (zoo::is_zoo_spec(o.model)) {
    std::string spec = o.model;
    const bool has_batch = spec.find(",batch=") != std::string::npos;
    if (!has_batch) spec += fmt::format(",batch={}", o.batch > 0 ? o.batch : kZooBatch);
    graph::Graph g = driver::load_model(spec, true);
    zoo::materialize(g, o.seed);
    batch = g.value(g.inputs.at(0)).shape.at(0);
    if (has_batch && o.batch > 0 && o.batch != batch)
      fail("--batch {} disagrees with the model's batch={}; give one of them", o.batch, batch);
    return g;
  }
  graph::Graph g = driver::load_model(o.model, true);
  if (g.inputs.empty() || g.value(g.inputs[0]).shape.empty())
    fail("model '{}' has no batched input to train on", o.model);
  batch = g.value(g.inputs[0]).shape[0];
  if (o.batch > 0 && o.batch != batch)
    fail("model '{}' was exported with batch {} (Tessera works with static shapes); re-export it with batch {} or "
         "pass --batch {}",
         o.model, batch, o.batch, batch);
  return g;
}

int64_t per_sample(const Shape& s) { return s.empty() ? 1 : num_elements(s) / std::max<int64_t>(s[0], 1); }

// Mean cross-entropy and correct count of logits [B, C] against labels, over
// the first `valid` rows.
void score(const Tensor& logits, const Tensor& labels, int64_t valid, double& loss, int64_t& correct) {
  const int64_t classes = logits.shape()[1];
  for (int64_t r = 0; r < valid; ++r) {
    double mx = -std::numeric_limits<double>::infinity();
    int64_t arg = 0;
    for (int64_t c = 0; c < classes; ++c) {
      const double v = logits.get_f64(r * classes + c);
      if (v > mx) mx = v, arg = c;
    }
    double z = 0;
    for (int64_t c = 0; c < classes; ++c) z += std::exp(logits.get_f64(r * classes + c) - mx);
    const int64_t y = labels.get_i64(r);
    loss += -(logits.get_f64(r * classes + y) - mx - std::log(z));
    correct += arg == y;
  }
}

// Puts (x - mean) / std in front of the model's input (same name, same shape).
void prepend_normalization(graph::Graph& g, const Tensor& x_train) {
  double sum = 0, sq = 0;
  const int64_t n = x_train.size();
  for (int64_t i = 0; i < n; ++i) {
    const double v = x_train.get_f64(i);
    sum += v;
    sq += v * v;
  }
  const double mean = n ? sum / static_cast<double>(n) : 0;
  const double var = n ? sq / static_cast<double>(n) - mean * mean : 0;
  const double stdev = var > 1e-12 ? std::sqrt(var) : 1.0;
  const graph::ValueId orig = g.inputs.at(0);
  graph::Value raw = g.value(orig);
  g.value(orig).name += ".normalized";
  const graph::ValueId x = g.add_value(raw);
  g.inputs[0] = x;
  auto constant = [&](const std::string& name, double v) {
    graph::Value c;
    c.name = name;
    c.dtype = DType::F32;
    c.shape_known = true;
    c.constant = Tensor::scalar_f32(static_cast<float>(v));
    return g.add_value(std::move(c));
  };
  graph::Value centred = g.value(orig);
  centred.name = raw.name + ".centred";
  const graph::ValueId mid = g.add_value(centred);
  graph::Node sub, div;
  sub.op = "Sub";
  sub.name = raw.name + ".normalize.sub";
  sub.inputs = {x, constant(raw.name + ".mean", mean)};
  sub.outputs = {mid};
  div.op = "Div";
  div.name = raw.name + ".normalize.div";
  div.inputs = {mid, constant(raw.name + ".std", stdev)};
  div.outputs = {orig};
  g.nodes.insert(g.nodes.begin(), {sub, div});
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TrainResult train(const TrainOptions& o, const TrainProgress& progress,
                  const std::function<void(const EpochMetrics&)>& on_epoch) {
  if (o.epochs < 1) fail("--epochs must be at least 1 (got {})", o.epochs);
  if (!(o.step.lr > 0) || !std::isfinite(o.step.lr)) fail("--lr must be a positive number (got {})", o.step.lr);
  const data::Dataset d = data::load_dataset(o.data);
  int64_t batch = 0;
  graph::Graph model = load(o, batch);
  untie_batch_stats(model);  // the trained statistics are written back by name
  if (model.inputs.size() != 1)
    fail("training takes a model with one input (the images); '{}' has {}", o.model, model.inputs.size());
  const graph::Value in = model.value(model.inputs[0]);  // a copy: the graph grows below
  const int64_t sample = per_sample(d.x_train.shape());
  if (per_sample(in.shape) != sample)
    fail("model input '{}' is {} ({} values per sample) but {} samples are {} ({} values); choose a model for this "
         "data (e.g. zoo:mlp,widths={}-...)",
         in.name, shape_str(in.shape), per_sample(in.shape), d.name,
         shape_str(Shape(d.x_train.shape().begin() + 1, d.x_train.shape().end())), sample, sample);
  if (in.dtype != DType::F32) fail("model input '{}' is {}, not f32 images", in.name, dtype_name(in.dtype));
  const int64_t n_train = d.x_train.shape()[0], n_test = d.x_test.shape()[0];
  if (batch > n_train) fail("batch {} is larger than the {} training samples", batch, n_train);

  if (o.normalize) prepend_normalization(model, d.x_train);
  StepOptions step_options = o.step;
  if (step_options.loss == Loss::Auto) step_options.loss = Loss::CrossEntropy;  // a classifier's trainer
  TrainingStep step = training_step(model, step_options);
  const Shape logits_shape = step.g.value(*step.g.find(step.logits)).shape;
  if (step.loss_kind == Loss::CrossEntropy && logits_shape[1] < d.classes)
    fail("the model predicts {} classes but {} has {}; set the model's classes to {}", logits_shape[1], d.name,
         d.classes, d.classes);
  const pattern::Program step_program = pattern::fuse_elementwise(driver::lower_model(step.g));
  const pattern::Program eval_program = pattern::fuse_elementwise(driver::lower_model(weights_as_inputs(model)));

  std::map<std::string, Tensor> state;
  for (const StateVar& s : step.state) {
    TESSERA_CHECK(s.initial.valid(), "state '{}' has no initial value", s.name);
    state[s.name] = s.initial;
  }
  Tensor xb(DType::F32, in.shape), yb(DType::I64, {batch});
  Tensor lr = Tensor::scalar_f32(static_cast<float>(o.step.lr));

  TrainResult result;
  int64_t steps = n_train / batch;  // the last partial batch is dropped, as DataLoader(drop_last=True)
  if (o.max_steps > 0) steps = std::min(steps, o.max_steps);
  for (int64_t epoch = 1; epoch <= o.epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<int64_t> order =
        data::shuffled_order(n_train, o.seed * 1000003 + static_cast<uint64_t>(epoch));
    double sum = 0;
    for (int64_t s = 0; s < steps; ++s) {
      data::gather_batch(d.x_train, order, s * batch, batch, xb);
      data::gather_batch(d.y_train, order, s * batch, batch, yb);
      std::map<std::string, Tensor> feeds = state;
      feeds[step.data_inputs[0]] = xb;
      feeds[step.target] = yb;
      feeds[step.lr] = lr;
      auto out = exec::run_program(step_program, feeds);
      const double loss = out.at(step.loss).get_f64(0);
      if (!std::isfinite(loss))
        fail("the loss became {} at epoch {} step {}; lower the learning rate (--lr {})", loss, epoch, s + 1,
             o.step.lr);
      for (const StateVar& v : step.state) state[v.name] = out.at(v.update);
      result.step_losses.push_back(loss);
      sum += loss;
      if (progress) progress(epoch, s + 1, steps, sum / static_cast<double>(s + 1));
    }
    EpochMetrics m;
    m.epoch = epoch;
    m.seconds = seconds_since(t0);
    m.train_loss = sum / static_cast<double>(std::max<int64_t>(steps, 1));
    // Evaluation: every test sample once (the last batch padded with copies).
    std::vector<int64_t> test_order(static_cast<size_t>(n_test));
    for (int64_t i = 0; i < n_test; ++i) test_order[static_cast<size_t>(i)] = i;
    double loss = 0;
    int64_t correct = 0;
    for (int64_t s = 0; s < n_test; s += batch) {
      const int64_t valid = std::min(batch, n_test - s);
      std::vector<int64_t> idx(test_order.begin() + s, test_order.begin() + s + valid);
      idx.resize(static_cast<size_t>(batch), idx.empty() ? 0 : idx.back());
      data::gather_batch(d.x_test, idx, 0, batch, xb);
      data::gather_batch(d.y_test, idx, 0, batch, yb);
      std::map<std::string, Tensor> feeds;
      for (int32_t t : eval_program.inputs) {
        const std::string& name = eval_program.tensors[static_cast<size_t>(t)].name;
        if (state.count(name)) feeds[name] = state.at(name);
      }
      feeds[step.data_inputs[0]] = xb;
      auto out = exec::run_program(eval_program, feeds);
      score(out.at(step.logits), yb, valid, loss, correct);
    }
    m.test_loss = n_test ? loss / static_cast<double>(n_test) : 0;
    m.test_accuracy = n_test ? static_cast<double>(correct) / static_cast<double>(n_test) : 0;
    result.epochs.push_back(m);
    if (on_epoch) on_epoch(m);
  }
  // The trained inference model: the weights and statistics back as constants.
  for (auto& v : model.values)
    if (state.count(v.name) && (v.constant || v.parameter)) v.constant = state.at(v.name);
  result.trained = std::move(model);
  return result;
}

}  // namespace tessera::train
