#include "tessera/exec/ops.h"

#include <cmath>
#include <limits>

#include "tessera/support/error.h"

namespace tessera::exec {
namespace {

using pattern::BinOp;
using pattern::UnOp;

// Applies f elementwise; the result is uniform when the inputs are.
template <typename Out, typename F>
Val map1(const Val& a, int64_t n, Arena& arena, F f) {
  Val r;
  r.fp = std::is_same_v<Out, double>;
  if (a.uniform) {
    if constexpr (std::is_same_v<Out, double>) r.f = f(0); else r.i = f(0);
    return r;
  }
  r.uniform = false;
  if constexpr (std::is_same_v<Out, double>) {
    r.fv = arena.alloc_f();
    for (int64_t k = 0; k < n; ++k) r.fv[k] = f(k);
  } else {
    r.iv = arena.alloc_i();
    for (int64_t k = 0; k < n; ++k) r.iv[k] = f(k);
  }
  return r;
}

template <typename Out, typename In, typename F>
Val unary_loop(const Val& a, int64_t n, Arena& arena, F f) {
  if constexpr (std::is_same_v<In, double>) {
    if (a.uniform) return map1<Out>(a, n, arena, [&](int64_t) { return f(a.f); });
    const double* x = a.fv;
    return map1<Out>(a, n, arena, [&](int64_t k) { return f(x[k]); });
  } else {
    if (a.uniform) return map1<Out>(a, n, arena, [&](int64_t) { return f(a.i); });
    const int64_t* x = a.iv;
    return map1<Out>(a, n, arena, [&](int64_t k) { return f(x[k]); });
  }
}

template <typename Out, typename In, typename F>
Val binary_loop(const Val& a, const Val& b, int64_t n, Arena& arena, F f) {
  Val r;
  r.fp = std::is_same_v<Out, double>;
  auto get = [](const Val& v) {
    if constexpr (std::is_same_v<In, double>) return std::pair<In, const In*>(v.f, v.fv);
    else return std::pair<In, const In*>(v.i, v.iv);
  };
  auto [as, av] = get(a);
  auto [bs, bv] = get(b);
  if (a.uniform && b.uniform) {
    if constexpr (std::is_same_v<Out, double>) r.f = f(as, bs); else r.i = f(as, bs);
    return r;
  }
  r.uniform = false;
  Out* out;
  if constexpr (std::is_same_v<Out, double>) out = r.fv = arena.alloc_f();
  else out = r.iv = arena.alloc_i();
  if (a.uniform) for (int64_t k = 0; k < n; ++k) out[k] = f(as, bv[k]);
  else if (b.uniform) for (int64_t k = 0; k < n; ++k) out[k] = f(av[k], bs);
  else for (int64_t k = 0; k < n; ++k) out[k] = f(av[k], bv[k]);
  return r;
}

double fmin_nan(double a, double b) { return (std::isnan(a) || std::isnan(b)) ? std::nan("") : (a < b ? a : b); }
double fmax_nan(double a, double b) { return (std::isnan(a) || std::isnan(b)) ? std::nan("") : (a > b ? a : b); }
double py_fmod(double a, double b) {
  double r = std::fmod(a, b);
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}
int64_t py_imod(int64_t a, int64_t b) {
  if (b == 0) return 0;
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}
int64_t ipow(int64_t base, int64_t e) {
  if (e < 0) return base == 1 ? 1 : (base == -1 ? (e % 2 ? -1 : 1) : 0);
  int64_t r = 1;
  while (e) {
    if (e & 1) r *= base;
    base *= base;
    e >>= 1;
  }
  return r;
}

Val unary_float(UnOp op, const Val& a, int64_t n, Arena& ar) {
  switch (op) {
    case UnOp::Neg: return unary_loop<double, double>(a, n, ar, [](double x) { return -x; });
    case UnOp::Abs: return unary_loop<double, double>(a, n, ar, [](double x) { return std::fabs(x); });
    case UnOp::Sqrt: return unary_loop<double, double>(a, n, ar, [](double x) { return std::sqrt(x); });
    case UnOp::Exp: return unary_loop<double, double>(a, n, ar, [](double x) { return std::exp(x); });
    case UnOp::Log: return unary_loop<double, double>(a, n, ar, [](double x) { return std::log(x); });
    case UnOp::Tanh: return unary_loop<double, double>(a, n, ar, [](double x) { return std::tanh(x); });
    case UnOp::Sigmoid:
      return unary_loop<double, double>(a, n, ar, [](double x) {
        return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x));
      });
    case UnOp::Erf: return unary_loop<double, double>(a, n, ar, [](double x) { return std::erf(x); });
    case UnOp::Floor: return unary_loop<double, double>(a, n, ar, [](double x) { return std::floor(x); });
    case UnOp::Ceil: return unary_loop<double, double>(a, n, ar, [](double x) { return std::ceil(x); });
    case UnOp::Round: return unary_loop<double, double>(a, n, ar, [](double x) { return std::nearbyint(x); });
    case UnOp::Sign:
      return unary_loop<double, double>(a, n, ar, [](double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : x); });
    case UnOp::Recip: return unary_loop<double, double>(a, n, ar, [](double x) { return 1.0 / x; });
    case UnOp::Sin: return unary_loop<double, double>(a, n, ar, [](double x) { return std::sin(x); });
    case UnOp::Cos: return unary_loop<double, double>(a, n, ar, [](double x) { return std::cos(x); });
    case UnOp::Tan: return unary_loop<double, double>(a, n, ar, [](double x) { return std::tan(x); });
    case UnOp::Asin: return unary_loop<double, double>(a, n, ar, [](double x) { return std::asin(x); });
    case UnOp::Acos: return unary_loop<double, double>(a, n, ar, [](double x) { return std::acos(x); });
    case UnOp::Atan: return unary_loop<double, double>(a, n, ar, [](double x) { return std::atan(x); });
    case UnOp::Sinh: return unary_loop<double, double>(a, n, ar, [](double x) { return std::sinh(x); });
    case UnOp::Cosh: return unary_loop<double, double>(a, n, ar, [](double x) { return std::cosh(x); });
    case UnOp::Asinh: return unary_loop<double, double>(a, n, ar, [](double x) { return std::asinh(x); });
    case UnOp::Acosh: return unary_loop<double, double>(a, n, ar, [](double x) { return std::acosh(x); });
    case UnOp::Atanh: return unary_loop<double, double>(a, n, ar, [](double x) { return std::atanh(x); });
    case UnOp::IsNaN: return unary_loop<int64_t, double>(a, n, ar, [](double x) -> int64_t { return std::isnan(x); });
    case UnOp::IsInf: return unary_loop<int64_t, double>(a, n, ar, [](double x) -> int64_t { return std::isinf(x); });
    case UnOp::Not: return unary_loop<int64_t, double>(a, n, ar, [](double x) -> int64_t { return x == 0; });
  }
  TESSERA_CHECK(false, "unary op {}", pattern::name(op));
}

