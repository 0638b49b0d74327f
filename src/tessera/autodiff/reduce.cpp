// Gradient rules of reductions and scans. dY is first given back the reduced
// axes (keepdims shape) and broadcast over them; each reduction then scales it
// by its own derivative. ReduceMax/Min share the gradient evenly between tied
// maxima (as torch.amax does). CumSum's adjoint is the reverse CumSum.
#include "tessera/autodiff/autodiff.h"
#include "tessera/autodiff/emitter.h"
#include "tessera/graph/infer.h"
#include "tessera/support/error.h"

namespace tessera::autodiff {
namespace {

using graph::kNoValue;
using graph::Node;
using Grads = std::vector<ValueId>;

struct Reduced {
  ValueId dy;  // dY broadcast to the input's shape
  ValueId y = graph::kNoValue;  // Y broadcast to the input's shape (when asked for)
  int64_t count = 1;  // elements reduced into each output
  std::vector<int64_t> axes;
};

Reduced spread(Emitter& e, const Node& n, const Grads& dy, bool with_y = false) {
  const ValueId x = n.inputs[0];
  const Shape& xs = e.shape(x);
  Reduced r;
  r.axes = graph::reduce_axes(e.graph(), n, static_cast<int64_t>(xs.size()));
  Shape kept = xs;
  for (int64_t a : r.axes) {
    kept[static_cast<size_t>(a)] = 1;
    r.count *= xs[static_cast<size_t>(a)];
  }
  r.dy = e.expand(e.reshape(dy[0], kept), xs);
  if (with_y) r.y = e.expand(e.reshape(n.outputs[0], kept), xs);
  return r;
}

Grads g_sum(Emitter& e, const Node& n, const Grads& dy) { return {spread(e, n, dy).dy}; }
Grads g_mean(Emitter& e, const Node& n, const Grads& dy) {
  Reduced r = spread(e, n, dy);
  return {e.scale(r.dy, r.count == 0 ? 0.0 : 1.0 / static_cast<double>(r.count))};
}
Grads g_sum_square(Emitter& e, const Node& n, const Grads& dy) {
  return {e.mul(spread(e, n, dy).dy, e.scale(n.inputs[0], 2.0))};
}
Grads g_l1(Emitter& e, const Node& n, const Grads& dy) {
  return {e.mul(spread(e, n, dy).dy, e.op("Sign", {n.inputs[0]}))};
}
Grads g_l2(Emitter& e, const Node& n, const Grads& dy) {
  Reduced r = spread(e, n, dy, true);
  return {e.mul(r.dy, e.div(n.inputs[0], r.y))};
}
Grads g_log_sum_exp(Emitter& e, const Node& n, const Grads& dy) {
  Reduced r = spread(e, n, dy, true);
  return {e.mul(r.dy, e.op("Exp", {e.sub(n.inputs[0], r.y)}))};
}
Grads g_prod(Emitter& e, const Node& n, const Grads& dy) {
  Reduced r = spread(e, n, dy, true);
  return {e.mul(r.dy, e.div(r.y, n.inputs[0]))};
}
Grads g_extreme(Emitter& e, const Node& n, const Grads& dy) {
  Reduced r = spread(e, n, dy, true);
  const ValueId x = n.inputs[0];
  const ValueId hit = e.cast(e.op("Equal", {x, r.y}), e.dtype(x));
  const ValueId ties = e.expand(e.sum(hit, r.axes, true), e.shape(x));
  return {e.div(e.mul(r.dy, hit), ties)};
}
Grads g_cumsum(Emitter& e, const Node& n, const Grads& dy) {
  Grads r(2, kNoValue);
  r[0] = e.op("CumSum", {dy[0], n.inputs[1]},
              {{"exclusive", n.attr_int("exclusive", 0)}, {"reverse", int64_t{n.attr_int("reverse", 0) ? 0 : 1}}});
  return r;
}

}  // namespace

void register_grad_reduce(GradTable& t) {
  t["ReduceSum"] = g_sum;
  t["ReduceMean"] = g_mean;
  t["ReduceSumSquare"] = g_sum_square;
  t["ReduceL1"] = g_l1;
  t["ReduceL2"] = g_l2;
  t["ReduceLogSumExp"] = g_log_sum_exp;
  t["ReduceProd"] = g_prod;
  t["ReduceMax"] = g_extreme;
  t["ReduceMin"] = g_extreme;
  t["CumSum"] = g_cumsum;
}

}  // namespace tessera::autodiff
