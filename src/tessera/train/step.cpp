#include "tessera/train/step.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "tessera/autodiff/autodiff.h"
#include "tessera/autodiff/emitter.h"
#include "tessera/support/error.h"

namespace tessera::train {
namespace {

using autodiff::Emitter;
using graph::kNoValue;
using graph::ValueId;

// BatchNormalization running statistics (inputs 3 and 4): state, not weights.
std::set<ValueId> batch_stats(const graph::Graph& g) {
  std::set<ValueId> s;
  for (const auto& n : g.nodes)
    if (n.op == "BatchNormalization")
      for (size_t k = 3; k < 5 && k < n.inputs.size(); ++k)
        if (n.inputs[k] != kNoValue && (g.value(n.inputs[k]).constant.has_value() || g.value(n.inputs[k]).parameter))
          s.insert(n.inputs[k]);
  return s;
}

// How many node inputs and graph outputs read each value.
std::vector<int> use_counts(const graph::Graph& g) {
  std::vector<int> uses(g.values.size(), 0);
  for (const auto& n : g.nodes)
    for (ValueId i : n.inputs)
      if (i != kNoValue) ++uses[static_cast<size_t>(i)];
  for (ValueId o : g.outputs) ++uses[static_cast<size_t>(o)];
  return uses;
}

// Weights a step trains: float initializers and zoo parameters, except
// BatchNorm statistics and rank-0 initializers (exported scale factors and
// fill values, which PyTorch does not train either), and weights no node
// reads (those of a dropped output head).
std::vector<ValueId> weights(const graph::Graph& g) {
  const std::set<ValueId> stats = batch_stats(g);
  std::vector<bool> read(g.values.size(), false);
  for (const auto& n : g.nodes)
    for (ValueId i : n.inputs)
      if (i != kNoValue) read[static_cast<size_t>(i)] = true;
  std::vector<ValueId> w;
  for (size_t i = 0; i < g.values.size(); ++i) {
    const graph::Value& v = g.values[i];
    const auto id = static_cast<ValueId>(i);
    if (!autodiff::trainable(v) || stats.count(id) || v.shape.empty() || !read[i]) continue;
    w.push_back(id);
  }
  return w;
}

// Turns a constant or shape-only weight into a graph input; returns its values.
Tensor make_input(graph::Graph& g, ValueId id) {
  graph::Value& v = g.value(id);
  Tensor t = v.constant ? *v.constant : Tensor();
  v.constant.reset();
  v.parameter = false;
  g.inputs.push_back(id);
  return t;
}

// Rewrites every BatchNormalization into training form: normalise with the
// batch's statistics, and output the updated running statistics.
std::vector<std::pair<ValueId, ValueId>> batch_norm_training(graph::Graph& g, double momentum) {
  std::vector<graph::Node> old;
  old.swap(g.nodes);
  Emitter e(g, "fwd", "train");
  std::vector<std::pair<ValueId, ValueId>> updates;
  for (graph::Node& n : old) {
    if (n.op != "BatchNormalization") {
      g.nodes.push_back(std::move(n));
      continue;
    }
    e.set_origin(n.name);
    const ValueId x = n.inputs[0], scale = n.inputs[1], bias = n.inputs[2], mean = n.inputs[3], var = n.inputs[4];
    const int64_t rank = e.rank(x);
    std::vector<int64_t> axes = {0};
    for (int64_t a = 2; a < rank; ++a) axes.push_back(a);
    Shape bshape(static_cast<size_t>(rank), 1);
    bshape[1] = e.shape(x)[1];
    int64_t count = 1;
    for (int64_t a : axes) count *= e.shape(x)[static_cast<size_t>(a)];
    const ValueId bmean = e.op("ReduceMean", {x, e.ints(axes)}, {{"keepdims", int64_t{1}}});
    const ValueId centred = e.sub(x, bmean);
    const ValueId bvar = e.op("ReduceMean", {e.mul(centred, centred), e.ints(axes)}, {{"keepdims", int64_t{1}}});
    const ValueId eps = e.scalar(n.attr_float("epsilon", 1e-5), e.dtype(x));
    const ValueId rstd = e.op("Reciprocal", {e.op("Sqrt", {e.add(bvar, eps)})});
    const ValueId y = e.add(e.mul(e.mul(centred, rstd), e.reshape(scale, bshape)), e.reshape(bias, bshape));
    graph::Node id;
    id.op = "Identity";
    id.name = n.name;
    id.phase = "fwd";
    id.inputs = {y};
    id.outputs = {n.outputs[0]};
    g.nodes.push_back(id);
    // Running statistics (PyTorch: the variance is the unbiased one).
    const Shape c = {e.shape(x)[1]};
    const double unbias = count > 1 ? static_cast<double>(count) / static_cast<double>(count - 1) : 1.0;
    const ValueId new_mean =
        e.add(e.scale(mean, 1 - momentum), e.scale(e.reshape(bmean, c), momentum));
    const ValueId new_var =
        e.add(e.scale(var, 1 - momentum), e.scale(e.reshape(bvar, c), momentum * unbias));
    updates.push_back({mean, new_mean});
    updates.push_back({var, new_var});
  }
  return updates;
}

// Mean over every position of -log softmax(logits)[label], the classes on the
// last axis: logits [batch, ..., classes], labels [batch, ...] (ONNX
// SoftmaxCrossEntropyLoss with reduction "mean", classes moved last as
// language models and PyTorch's flattened loss have them).
ValueId cross_entropy(Emitter& e, ValueId logits, ValueId labels) {
  const Shape s = e.shape(logits);
  const int64_t positions = num_elements(s) / s.back();
  const ValueId logp = e.op("LogSoftmax", {logits}, {{"axis", int64_t{-1}}});
  Tensor off_on(e.dtype(logits), {2});
  off_on.set_f64(1, 1.0);
  const ValueId onehot = e.op("OneHot", {labels, e.ints({s.back()}), e.constant(off_on, "onehot_values")},
                              {{"axis", int64_t{-1}}});
  const ValueId picked = e.op("ReduceSum", {e.mul(onehot, logp)}, {{"keepdims", int64_t{0}}});
  return e.scale(picked, -1.0 / static_cast<double>(positions));
}

// The output the loss reads: the one float output, or the one named.
ValueId loss_output(const graph::Graph& g, const std::string& name) {
  std::vector<ValueId> floats;
  std::string names;
  for (ValueId out : g.outputs)
    if (autodiff::differentiable(g.value(out))) {
      floats.push_back(out);
      names += (names.empty() ? "'" : ", '") + g.value(out).name + "'";
    }
  if (floats.empty()) fail("training needs a float model output for the loss (the logits or prediction); this model has none");
  if (name.empty()) {
    if (floats.size() > 1)
      fail("the model has {} float outputs ({}); name the one the loss reads (--loss-output NAME)", floats.size(),
           names);
    return floats[0];
  }
  for (ValueId out : floats)
    if (g.value(out).name == name) return out;
  fail("the loss output '{}' is not a float output of the model; its float outputs are {}", name, names);
}

ValueId mean_squared_error(Emitter& e, ValueId y, ValueId t) {
  const ValueId d = e.sub(y, t);
  return e.op("ReduceMean", {e.mul(d, d)}, {{"keepdims", int64_t{0}}});
}

// Clones the forward nodes into the backward phase, right after the last
// forward node, and points every backward/optimiser read of a forward value
// at its clone. Clones nobody reads are removed later with the dead nodes.
void recompute_forward(graph::Graph& g) {
  size_t first_bwd = g.nodes.size();
  for (size_t k = 0; k < g.nodes.size(); ++k)
    if (g.nodes[k].phase != "fwd") {
      first_bwd = k;
      break;
    }
  std::map<ValueId, ValueId> clone;
  std::vector<graph::Node> copies;
  for (size_t k = 0; k < first_bwd; ++k) {
    graph::Node c = g.nodes[k];
    c.name += "/recompute";
    c.phase = "bwd";
    for (ValueId& i : c.inputs)
      if (i != kNoValue && clone.count(i)) i = clone.at(i);
    for (ValueId& o : c.outputs) {
      if (o == kNoValue) continue;
      graph::Value v = g.value(o);
      v.name += "/recompute";
      const ValueId id = g.add_value(std::move(v));
      clone[o] = id;
      o = id;
    }
    copies.push_back(std::move(c));
  }
  for (size_t k = first_bwd; k < g.nodes.size(); ++k)
    for (ValueId& i : g.nodes[k].inputs)
      if (i != kNoValue && clone.count(i)) i = clone.at(i);
  g.nodes.insert(g.nodes.begin() + static_cast<std::ptrdiff_t>(first_bwd), copies.begin(), copies.end());
}

}  // namespace

void untie_batch_stats(graph::Graph& g) {
  const std::set<ValueId> stats = batch_stats(g);
  std::vector<int> uses = use_counts(g);
  for (auto& n : g.nodes) {
    if (n.op != "BatchNormalization") continue;
    for (size_t k = 3; k < 5 && k < n.inputs.size(); ++k) {
      const ValueId v = n.inputs[k];
      if (v == kNoValue || !stats.count(v) || uses[static_cast<size_t>(v)] < 2) continue;
      graph::Value copy = g.value(v);
      copy.name = fmt::format("{}.{}", n.name, k == 3 ? "running_mean" : "running_var");
      for (int i = 2; g.find(copy.name); ++i)
        copy.name = fmt::format("{}.{}_{}", n.name, k == 3 ? "running_mean" : "running_var", i);
      --uses[static_cast<size_t>(v)];
      n.inputs[k] = g.add_value(std::move(copy));
      uses.push_back(1);
    }
  }
}

VjpGraph vjp_graph(graph::Graph model) {
  VjpGraph r;
  graph::Graph& g = model;
  std::vector<ValueId> wrt;
  for (ValueId i : g.inputs)
    if (autodiff::differentiable(g.value(i))) wrt.push_back(i), r.inputs.push_back({g.value(i).name, ""});
  for (size_t i = 0; i < g.values.size(); ++i)
    if (autodiff::trainable(g.values[i]))
      wrt.push_back(static_cast<ValueId>(i)), r.parameters.push_back({g.values[i].name, ""});
  if (wrt.empty()) fail("the model has no float inputs and no float weights: there is nothing to differentiate");
  Emitter e(g, "bwd", "grad");
  std::vector<ValueId> outs, seeds;
  for (ValueId o : g.outputs) {
    if (!autodiff::differentiable(g.value(o))) continue;
    outs.push_back(o);
    seeds.push_back(e.input("grad_output/" + g.value(o).name, g.value(o).dtype, g.value(o).shape));
    r.seeds.push_back({g.value(o).name, g.value(seeds.back()).name});
  }
  if (outs.empty()) fail("the model has no float outputs: there is nothing to differentiate");
  const std::vector<ValueId> grads = autodiff::backward(g, outs, seeds, wrt);
  // Each gradient is its own output (an input's gradient may be the seed itself).
  g.outputs.clear();
  for (size_t k = 0; k < grads.size(); ++k) {
    ValueId d = grads[k];
    if (d == seeds[0] || std::find(seeds.begin(), seeds.end(), d) != seeds.end() ||
        std::find(g.outputs.begin(), g.outputs.end(), d) != g.outputs.end() || g.value(d).constant)
      d = e.op("Identity", {d});
    g.outputs.push_back(d);
    auto& slot = k < r.inputs.size() ? r.inputs[k] : r.parameters[k - r.inputs.size()];
    slot.second = g.value(d).name;
  }
  graph::remove_dead_nodes(g);
  graph::verify(g);
  r.g = std::move(g);
  return r;
}

StepMemory step_memory(const graph::Graph& g) {
  std::vector<std::set<std::string>> readers(g.values.size());
  for (const auto& n : g.nodes)
    for (ValueId i : n.inputs)
      if (i != kNoValue) readers[static_cast<size_t>(i)].insert(n.phase);
  std::vector<std::string> producer(g.values.size());
  for (const auto& n : g.nodes)
    for (ValueId o : n.outputs)
      if (o != kNoValue) producer[static_cast<size_t>(o)] = n.phase;
  std::set<ValueId> state;
  for (const auto& [in, upd] : g.state) state.insert(in);
  StepMemory m;
  auto bytes = [&](ValueId v) {
    return static_cast<int64_t>(dtype_size(g.value(v).dtype)) * num_elements(g.value(v).shape);
  };
  for (ValueId in : state) {
    const auto& r = readers[static_cast<size_t>(in)];
    if (r.count("fwd")) {
      m.weights += bytes(in);
      if (r.count("opt")) m.gradients += bytes(in);
    } else {
      m.optimizer_state += bytes(in);
    }
  }
  for (size_t v = 0; v < g.values.size(); ++v) {
    const auto id = static_cast<ValueId>(v);
    if (state.count(id) || g.values[v].constant || !readers[v].count("bwd")) continue;
    const bool forward = producer[v] == "fwd" || std::find(g.inputs.begin(), g.inputs.end(), id) != g.inputs.end();
    if (forward) m.activations += bytes(id);
  }
  return m;
}

graph::Graph weights_as_inputs(graph::Graph g) {
  untie_batch_stats(g);
  std::set<ValueId> stats = batch_stats(g);
  for (ValueId w : weights(g)) make_input(g, w);
  for (ValueId s : stats) make_input(g, s);
  return g;
}

TrainingStep training_step(graph::Graph g, const StepOptions& o) {
  TrainingStep step;
  untie_batch_stats(g);
  const ValueId logits = loss_output(g, o.output);
  g.outputs = {logits};
  graph::remove_dead_nodes(g);  // another output's head (BERT's pooler when the loss reads the hidden states)
  for (ValueId i : g.inputs) step.data_inputs.push_back(g.value(i).name);
  step.logits = g.value(logits).name;
  for (auto& n : g.nodes) n.phase = "fwd";

  const std::vector<ValueId> w = weights(g);
  if (w.empty()) fail("the model has no float weights to train");
  const std::set<ValueId> stats = batch_stats(g);
  for (ValueId id : w) step.state.push_back({g.value(id).name, "", StateVar::Kind::Weight, make_input(g, id)});
  std::vector<std::pair<ValueId, ValueId>> updates;
  if (!stats.empty()) {
    for (ValueId id : stats) step.state.push_back({g.value(id).name, "", StateVar::Kind::BatchStat, make_input(g, id)});
    for (auto u : batch_norm_training(g, o.bn_momentum)) updates.push_back(u);
  }

  // Loss.
  Emitter e(g, "fwd", "train");
  e.set_origin("loss");
  const Shape ls = e.shape(logits);
  step.loss_kind = o.loss;
  if (o.loss == Loss::Auto) step.loss_kind = ls.empty() || ls.back() == 1 ? Loss::MeanSquaredError : Loss::CrossEntropy;
  ValueId target, loss;
  if (step.loss_kind == Loss::CrossEntropy) {
    if (ls.size() < 2 || ls.back() < 2)
      fail("cross-entropy needs logits of shape [batch, ..., classes] with at least 2 classes; the model's output "
           "'{}' is {}", step.logits, shape_str(ls));
    target = e.input("labels", DType::I64, Shape(ls.begin(), ls.end() - 1));
    loss = cross_entropy(e, logits, target);
  } else {
    target = e.input("targets", e.dtype(logits), ls);
    loss = mean_squared_error(e, logits, target);
  }
  step.target = g.value(target).name;
  loss = e.op("Identity", {loss});
  step.loss = g.value(loss).name;

  // Backward.
  std::vector<ValueId> weight_ids;
  for (const StateVar& s : step.state)
    if (s.kind == StateVar::Kind::Weight) weight_ids.push_back(*g.find(s.name));
  std::vector<ValueId> grads = autodiff::backward(g, {loss}, {e.scalar(1.0, e.dtype(loss))}, weight_ids);

  // Optimiser.
  Emitter opt(g, "opt", "opt");
  opt.set_origin("update");
  const ValueId lr = opt.input("opt.lr", DType::F32, {});
  step.lr = g.value(lr).name;
  if (o.clip_norm > 0) {
    ValueId total = kNoValue;
    for (ValueId d : grads) {
      const ValueId sq = opt.op("ReduceSumSquare", {d}, {{"keepdims", int64_t{0}}});
      total = total == kNoValue ? sq : opt.add(total, sq);
    }
    const ValueId norm = opt.op("Sqrt", {total});
    const ValueId coef = opt.div(opt.scalar(o.clip_norm, DType::F32), opt.add(norm, opt.scalar(1e-6, DType::F32)));
    const ValueId factor = opt.op("Min", {coef, opt.scalar(1.0, DType::F32)});
    for (ValueId& d : grads) d = opt.mul(d, factor);
  }
  ValueId t = kNoValue;
  if (o.optimizer == Optimizer::AdamW) {
    const ValueId counter = opt.input("opt.step", DType::F32, {});
    step.state.push_back({"opt.step", "", StateVar::Kind::Counter, Tensor(DType::F32, {})});
    t = opt.add(counter, opt.scalar(1.0, DType::F32));
    updates.push_back({counter, t});
  }
  for (size_t k = 0; k < weight_ids.size(); ++k) {
    const ValueId p = weight_ids[k];
    const std::string name = g.value(p).name;
    opt.set_origin(name);
    ValueId d = grads[k];
    const Shape ps = opt.shape(p);
    auto moment = [&](const std::string& suffix) {
      const ValueId m = opt.input(name + suffix, DType::F32, ps);
      step.state.push_back({g.value(m).name, "", StateVar::Kind::Moment, Tensor(DType::F32, ps)});
      return m;
    };
    ValueId updated;
    if (o.optimizer == Optimizer::Sgd) {
      if (o.weight_decay != 0) d = opt.add(d, opt.scale(p, o.weight_decay));
      if (o.momentum != 0) {
        const ValueId buf = moment(".momentum");
        const ValueId nb = opt.add(opt.scale(buf, o.momentum), d);
        updates.push_back({buf, nb});
        d = o.nesterov ? opt.add(d, opt.scale(nb, o.momentum)) : nb;
      }
      updated = opt.sub(p, opt.mul(d, lr));
    } else {
      const ValueId m = moment(".exp_avg"), v = moment(".exp_avg_sq");
      const ValueId nm = opt.add(opt.scale(m, o.beta1), opt.scale(d, 1 - o.beta1));
      const ValueId nv = opt.add(opt.scale(v, o.beta2), opt.scale(opt.mul(d, d), 1 - o.beta2));
      updates.push_back({m, nm});
      updates.push_back({v, nv});
      auto correction = [&](double beta) {  // 1 - beta^t
        return opt.sub(opt.scalar(1.0, DType::F32), opt.op("Pow", {opt.scalar(beta, DType::F32), t}));
      };
      const ValueId c1 = correction(o.beta1), c2 = correction(o.beta2);
      const ValueId denom =
          opt.add(opt.div(opt.op("Sqrt", {nv}), opt.op("Sqrt", {c2})), opt.scalar(o.adam_eps, DType::F32));
      const ValueId decayed = o.weight_decay != 0 ? opt.sub(p, opt.mul(opt.scale(p, o.weight_decay), lr)) : p;
      updated = opt.sub(decayed, opt.mul(opt.div(nm, denom), opt.div(lr, c1)));
    }
    updates.push_back({p, updated});
  }

  // Outputs: the loss, then every state update (named after its state).
  g.outputs = {loss};
  std::map<ValueId, ValueId> update_of(updates.begin(), updates.end());
  opt.set_origin("state");
  for (StateVar& s : step.state) {
    const ValueId in = *g.find(s.name);
    auto it = update_of.find(in);
    TESSERA_CHECK(it != update_of.end(), "state '{}' has no update", s.name);
    ValueId u = it->second;
    if (std::find(g.outputs.begin(), g.outputs.end(), u) != g.outputs.end() || g.value(u).constant)
      u = opt.op("Identity", {u});
    g.outputs.push_back(u);
    g.state.push_back({in, u});
    s.update = g.value(u).name;
  }
  if (o.recompute) recompute_forward(g);
  graph::remove_dead_nodes(g);
  graph::verify(g);
  step.g = std::move(g);
  return step;
}

}  // namespace tessera::train