Val unary_int(UnOp op, const Val& a, int64_t n, Arena& ar) {
  switch (op) {
    case UnOp::Neg: return unary_loop<int64_t, int64_t>(a, n, ar, [](int64_t x) { return -x; });
    case UnOp::Abs: return unary_loop<int64_t, int64_t>(a, n, ar, [](int64_t x) { return x < 0 ? -x : x; });
    case UnOp::Sign:
      return unary_loop<int64_t, int64_t>(a, n, ar, [](int64_t x) -> int64_t { return (x > 0) - (x < 0); });
    case UnOp::Not: return unary_loop<int64_t, int64_t>(a, n, ar, [](int64_t x) -> int64_t { return x == 0; });
    case UnOp::Floor: case UnOp::Ceil: case UnOp::Round: return a;
    case UnOp::IsNaN: case UnOp::IsInf: return unary_loop<int64_t, int64_t>(a, n, ar, [](int64_t) -> int64_t { return 0; });
    default: {
      // Transcendentals on integers: compute in double, truncate back.
      Val f = apply_cast(DType::I64, DType::F64, a, n, ar);
      return apply_cast(DType::F64, DType::I64, unary_float(op, f, n, ar), n, ar);
    }
  }
}

Val binary_float(BinOp op, const Val& a, const Val& b, int64_t n, Arena& ar) {
  using D = double;
  switch (op) {
    case BinOp::Add: return binary_loop<D, D>(a, b, n, ar, [](D x, D y) { return x + y; });
    case BinOp::Sub: return binary_loop<D, D>(a, b, n, ar, [](D x, D y) { return x - y; });
    case BinOp::Mul: return binary_loop<D, D>(a, b, n, ar, [](D x, D y) { return x * y; });
    case BinOp::Div: return binary_loop<D, D>(a, b, n, ar, [](D x, D y) { return x / y; });
    case BinOp::Mod: return binary_loop<D, D>(a, b, n, ar, [](D x, D y) { return py_fmod(x, y); });
    case BinOp::FMod: return binary_loop<D, D>(a, b, n, ar, [](D x, D y) { return std::fmod(x, y); });
    case BinOp::Pow: return binary_loop<D, D>(a, b, n, ar, [](D x, D y) { return std::pow(x, y); });
    case BinOp::Min: return binary_loop<D, D>(a, b, n, ar, [](D x, D y) { return fmin_nan(x, y); });
    case BinOp::Max: return binary_loop<D, D>(a, b, n, ar, [](D x, D y) { return fmax_nan(x, y); });
    case BinOp::Eq: return binary_loop<int64_t, D>(a, b, n, ar, [](D x, D y) -> int64_t { return x == y; });
    case BinOp::Ne: return binary_loop<int64_t, D>(a, b, n, ar, [](D x, D y) -> int64_t { return x != y; });
    case BinOp::Lt: return binary_loop<int64_t, D>(a, b, n, ar, [](D x, D y) -> int64_t { return x < y; });
    case BinOp::Le: return binary_loop<int64_t, D>(a, b, n, ar, [](D x, D y) -> int64_t { return x <= y; });
    case BinOp::Gt: return binary_loop<int64_t, D>(a, b, n, ar, [](D x, D y) -> int64_t { return x > y; });
    case BinOp::Ge: return binary_loop<int64_t, D>(a, b, n, ar, [](D x, D y) -> int64_t { return x >= y; });
    case BinOp::And: return binary_loop<D, D>(a, b, n, ar, [](D x, D y) -> D { return x != 0 && y != 0; });
    case BinOp::Or: return binary_loop<D, D>(a, b, n, ar, [](D x, D y) -> D { return x != 0 || y != 0; });
    case BinOp::Xor: return binary_loop<D, D>(a, b, n, ar, [](D x, D y) -> D { return (x != 0) != (y != 0); });
  }
  TESSERA_CHECK(false, "binary op {}", pattern::name(op));
}

