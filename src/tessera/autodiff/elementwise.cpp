// Gradient rules of elementwise ops. Broadcast inputs get their gradient summed
// back to their own shape (Emitter::unbroadcast). Rules read the forward
// node's output where the derivative is simplest in it (exp, sigmoid, tanh,
// sqrt). Piecewise functions select with Where, so a NaN upstream gradient
// stays NaN only where it belongs. Rounding, sign and comparisons have zero
// gradient almost everywhere: their rules return none.
#include <cmath>
#include <numbers>

#include "tessera/autodiff/autodiff.h"
#include "tessera/autodiff/emitter.h"
#include "tessera/support/error.h"

namespace tessera::autodiff {
namespace {

using graph::kNoValue;
using graph::Node;
using Grads = std::vector<ValueId>;

ValueId in(const Node& n, size_t k) { return k < n.inputs.size() ? n.inputs[k] : kNoValue; }
ValueId out(const Node& n) { return n.outputs[0]; }
ValueId c(Emitter& e, double v, ValueId like) { return e.scalar(v, e.dtype(like)); }
ValueId gt0(Emitter& e, ValueId x) { return e.op("Greater", {x, c(e, 0, x)}); }

// dy * f'(x) for a unary op, where `dydx` builds f'.
template <typename F>
Grads unary(Emitter& e, const Node& n, const Grads& dy, F dydx) {
  return {e.mul(dy[0], dydx(in(n, 0)))};
}

Grads g_identity(Emitter&, const Node&, const Grads& dy) { return {dy[0]}; }
Grads g_none(Emitter&, const Node&, const Grads&) { return {}; }

Grads g_add(Emitter& e, const Node& n, const Grads& dy) {
  return {e.unbroadcast(dy[0], e.shape(in(n, 0))), e.unbroadcast(dy[0], e.shape(in(n, 1)))};
}
Grads g_sub(Emitter& e, const Node& n, const Grads& dy) {
  return {e.unbroadcast(dy[0], e.shape(in(n, 0))), e.unbroadcast(e.neg(dy[0]), e.shape(in(n, 1)))};
}
Grads g_mul(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId a = in(n, 0), b = in(n, 1);
  return {e.unbroadcast(e.mul(dy[0], b), e.shape(a)), e.unbroadcast(e.mul(dy[0], a), e.shape(b))};
}
Grads g_div(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId a = in(n, 0), b = in(n, 1);
  const ValueId da = e.div(dy[0], b);
  return {e.unbroadcast(da, e.shape(a)), e.unbroadcast(e.neg(e.mul(da, out(n))), e.shape(b))};
}
Grads g_neg(Emitter& e, const Node&, const Grads& dy) { return {e.neg(dy[0])}; }
Grads g_abs(Emitter& e, const Node& n, const Grads& dy) {
  return unary(e, n, dy, [&](ValueId x) { return e.op("Sign", {x}); });
}
Grads g_exp(Emitter& e, const Node& n, const Grads& dy) { return {e.mul(dy[0], out(n))}; }
Grads g_log(Emitter& e, const Node& n, const Grads& dy) { return {e.div(dy[0], in(n, 0))}; }
Grads g_sqrt(Emitter& e, const Node& n, const Grads& dy) {
  return {e.div(e.scale(dy[0], 0.5), out(n))};
}
Grads g_reciprocal(Emitter& e, const Node& n, const Grads& dy) {
  return {e.neg(e.mul(dy[0], e.mul(out(n), out(n))))};
}
Grads g_pow(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId x = in(n, 0), p = in(n, 1);
  Grads r(2, kNoValue);
  // d/dx x^p = p x^(p-1), in x's dtype (the exponent may be another type).
  const ValueId pf = e.cast(p, e.dtype(x));
  const ValueId pm1 = e.sub(pf, c(e, 1, pf));
  r[0] = e.unbroadcast(e.mul(dy[0], e.mul(pf, e.op("Pow", {x, pm1}))), e.shape(x));
  if (differentiable(e.value(p))) {
    // d/dp x^p = x^p ln x
    const ValueId d = e.mul(dy[0], e.mul(out(n), e.op("Log", {x})));
    r[1] = e.unbroadcast(e.cast(d, e.dtype(p)), e.shape(p));
  }
  return r;
}
Grads g_relu(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId x = in(n, 0);
  return {e.where(gt0(e, x), dy[0], e.zeros({}, e.dtype(x)))};
}
Grads g_leaky_relu(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId x = in(n, 0);
  return {e.where(gt0(e, x), dy[0], e.scale(dy[0], n.attr_float("alpha", 0.01)))};
}
Grads g_prelu(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId x = in(n, 0), slope = in(n, 1);
  const ValueId pos = gt0(e, x), zero = e.zeros({}, e.dtype(x));
  const ValueId dx = e.where(pos, dy[0], e.mul(dy[0], slope));
  const ValueId ds = e.where(pos, zero, e.mul(dy[0], x));
  return {e.unbroadcast(dx, e.shape(x)), e.unbroadcast(ds, e.shape(slope))};
}
Grads g_elu(Emitter& e, const Node& n, const Grads& dy) {
  // x > 0: 1; else alpha e^x = y + alpha
  const ValueId x = in(n, 0);
  const double alpha = n.attr_float("alpha", 1.0);
  return {e.where(gt0(e, x), dy[0], e.mul(dy[0], e.add(out(n), c(e, alpha, x))))};
}
Grads g_celu(Emitter& e, const Node& n, const Grads& dy) {
  // x > 0: 1; else e^(x/alpha)
  const ValueId x = in(n, 0);
  const double alpha = n.attr_float("alpha", 1.0);
  return {e.where(gt0(e, x), dy[0], e.mul(dy[0], e.op("Exp", {e.scale(x, 1.0 / alpha)})))};
}
Grads g_selu(Emitter& e, const Node& n, const Grads& dy) {
  // x > 0: gamma; else gamma alpha e^x = y + gamma alpha
  const ValueId x = in(n, 0);
  const double alpha = n.attr_float("alpha", 1.67326319217681884765625);
  const double gamma = n.attr_float("gamma", 1.05070102214813232421875);
  return {e.where(gt0(e, x), e.scale(dy[0], gamma), e.mul(dy[0], e.add(out(n), c(e, gamma * alpha, x))))};
}
Grads g_sigmoid(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId y = out(n);
  return {e.mul(dy[0], e.mul(y, e.sub(c(e, 1, y), y)))};
}
Grads g_tanh(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId y = out(n);
  return {e.mul(dy[0], e.sub(c(e, 1, y), e.mul(y, y)))};
}
Grads g_softplus(Emitter& e, const Node& n, const Grads& dy) {
  return unary(e, n, dy, [&](ValueId x) { return e.op("Sigmoid", {x}); });
}
Grads g_softsign(Emitter& e, const Node& n, const Grads& dy) {
  return unary(e, n, dy, [&](ValueId x) {
    const ValueId d = e.add(c(e, 1, x), e.op("Abs", {x}));
    return e.op("Reciprocal", {e.mul(d, d)});
  });
}
Grads g_hard_sigmoid(Emitter& e, const Node& n, const Grads& dy) {
  // alpha where 0 < alpha x + beta < 1
  const ValueId x = in(n, 0);
  const double alpha = n.attr_float("alpha", 0.2), beta = n.attr_float("beta", 0.5);
  const ValueId t = e.add(e.scale(x, alpha), c(e, beta, x));
  const ValueId inside = e.op("And", {e.op("Greater", {t, c(e, 0, x)}), e.op("Less", {t, c(e, 1, x)})});
  return {e.where(inside, e.scale(dy[0], alpha), e.zeros({}, e.dtype(x)))};
}
Grads g_hard_swish(Emitter& e, const Node& n, const Grads& dy) {
  // x < -3: 0; x > 3: 1; else (2x + 3) / 6
  const ValueId x = in(n, 0);
  const ValueId mid = e.add(e.scale(x, 1.0 / 3.0), c(e, 0.5, x));
  const ValueId d = e.where(e.op("Less", {x, c(e, -3, x)}), c(e, 0, x),
                            e.where(e.op("Greater", {x, c(e, 3, x)}), c(e, 1, x), mid));
  return {e.mul(dy[0], d)};
}
Grads g_erf(Emitter& e, const Node& n, const Grads& dy) {
  return unary(e, n, dy, [&](ValueId x) {
    return e.scale(e.op("Exp", {e.neg(e.mul(x, x))}), 2.0 / std::sqrt(std::numbers::pi));
  });
}
Grads g_gelu(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId x = in(n, 0);
  if (n.attr_str("approximate", "none") == "tanh") {
    // y = x/2 (1 + tanh(u)), u = k (x + 0.044715 x^3), k = sqrt(2/pi)
    const double k = std::sqrt(2.0 / std::numbers::pi);
    const ValueId x2 = e.mul(x, x);
    const ValueId u = e.scale(e.add(x, e.scale(e.mul(x2, x), 0.044715)), k);
    const ValueId t = e.op("Tanh", {u});
    const ValueId du = e.scale(e.add(c(e, 1, x), e.scale(x2, 3 * 0.044715)), k);
    const ValueId sech2 = e.sub(c(e, 1, x), e.mul(t, t));
    const ValueId d = e.add(e.scale(e.add(c(e, 1, x), t), 0.5), e.mul(e.scale(x, 0.5), e.mul(sech2, du)));
    return {e.mul(dy[0], d)};
  }
  // Phi(x) + x phi(x)
  const ValueId cdf = e.scale(e.add(c(e, 1, x), e.op("Erf", {e.scale(x, 1.0 / std::numbers::sqrt2)})), 0.5);
  const ValueId pdf =
      e.scale(e.op("Exp", {e.scale(e.mul(x, x), -0.5)}), 1.0 / std::sqrt(2.0 * std::numbers::pi));
  return {e.mul(dy[0], e.add(cdf, e.mul(x, pdf)))};
}
Grads g_sin(Emitter& e, const Node& n, const Grads& dy) {
  return unary(e, n, dy, [&](ValueId x) { return e.op("Cos", {x}); });
}
Grads g_cos(Emitter& e, const Node& n, const Grads& dy) {
  return unary(e, n, dy, [&](ValueId x) { return e.neg(e.op("Sin", {x})); });
}
Grads g_tan(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId y = out(n);
  return {e.mul(dy[0], e.add(c(e, 1, y), e.mul(y, y)))};
}
Grads g_sinh(Emitter& e, const Node& n, const Grads& dy) {
  return unary(e, n, dy, [&](ValueId x) { return e.op("Cosh", {x}); });
}
Grads g_cosh(Emitter& e, const Node& n, const Grads& dy) {
  return unary(e, n, dy, [&](ValueId x) { return e.op("Sinh", {x}); });
}
// 1 / sqrt(s * (1 - x^2)) style derivatives: dy * sign / sqrt(a + b x^2)
Grads inv_sqrt_rule(Emitter& e, const Node& n, const Grads& dy, double a, double b, double sign) {
  return unary(e, n, dy, [&](ValueId x) {
    const ValueId r = e.op("Sqrt", {e.add(c(e, a, x), e.scale(e.mul(x, x), b))});
    return e.scale(e.op("Reciprocal", {r}), sign);
  });
}
Grads g_asin(Emitter& e, const Node& n, const Grads& dy) { return inv_sqrt_rule(e, n, dy, 1, -1, 1); }
Grads g_acos(Emitter& e, const Node& n, const Grads& dy) { return inv_sqrt_rule(e, n, dy, 1, -1, -1); }
Grads g_asinh(Emitter& e, const Node& n, const Grads& dy) { return inv_sqrt_rule(e, n, dy, 1, 1, 1); }
Grads g_acosh(Emitter& e, const Node& n, const Grads& dy) { return inv_sqrt_rule(e, n, dy, -1, 1, 1); }
Grads g_atan(Emitter& e, const Node& n, const Grads& dy) {
  return unary(e, n, dy, [&](ValueId x) { return e.op("Reciprocal", {e.add(c(e, 1, x), e.mul(x, x))}); });
}
Grads g_atanh(Emitter& e, const Node& n, const Grads& dy) {
  return unary(e, n, dy, [&](ValueId x) { return e.op("Reciprocal", {e.sub(c(e, 1, x), e.mul(x, x))}); });
}
Grads g_clip(Emitter& e, const Node& n, const Grads& dy) {
  // Passes where min <= x <= max; bounds get what is clipped to them.
  const ValueId x = in(n, 0), lo = in(n, 1), hi = in(n, 2);
  const ValueId zero = e.zeros({}, e.dtype(x));
  ValueId inside = kNoValue;
  auto both = [&](ValueId a, ValueId b) { return a == kNoValue ? b : e.op("And", {a, b}); };
  if (lo != kNoValue) inside = both(inside, e.op("GreaterOrEqual", {x, lo}));
  if (hi != kNoValue) inside = both(inside, e.op("LessOrEqual", {x, hi}));
  if (inside == kNoValue) return {dy[0]};
  Grads r = {e.where(inside, dy[0], zero), kNoValue, kNoValue};
  if (lo != kNoValue && differentiable(e.value(lo)))
    r[1] = e.unbroadcast(e.where(e.op("Less", {x, lo}), dy[0], zero), e.shape(lo));
  if (hi != kNoValue && differentiable(e.value(hi))) {
    ValueId above = e.op("Greater", {x, hi});
    if (lo != kNoValue) above = e.op("And", {above, e.op("GreaterOrEqual", {x, lo})});
    r[2] = e.unbroadcast(e.where(above, dy[0], zero), e.shape(hi));
  }
  return r;
}
Grads g_thresholded_relu(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId x = in(n, 0);
  const ValueId above = e.op("Greater", {x, c(e, n.attr_float("alpha", 1.0), x)});
  return {e.where(above, dy[0], e.zeros({}, e.dtype(x)))};
}
Grads g_shrink(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId x = in(n, 0);
  const double lambd = n.attr_float("lambd", 0.5);
  const ValueId outside =
      e.op("Or", {e.op("Less", {x, c(e, -lambd, x)}), e.op("Greater", {x, c(e, lambd, x)})});
  return {e.where(outside, dy[0], e.zeros({}, e.dtype(x)))};
}
// Max/Min of several inputs: each input gets the gradient where it is the result.
Grads g_select_extreme(Emitter& e, const Node& n, const Grads& dy) {
  Grads r;
  const ValueId y = out(n);
  for (ValueId x : n.inputs) {
    const ValueId hit = e.op("Equal", {e.expand(x, e.shape(y)), y});
    r.push_back(e.unbroadcast(e.where(hit, dy[0], e.zeros({}, e.dtype(y))), e.shape(x)));
  }
  return r;
}
Grads g_sum(Emitter& e, const Node& n, const Grads& dy) {
  Grads r;
  for (ValueId x : n.inputs) r.push_back(e.unbroadcast(dy[0], e.shape(x)));
  return r;
}
Grads g_mean(Emitter& e, const Node& n, const Grads& dy) {
  Grads r;
  const ValueId d = e.scale(dy[0], 1.0 / static_cast<double>(n.inputs.size()));
  for (ValueId x : n.inputs) r.push_back(e.unbroadcast(d, e.shape(x)));
  return r;
}
Grads g_where(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId cond = in(n, 0), a = in(n, 1), b = in(n, 2);
  const ValueId zero = e.zeros({}, e.dtype(dy[0]));
  return {kNoValue, e.unbroadcast(e.where(cond, dy[0], zero), e.shape(a)),
          e.unbroadcast(e.where(cond, zero, dy[0]), e.shape(b))};
}
Grads g_cast(Emitter& e, const Node& n, const Grads& dy) {
  // Only float-to-float casts carry a gradient (the driver skips integer inputs).
  return {e.cast(dy[0], e.dtype(in(n, 0)))};
}

}  // namespace

void register_grad_elementwise(GradTable& t) {
  t["Identity"] = g_identity;
  t["Add"] = g_add;
  t["Sub"] = g_sub;
  t["Mul"] = g_mul;
  t["Div"] = g_div;
  t["Neg"] = g_neg;
  t["Abs"] = g_abs;
  t["Exp"] = g_exp;
  t["Log"] = g_log;
  t["Sqrt"] = g_sqrt;
  t["Reciprocal"] = g_reciprocal;
  t["Pow"] = g_pow;
  t["Relu"] = g_relu;
  t["LeakyRelu"] = g_leaky_relu;
  t["PRelu"] = g_prelu;
  t["Elu"] = g_elu;
  t["Celu"] = g_celu;
  t["Selu"] = g_selu;
  t["Sigmoid"] = g_sigmoid;
  t["Tanh"] = g_tanh;
  t["Softplus"] = g_softplus;
  t["Softsign"] = g_softsign;
  t["HardSigmoid"] = g_hard_sigmoid;
  t["HardSwish"] = g_hard_swish;
  t["Erf"] = g_erf;
  t["Gelu"] = g_gelu;
  t["Sin"] = g_sin;
  t["Cos"] = g_cos;
  t["Tan"] = g_tan;
  t["Sinh"] = g_sinh;
  t["Cosh"] = g_cosh;
  t["Asin"] = g_asin;
  t["Acos"] = g_acos;
  t["Atan"] = g_atan;
  t["Asinh"] = g_asinh;
  t["Acosh"] = g_acosh;
  t["Atanh"] = g_atanh;
  t["Clip"] = g_clip;
  t["ThresholdedRelu"] = g_thresholded_relu;
  t["Shrink"] = g_shrink;
  t["Max"] = g_select_extreme;
  t["Min"] = g_select_extreme;
  t["Sum"] = g_sum;
  t["Mean"] = g_mean;
  t["Where"] = g_where;
  t["Cast"] = g_cast;
  t["CastLike"] = g_cast;
  // Piecewise constant: zero gradient almost everywhere.
  for (const char* op : {"Floor", "Ceil", "Round", "Sign"}) t[op] = g_none;
}

}  // namespace tessera::autodiff
