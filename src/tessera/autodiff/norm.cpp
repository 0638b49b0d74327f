// Gradient rules of normalisations and softmax. Statistics are recomputed in
// the backward pass from the saved input (cheaper to keep than the optional
// Mean/InvStdDev outputs most exports drop). For a normalisation over axes A
// with xhat = (x - mean) * rstd and g = dY * scale:
//   dX = rstd * (g - mean_A(g) - xhat * mean_A(g * xhat))
// BatchNormalization here is the inference form (running statistics are
// inputs, so they get gradients too); training mode is rewritten into
// primitive ops by the training-step builder before differentiation.
#include "tessera/autodiff/autodiff.h"
#include "tessera/autodiff/emitter.h"
#include "tessera/support/error.h"

namespace tessera::autodiff {
namespace {

using graph::kNoValue;
using graph::Node;
using Grads = std::vector<ValueId>;

std::vector<int64_t> range(int64_t from, int64_t to) {
  std::vector<int64_t> r;
  for (int64_t i = from; i < to; ++i) r.push_back(i);
  return r;
}

// Axes softmax normalises over: one axis, or all from `axis` on (opset < 13).
std::vector<int64_t> softmax_axes(Emitter& e, const Node& n) {
  const int64_t r = e.rank(n.inputs[0]);
  const int64_t axis = graph::normalize_axis(n.attr_int("axis", -1), r, n);
  return n.attr_int("legacy", 0) ? range(axis, r) : std::vector<int64_t>{axis};
}

Grads g_softmax(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId y = n.outputs[0];
  const ValueId s = e.sum(e.mul(dy[0], y), softmax_axes(e, n), true);
  return {e.mul(y, e.sub(dy[0], s))};
}

Grads g_log_softmax(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId y = n.outputs[0];
  const ValueId s = e.sum(dy[0], softmax_axes(e, n), true);
  return {e.sub(dy[0], e.mul(e.op("Exp", {y}), s))};
}

struct Stats {
  ValueId xhat, rstd;
};

Stats normalise(Emitter& e, ValueId x, const std::vector<int64_t>& axes, double eps) {
  const ValueId mean = e.op("ReduceMean", {x, e.ints(axes)}, {{"keepdims", int64_t{1}}});
  const ValueId centred = e.sub(x, mean);
  const ValueId var = e.op("ReduceMean", {e.mul(centred, centred), e.ints(axes)}, {{"keepdims", int64_t{1}}});
  const ValueId rstd = e.op("Reciprocal", {e.op("Sqrt", {e.add(var, e.scalar(eps, e.dtype(x)))})});
  return {e.mul(centred, rstd), rstd};
}

ValueId normalise_grad(Emitter& e, ValueId g, const Stats& s, const std::vector<int64_t>& axes) {
  const ValueId mg = e.op("ReduceMean", {g, e.ints(axes)}, {{"keepdims", int64_t{1}}});
  const ValueId mgx = e.op("ReduceMean", {e.mul(g, s.xhat), e.ints(axes)}, {{"keepdims", int64_t{1}}});
  return e.mul(s.rstd, e.sub(e.sub(g, mg), e.mul(s.xhat, mgx)));
}

Grads g_layer_norm(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId x = n.inputs[0], scale = n.inputs[1];
  const ValueId bias = n.inputs.size() > 2 ? n.inputs[2] : kNoValue;
  const int64_t r = e.rank(x);
  const std::vector<int64_t> axes = range(graph::normalize_axis(n.attr_int("axis", -1), r, n), r);
  if (dy[0] == kNoValue) fail("{}: no gradient rule for LayerNormalization's Mean/InvStdDev outputs", n.describe());
  const Stats s = normalise(e, x, axes, n.attr_float("epsilon", 1e-5));
  Grads out(n.inputs.size(), kNoValue);
  out[0] = normalise_grad(e, e.mul(dy[0], scale), s, axes);
  out[1] = e.unbroadcast(e.mul(dy[0], s.xhat), e.shape(scale));
  if (bias != kNoValue) out[2] = e.unbroadcast(dy[0], e.shape(bias));
  return out;
}

// Per-channel parameters [C] broadcast against [N, C, spatial...].
ValueId per_channel(Emitter& e, ValueId p, int64_t rank) {
  Shape s(static_cast<size_t>(rank), 1);
  s[1] = e.shape(p)[0];
  return e.reshape(p, s);
}

Grads g_instance_norm(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId x = n.inputs[0], scale = n.inputs[1], bias = n.inputs[2];
  const int64_t r = e.rank(x);
  const std::vector<int64_t> axes = range(2, r);
  const Stats s = normalise(e, x, axes, n.attr_float("epsilon", 1e-5));
  std::vector<int64_t> other = {0};
  for (int64_t a : axes) other.push_back(a);
  return {normalise_grad(e, e.mul(dy[0], per_channel(e, scale, r)), s, axes),
          e.reshape(e.sum(e.mul(dy[0], s.xhat), other, false), e.shape(scale)),
          e.reshape(e.sum(dy[0], other, false), e.shape(bias))};
}

Grads g_batch_norm(Emitter& e, const Node& n, const Grads& dy) {
  if (n.attr_int("training_mode", 0) != 0)
    fail("{}: BatchNormalization in training mode is differentiated after the training step rewrites it",
         n.describe());
  const ValueId x = n.inputs[0], scale = n.inputs[1], mean = n.inputs[3], var = n.inputs[4];
  const int64_t r = e.rank(x);
  const double eps = n.attr_float("epsilon", 1e-5);
  std::vector<int64_t> other = {0};
  for (int64_t a = 2; a < r; ++a) other.push_back(a);
  const ValueId rstd = e.op("Reciprocal", {e.op("Sqrt", {e.add(var, e.scalar(eps, e.dtype(var)))})});
  const ValueId centred = e.sub(x, per_channel(e, mean, r));
  const ValueId g = e.mul(dy[0], per_channel(e, scale, r));  // dY * scale
  auto channel_sum = [&](ValueId v) { return e.reshape(e.sum(v, other, false), e.shape(scale)); };
  Grads out(5, kNoValue);
  out[0] = e.mul(g, per_channel(e, rstd, r));
  out[1] = e.mul(channel_sum(e.mul(dy[0], centred)), rstd);
  out[2] = channel_sum(dy[0]);
  out[3] = e.neg(e.mul(channel_sum(g), rstd));
  // d/dvar (var + eps)^-1/2 = -1/2 rstd^3
  const ValueId rstd3 = e.mul(rstd, e.mul(rstd, rstd));
  out[4] = e.mul(channel_sum(e.mul(g, centred)), e.scale(rstd3, -0.5));
  return out;
}

}  // namespace

void register_grad_norm(GradTable& t) {
  t["Softmax"] = g_softmax;
  t["LogSoftmax"] = g_log_softmax;
  t["LayerNormalization"] = g_layer_norm;
  t["InstanceNormalization"] = g_instance_norm;
  t["BatchNormalization"] = g_batch_norm;
}

}  // namespace tessera::autodiff