Val binary_int(BinOp op, const Val& a, const Val& b, int64_t n, Arena& ar) {
  using I = int64_t;
  switch (op) {
    case BinOp::Add: return binary_loop<I, I>(a, b, n, ar, [](I x, I y) { return static_cast<I>(static_cast<uint64_t>(x) + static_cast<uint64_t>(y)); });
    case BinOp::Sub: return binary_loop<I, I>(a, b, n, ar, [](I x, I y) { return static_cast<I>(static_cast<uint64_t>(x) - static_cast<uint64_t>(y)); });
    case BinOp::Mul: return binary_loop<I, I>(a, b, n, ar, [](I x, I y) { return static_cast<I>(static_cast<uint64_t>(x) * static_cast<uint64_t>(y)); });
    case BinOp::Div: return binary_loop<I, I>(a, b, n, ar, [](I x, I y) { return y == 0 ? 0 : x / y; });
    case BinOp::Mod: return binary_loop<I, I>(a, b, n, ar, [](I x, I y) { return py_imod(x, y); });
    case BinOp::FMod: return binary_loop<I, I>(a, b, n, ar, [](I x, I y) { return y == 0 ? 0 : x % y; });
    case BinOp::Pow: return binary_loop<I, I>(a, b, n, ar, [](I x, I y) { return ipow(x, y); });
    case BinOp::Min: return binary_loop<I, I>(a, b, n, ar, [](I x, I y) { return x < y ? x : y; });
    case BinOp::Max: return binary_loop<I, I>(a, b, n, ar, [](I x, I y) { return x > y ? x : y; });
    case BinOp::Eq: return binary_loop<I, I>(a, b, n, ar, [](I x, I y) -> I { return x == y; });
    case BinOp::Ne: return binary_loop<I, I>(a, b, n, ar, [](I x, I y) -> I { return x != y; });
    case BinOp::Lt: return binary_loop<I, I>(a, b, n, ar, [](I x, I y) -> I { return x < y; });
    case BinOp::Le: return binary_loop<I, I>(a, b, n, ar, [](I x, I y) -> I { return x <= y; });
    case BinOp::Gt: return binary_loop<I, I>(a, b, n, ar, [](I x, I y) -> I { return x > y; });
    case BinOp::Ge: return binary_loop<I, I>(a, b, n, ar, [](I x, I y) -> I { return x >= y; });
    case BinOp::And: return binary_loop<I, I>(a, b, n, ar, [](I x, I y) -> I { return x != 0 && y != 0; });
    case BinOp::Or: return binary_loop<I, I>(a, b, n, ar, [](I x, I y) -> I { return x != 0 || y != 0; });
    case BinOp::Xor: return binary_loop<I, I>(a, b, n, ar, [](I x, I y) -> I { return (x != 0) != (y != 0); });
  }
  TESSERA_CHECK(false, "binary op {}", pattern::name(op));
}

}  // namespace

