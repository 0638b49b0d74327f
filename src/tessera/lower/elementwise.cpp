// Lowering of elementwise ops. Every op becomes one kernel that maps over the
// output shape (innermost variable innermost, so the executor vectorises along
// the contiguous dim), reads each input at its broadcast position and stores
// one scalar expression:
//   kernel add(x0: f32[2,3], x1: f32[3]) -> (y0: f32[2,3]) {
//     map i0 in 0..2, i1 in 0..3 { y0[i0,i1] = x0[i0,i1] + x1[i1] }
//   }
// The per-op scalar formulas are small functions in a table. Float math is
// evaluated in double by the executor; ops that ONNX defines on integers
// through float math (Shrink, Pow with a float exponent) compute in f64 and
// cast back.
#include <cctype>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "tessera/lower/lower.h"

namespace tessera::lower {
namespace {

using graph::Node;
using pattern::BinOp;
using pattern::E;
using pattern::UnOp;

// Computes one output element from the inputs read at its position (absent
// optional inputs are null handles). `out` is the output dtype.
using ScalarFn = E (*)(const Node& n, const std::vector<E>& x, DType out);

std::string kernel_name(const std::string& op) {
  std::string s;
  for (char c : op) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

E c(double v, const E& like) { return pattern::constant(v, like.dtype()); }

// Broadcast read index; a [1]-shaped Clip bound on a scalar input reads its only element.
std::vector<E> input_index(const Shape& from, const std::vector<E>& out_index) {
  if (from.size() > out_index.size()) return std::vector<E>(from.size(), pattern::iconst(0));
  return broadcast_index(from, out_index);
}

void lower_pointwise(LowerContext& ctx, const Node& n, ScalarFn f) {
  pattern::KernelBuilder b(kernel_name(n.op));
  NodeParams p = declare_params(b, ctx, n);
  const pattern::TensorDecl out = b.decl(p.out[0]);
  b.map_shape(out.shape, [&](const std::vector<E>& index) {
    std::vector<E> x;
    for (pattern::TensorId t : p.in)
      x.push_back(t < 0 ? E() : b.read(t, input_index(b.decl(t).shape, index)));
    b.store(p.out[0], index, pattern::cast(f(n, x, out.dtype), out.dtype));
  });
  ctx.emit(b.finish(), n, p.args);
}

template <ScalarFn F>
void lower_with(LowerContext& ctx, const Node& n) {
  lower_pointwise(ctx, n, F);
}

// Runs a float formula on an integer input in f64 and truncates back, as ONNX
// defines those ops through float math.
E via_f64(const E& x, E (*f)(const Node&, E), const Node& n) {
  if (is_float(x.dtype())) return f(n, x);
  return pattern::cast(f(n, pattern::cast(x, DType::F64)), x.dtype());
}

// --- generic table entries ---
template <UnOp Op>
E un(const Node&, const std::vector<E>& x, DType) { return pattern::unary(Op, x[0]); }
template <BinOp Op>
E bin(const Node&, const std::vector<E>& x, DType) { return pattern::binary(Op, x[0], x[1]); }

// Folds Min/Max/Sum over all inputs.
template <BinOp Op>
E fold_all(const Node&, const std::vector<E>& x, DType) {
  E acc = x[0];
  for (size_t k = 1; k < x.size(); ++k) acc = pattern::binary(Op, acc, x[k]);
  return acc;
}

E mean(const Node& n, const std::vector<E>& x, DType out) {
  return fold_all<BinOp::Add>(n, x, out) / static_cast<double>(x.size());
}

E identity(const Node&, const std::vector<E>& x, DType) { return x[0]; }
E cast_to(const Node&, const std::vector<E>& x, DType out) { return pattern::cast(x[0], out); }
E where(const Node&, const std::vector<E>& x, DType) { return pattern::select(x[0], x[1], x[2]); }

E mod(const Node& n, const std::vector<E>& x, DType) {
  return pattern::binary(n.attr_int("fmod", 0) ? BinOp::FMod : BinOp::Mod, x[0], x[1]);
}

// An integer base with a float exponent computes in float (2 ^ 0.5 truncates to
// 1, not 2 ^ 0); otherwise the exponent takes the base's dtype.
E pow(const Node&, const std::vector<E>& x, DType out) {
  if (!is_float(out) && is_float(x[1].dtype()))
    return pattern::cast(pattern::pow(pattern::cast(x[0], DType::F64), pattern::cast(x[1], DType::F64)), out);
  return pattern::pow(x[0], pattern::cast(x[1], out));
}

E clip(const Node&, const std::vector<E>& x, DType) {
  E r = x[0];
  if (x.size() > 1 && x[1].p) r = pattern::max(r, x[1]);
  if (x.size() > 2 && x[2].p) r = pattern::min(r, x[2]);
  return r;
}

E is_inf(const Node& n, const std::vector<E>& x, DType) {
  const bool neg = n.attr_int("detect_negative", 1) != 0, pos = n.attr_int("detect_positive", 1) != 0;
  E inf = pattern::unary(UnOp::IsInf, x[0]);
  if (neg && pos) return inf;
  if (pos) return pattern::land(inf, pattern::gt(x[0], c(0, x[0])));
  if (neg) return pattern::land(inf, pattern::lt(x[0], c(0, x[0])));
  return pattern::bconst(false);
}

// --- activations ---
E relu(const Node&, const std::vector<E>& x, DType) { return pattern::max(x[0], c(0, x[0])); }

E leaky_relu(const Node& n, const std::vector<E>& x, DType) {
  const double alpha = n.attr_float("alpha", 0.01);
  return pattern::select(pattern::lt(x[0], c(0, x[0])), x[0] * alpha, x[0]);
}

E prelu(const Node&, const std::vector<E>& x, DType) {
  return pattern::select(pattern::lt(x[0], c(0, x[0])), x[1] * x[0], x[0]);
}

E elu(const Node& n, const std::vector<E>& x, DType) {
  const double alpha = n.attr_float("alpha", 1.0);
  return pattern::select(pattern::lt(x[0], c(0, x[0])), (pattern::exp(x[0]) - 1.0) * alpha, x[0]);
}

E selu(const Node& n, const std::vector<E>& x, DType) {
  const double alpha = n.attr_float("alpha", 1.67326319217681884765625);
  const double gamma = n.attr_float("gamma", 1.05070102214813232421875);
  return pattern::select(pattern::le(x[0], c(0, x[0])), (pattern::exp(x[0]) * alpha - alpha) * gamma,
                         x[0] * gamma);
}

E celu(const Node& n, const std::vector<E>& x, DType) {
  const double alpha = n.attr_float("alpha", 1.0);
  E neg = (pattern::exp(x[0] / alpha) - 1.0) * alpha;
  return pattern::max(x[0], c(0, x[0])) + pattern::min(neg, c(0, x[0]));
}

E gelu(const Node& n, const std::vector<E>& x, DType) {
  const std::string approx = n.attr_str("approximate", "none");
  if (approx == "tanh") {
    E inner = (x[0] + x[0] * x[0] * x[0] * 0.044715) * std::sqrt(2.0 / std::numbers::pi);
    return x[0] * 0.5 * (pattern::tanh(inner) + 1.0);
  }
  return x[0] * 0.5 * (pattern::erf(x[0] * (1.0 / std::numbers::sqrt2)) + 1.0);
}

E hard_sigmoid(const Node& n, const std::vector<E>& x, DType) {
  E y = x[0] * n.attr_float("alpha", 0.2) + n.attr_float("beta", 0.5);
  return pattern::max(c(0, y), pattern::min(c(1, y), y));
}

E hard_swish(const Node&, const std::vector<E>& x, DType) {
  E y = x[0] * (1.0 / 6.0) + 0.5;
  return x[0] * pattern::max(c(0, y), pattern::min(c(1, y), y));
}

// log(1 + exp(x)) written so that exp never overflows.
E softplus(const Node&, const std::vector<E>& x, DType) {
  return pattern::max(x[0], c(0, x[0])) + pattern::log(pattern::exp(-pattern::abs(x[0])) + 1.0);
}

E softsign(const Node&, const std::vector<E>& x, DType) { return x[0] / (pattern::abs(x[0]) + 1.0); }

E thresholded_relu(const Node& n, const std::vector<E>& x, DType) {
  return pattern::select(pattern::gt(x[0], c(n.attr_float("alpha", 1.0), x[0])), x[0], c(0, x[0]));
}

E shrink_f(const Node& n, E x) {
  const double bias = n.attr_float("bias", 0.0), lambd = n.attr_float("lambd", 0.5);
  return pattern::select(pattern::lt(x, c(-lambd, x)), x + bias,
                         pattern::select(pattern::gt(x, c(lambd, x)), x - bias, c(0, x)));
}
E shrink(const Node& n, const std::vector<E>& x, DType) { return via_f64(x[0], &shrink_f, n); }

}  // namespace

void register_lower_elementwise(LowerTable& t) {
  t["Neg"] = &lower_with<un<UnOp::Neg>>;
  t["Abs"] = &lower_with<un<UnOp::Abs>>;
  t["Sqrt"] = &lower_with<un<UnOp::Sqrt>>;
  t["Reciprocal"] = &lower_with<un<UnOp::Recip>>;
  t["Exp"] = &lower_with<un<UnOp::Exp>>;
  t["Log"] = &lower_with<un<UnOp::Log>>;
  t["Tanh"] = &lower_with<un<UnOp::Tanh>>;
  t["Sigmoid"] = &lower_with<un<UnOp::Sigmoid>>;
  t["Erf"] = &lower_with<un<UnOp::Erf>>;
  t["Floor"] = &lower_with<un<UnOp::Floor>>;
  t["Ceil"] = &lower_with<un<UnOp::Ceil>>;
  t["Round"] = &lower_with<un<UnOp::Round>>;
  t["Sign"] = &lower_with<un<UnOp::Sign>>;
  t["Not"] = &lower_with<un<UnOp::Not>>;
  t["Sin"] = &lower_with<un<UnOp::Sin>>;
  t["Cos"] = &lower_with<un<UnOp::Cos>>;
  t["Tan"] = &lower_with<un<UnOp::Tan>>;
  t["Asin"] = &lower_with<un<UnOp::Asin>>;
  t["Acos"] = &lower_with<un<UnOp::Acos>>;
  t["Atan"] = &lower_with<un<UnOp::Atan>>;
  t["Sinh"] = &lower_with<un<UnOp::Sinh>>;
  t["Cosh"] = &lower_with<un<UnOp::Cosh>>;
  t["Asinh"] = &lower_with<un<UnOp::Asinh>>;
  t["Acosh"] = &lower_with<un<UnOp::Acosh>>;
  t["Atanh"] = &lower_with<un<UnOp::Atanh>>;
  t["IsNaN"] = &lower_with<un<UnOp::IsNaN>>;
  t["IsInf"] = &lower_with<is_inf>;

  t["Add"] = &lower_with<bin<BinOp::Add>>;
  t["Sub"] = &lower_with<bin<BinOp::Sub>>;
  t["Mul"] = &lower_with<bin<BinOp::Mul>>;
  t["Div"] = &lower_with<bin<BinOp::Div>>;
  t["Equal"] = &lower_with<bin<BinOp::Eq>>;
  t["Less"] = &lower_with<bin<BinOp::Lt>>;
  t["Greater"] = &lower_with<bin<BinOp::Gt>>;
  t["LessOrEqual"] = &lower_with<bin<BinOp::Le>>;
  t["GreaterOrEqual"] = &lower_with<bin<BinOp::Ge>>;
  t["And"] = &lower_with<bin<BinOp::And>>;
  t["Or"] = &lower_with<bin<BinOp::Or>>;
  t["Xor"] = &lower_with<bin<BinOp::Xor>>;
  t["Mod"] = &lower_with<mod>;
  t["Pow"] = &lower_with<pow>;

  t["Min"] = &lower_with<fold_all<BinOp::Min>>;
  t["Max"] = &lower_with<fold_all<BinOp::Max>>;
  t["Sum"] = &lower_with<fold_all<BinOp::Add>>;
  t["Mean"] = &lower_with<mean>;
  t["Where"] = &lower_with<where>;
  t["Clip"] = &lower_with<clip>;
  t["Identity"] = &lower_with<identity>;
  t["Cast"] = &lower_with<cast_to>;
  t["CastLike"] = &lower_with<cast_to>;

  t["Relu"] = &lower_with<relu>;
  t["LeakyRelu"] = &lower_with<leaky_relu>;
  t["PRelu"] = &lower_with<prelu>;
  t["Elu"] = &lower_with<elu>;
  t["Selu"] = &lower_with<selu>;
  t["Celu"] = &lower_with<celu>;
  t["Gelu"] = &lower_with<gelu>;
  t["HardSigmoid"] = &lower_with<hard_sigmoid>;
  t["HardSwish"] = &lower_with<hard_swish>;
  t["Softplus"] = &lower_with<softplus>;
  t["Softsign"] = &lower_with<softsign>;
  t["ThresholdedRelu"] = &lower_with<thresholded_relu>;
  t["Shrink"] = &lower_with<shrink>;
}

}  // namespace tessera::lower
