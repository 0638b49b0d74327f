// Shape and type inference for elementwise ops: unary math and activations,
// broadcasting binary and variadic arithmetic, comparisons and logic, Where,
// Clip, PRelu, Pow and the casts. The output shape is the NumPy broadcast of the
// inputs; the dtype is the first input's (bool for comparisons and predicates,
// the target type for casts). Each rule rejects dtypes ONNX does not allow for
// the op, and mixed dtypes where ONNX requires one type.
#include <fmt/format.h>

#include <cstdint>
#include <limits>
#include <string>

#include "tessera/graph/infer.h"
#include "tessera/support/error.h"

namespace tessera::graph {
namespace {

constexpr uint32_t bit(DType t) { return 1u << static_cast<uint32_t>(t); }
constexpr uint32_t kFloat = bit(DType::F32) | bit(DType::F64);
constexpr uint32_t kSignedInt = bit(DType::I64) | bit(DType::I32) | bit(DType::I16) | bit(DType::I8);
constexpr uint32_t kSigned = kFloat | kSignedInt;
constexpr uint32_t kNumeric = kSigned | bit(DType::U8);
constexpr uint32_t kBool = bit(DType::Bool);
constexpr uint32_t kAny = kNumeric | kBool;
constexpr size_t kManyInputs = std::numeric_limits<size_t>::max();

std::string allowed_text(uint32_t mask) {
  std::string out;
  for (DType t : {DType::F32, DType::F64, DType::I64, DType::I32, DType::I16, DType::I8, DType::U8,
                  DType::Bool})
    if (mask & bit(t)) out += (out.empty() ? "" : ", ") + std::string(dtype_name(t));
  return out;
}

void check_dtype(const Node& n, const Value& v, uint32_t allowed) {
  if (allowed & bit(v.dtype)) return;
  fail("{}: input '{}' has dtype {}, which this operator does not accept (it takes {}); insert a Cast",
       n.describe(), v.name, dtype_name(v.dtype), allowed_text(allowed));
}

// ONNX requires these inputs to share one type; a model that mixes them is invalid.
void check_same_dtype(const Node& n, const Value& a, const Value& b) {
  if (a.dtype != b.dtype)
    fail("{}: inputs '{}' ({}) and '{}' ({}) must have the same dtype; insert a Cast", n.describe(), a.name,
         dtype_name(a.dtype), b.name, dtype_name(b.dtype));
}

template <uint32_t Allowed>
void infer_unary(Graph& g, const Node& n) {
  check_arity(g, n, 1, 1);
  const Value& x = need_input(g, n, 0);
  check_dtype(n, x, Allowed);
  set_output(g, n, 0, x.dtype, x.shape);
}

// Gelu from opset 20, which exporters emit ahead of their declared opset.
void infer_gelu(Graph& g, const Node& n) {
  const std::string approx = n.attr_str("approximate", "none");
  if (approx != "none" && approx != "tanh")
    fail("{}: attribute approximate must be \"none\" or \"tanh\", got \"{}\"", n.describe(), approx);
  infer_unary<kFloat>(g, n);
}

// IsNaN, IsInf: float in, bool out.
void infer_predicate(Graph& g, const Node& n) {
  check_arity(g, n, 1, 1);
  const Value& x = need_input(g, n, 0);
  check_dtype(n, x, kFloat);
  set_output(g, n, 0, DType::Bool, x.shape);
}

template <uint32_t Allowed, bool ToBool>
void infer_binary(Graph& g, const Node& n) {
  check_arity(g, n, 2, 2);
  const Value& a = need_input(g, n, 0);
  const Value& b = need_input(g, n, 1);
  check_dtype(n, a, Allowed);
  check_same_dtype(n, a, b);
  set_output(g, n, 0, ToBool ? DType::Bool : a.dtype, broadcast(a.shape, b.shape, n));
}

// Min, Max, Sum, Mean: one or more inputs of one dtype, all broadcast together.
template <uint32_t Allowed>
void infer_variadic(Graph& g, const Node& n) {
  check_arity(g, n, 1, kManyInputs);
  const Value& first = need_input(g, n, 0);
  check_dtype(n, first, Allowed);
  Shape shape = first.shape;
  for (size_t k = 1; k < n.inputs.size(); ++k) {
    const Value& v = need_input(g, n, k);
    check_same_dtype(n, first, v);
    shape = broadcast(shape, v.shape, n);
  }
  set_output(g, n, 0, first.dtype, shape);
}

// The exponent may have another numeric dtype than the base; the result has the base's.
void infer_pow(Graph& g, const Node& n) {
  check_arity(g, n, 2, 2);
  const Value& base = need_input(g, n, 0);
  const Value& expo = need_input(g, n, 1);
  check_dtype(n, base, kNumeric);
  check_dtype(n, expo, kNumeric);
  set_output(g, n, 0, base.dtype, broadcast(base.shape, expo.shape, n));
}

void infer_mod(Graph& g, const Node& n) {
  int64_t fmod = n.attr_int("fmod", 0);
  if (fmod != 0 && fmod != 1) fail("{}: attribute fmod must be 0 or 1, got {}", n.describe(), fmod);
  infer_binary<kNumeric, false>(g, n);
}

void infer_where(Graph& g, const Node& n) {
  check_arity(g, n, 3, 3);
  const Value& cond = need_input(g, n, 0);
  const Value& x = need_input(g, n, 1);
  const Value& y = need_input(g, n, 2);
  check_dtype(n, cond, kBool);
  check_same_dtype(n, x, y);
  set_output(g, n, 0, x.dtype, broadcast(broadcast(cond.shape, x.shape, n), y.shape, n));
}

// Bounds are optional inputs 1 and 2; ONNX makes them scalars (we also accept [1]).
void infer_clip(Graph& g, const Node& n) {
  check_arity(g, n, 1, 3);
  const Value& x = need_input(g, n, 0);
  check_dtype(n, x, kNumeric);
  for (size_t k = 1; k < n.inputs.size(); ++k) {
    const Value* bound = g.input(n, k);
    if (!bound) continue;
    check_same_dtype(n, x, *bound);
    if (num_elements(bound->shape) != 1)
      fail("{}: bound '{}' has shape {}; Clip's min and max must be scalars", n.describe(), bound->name,
           shape_str(bound->shape));
  }
  set_output(g, n, 0, x.dtype, x.shape);
}

// ONNX says slope broadcasts to X; accepting any mutual broadcast is a harmless superset.
void infer_prelu(Graph& g, const Node& n) {
  check_arity(g, n, 2, 2);
  const Value& x = need_input(g, n, 0);
  const Value& slope = need_input(g, n, 1);
  check_dtype(n, x, kSigned);
  check_same_dtype(n, x, slope);
  set_output(g, n, 0, x.dtype, broadcast(x.shape, slope.shape, n));
}

std::string onnx_dtype_text(int64_t code) {
  switch (code) {
    case 4: return "uint16";
    case 8: return "string";
    case 10: return "float16";
    case 12: return "uint32";
    case 13: return "uint64";
    case 14: return "complex64";
    case 15: return "complex128";
    case 16: return "bfloat16";
    default: return "unknown";
  }
}

// ONNX TensorProto.DataType codes of the dtypes Tessera has.
DType dtype_from_onnx(int64_t code, const Node& n) {
  switch (code) {
    case 1: return DType::F32;
    case 2: return DType::U8;
    case 3: return DType::I8;
    case 5: return DType::I16;
    case 6: return DType::I32;
    case 7: return DType::I64;
    case 9: return DType::Bool;
    case 11: return DType::F64;
    default:
      fail("{}: cast to ONNX dtype code {} ({}) is not supported; Tessera handles float, double, int8, "
           "int16, int32, int64, uint8 and bool",
           n.describe(), code, onnx_dtype_text(code));
  }
}

void infer_cast(Graph& g, const Node& n) {
  check_arity(g, n, 1, 1);
  const Value& x = need_input(g, n, 0);
  if (!n.has("to")) fail("{}: attribute 'to' (the target dtype) is missing", n.describe());
  set_output(g, n, 0, dtype_from_onnx(n.attr_int("to", 0), n), x.shape);
}

void infer_cast_like(Graph& g, const Node& n) {
  check_arity(g, n, 2, 2);
  const Value& x = need_input(g, n, 0);
  const Value& like = need_input(g, n, 1);
  set_output(g, n, 0, like.dtype, x.shape);
}

}  // namespace

void register_infer_elementwise(InferTable& t) {
  for (const char* op : {"Sqrt", "Reciprocal", "Exp", "Log", "Tanh", "Sigmoid", "Erf", "LeakyRelu", "Elu",
                         "Selu", "Celu", "HardSigmoid", "HardSwish", "Softplus", "Softsign",
                         "ThresholdedRelu", "Floor", "Ceil", "Round", "Sin", "Cos", "Tan", "Asin", "Acos",
                         "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh"})
    t[op] = &infer_unary<kFloat>;
  t["Gelu"] = &infer_gelu;
  t["Neg"] = &infer_unary<kSigned>;
  t["Relu"] = &infer_unary<kSigned>;
  t["Abs"] = &infer_unary<kNumeric>;
  t["Sign"] = &infer_unary<kNumeric>;
  t["Shrink"] = &infer_unary<kNumeric>;
  t["Not"] = &infer_unary<kBool>;
  t["Identity"] = &infer_unary<kAny>;
  t["IsNaN"] = &infer_predicate;
  t["IsInf"] = &infer_predicate;
  for (const char* op : {"Add", "Sub", "Mul", "Div"}) t[op] = &infer_binary<kNumeric, false>;
  t["Mod"] = &infer_mod;
  t["Pow"] = &infer_pow;
  t["Equal"] = &infer_binary<kAny, true>;
  for (const char* op : {"Less", "Greater", "LessOrEqual", "GreaterOrEqual"})
    t[op] = &infer_binary<kNumeric, true>;
  for (const char* op : {"And", "Or", "Xor"}) t[op] = &infer_binary<kBool, true>;
  t["Min"] = &infer_variadic<kNumeric>;
  t["Max"] = &infer_variadic<kNumeric>;
  t["Sum"] = &infer_variadic<kNumeric>;
  t["Mean"] = &infer_variadic<kFloat>;
  t["Where"] = &infer_where;
  t["Clip"] = &infer_clip;
  t["PRelu"] = &infer_prelu;
  t["Cast"] = &infer_cast;
  t["CastLike"] = &infer_cast_like;
}

}  // namespace tessera::graph