double narrow_f(DType to, double v) { return to == DType::F32 ? static_cast<double>(static_cast<float>(v)) : v; }

int64_t narrow_i(DType to, int64_t v) {
  switch (to) {
    case DType::I32: return static_cast<int32_t>(v);
    case DType::I16: return static_cast<int16_t>(v);
    case DType::I8: return static_cast<int8_t>(v);
    case DType::U8: return static_cast<uint8_t>(v);
    case DType::Bool: return v != 0;
    default: return v;
  }
}

Val apply_unary(UnOp op, DType operand, const Val& a, int64_t n, Arena& arena) {
  return a.fp ? unary_float(op, a, n, arena) : unary_int(op, a, n, arena);
}

Val apply_binary(BinOp op, DType operand, const Val& a, const Val& b, int64_t n, Arena& arena) {
  return a.fp ? binary_float(op, a, b, n, arena) : binary_int(op, a, b, n, arena);
}

Val apply_select(const Val& cond, const Val& a, const Val& b, int64_t n, Arena& arena) {
  if (cond.uniform) return cond.i ? a : b;
  Val r;
  r.uniform = false;
  r.fp = a.fp;
  if (a.fp) {
    r.fv = arena.alloc_f();
    for (int64_t k = 0; k < n; ++k) r.fv[k] = cond.iv[k] ? a.fat(k) : b.fat(k);
  } else {
    r.iv = arena.alloc_i();
    for (int64_t k = 0; k < n; ++k) r.iv[k] = cond.iv[k] ? a.iat(k) : b.iat(k);
  }
  return r;
}

Val apply_cast(DType from, DType to, const Val& a, int64_t n, Arena& arena) {
  if (is_float(to)) {
    if (a.fp) return unary_loop<double, double>(a, n, arena, [to](double x) { return narrow_f(to, x); });
    return unary_loop<double, int64_t>(a, n, arena, [to](int64_t x) { return narrow_f(to, static_cast<double>(x)); });
  }
  if (a.fp) {
    return unary_loop<int64_t, double>(a, n, arena, [to](double x) -> int64_t {
      if (to == DType::Bool) return x != 0;
      if (!std::isfinite(x)) return to == DType::I64 ? std::numeric_limits<int64_t>::min() : 0;
      if (x >= 9.2e18 || x <= -9.2e18) return std::numeric_limits<int64_t>::min();
      return narrow_i(to, static_cast<int64_t>(x));
    });
  }
  return unary_loop<int64_t, int64_t>(a, n, arena, [to](int64_t x) { return narrow_i(to, x); });
}

}  // namespace tessera::exec
