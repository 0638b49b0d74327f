// Shape and type inference for shape-family ops that add elements or build a
// tensor from shape information: Pad, DepthToSpace, SpaceToDepth, Trilu,
// ConstantOfShape, Range, Shape, Size, EyeLike.
#include <algorithm>
#include <cmath>

#include "tessera/graph/infer.h"
#include "tessera/graph/infer_shape_params.h"
#include "tessera/support/checked.h"
#include "tessera/support/error.h"

namespace tessera::graph {

void register_infer_shape_create(InferTable& t);

namespace {

void infer_pad(Graph& g, const Node& n) {
  check_arity(g, n, 2, 4);
  const Value& x = need_input(g, n, 0);
  const PadParams p = pad_params(g, n);
  if (const Value* c = g.input(n, 2)) {
    if (c->dtype != x.dtype)
      fail("{}: constant_value is {} but the data is {}; they must match", n.describe(), dtype_name(c->dtype),
           dtype_name(x.dtype));
    if (num_elements(c->shape) > 1)
      fail("{}: constant_value has shape {}; it must be a scalar", n.describe(), shape_str(c->shape));
  }
  Shape out = x.shape;
  for (size_t a = 0; a < out.size(); ++a)
    out[a] = dim_add(dim_add(out[a], p.begin[a], n, "a padded size"), p.end[a], n, "a padded size");
  set_output(g, n, 0, x.dtype, out);
}

int64_t blocksize(const Node& n) {
  const int64_t b = n.attr_int("blocksize", 0);
  if (b <= 0) fail("{}: attribute 'blocksize' must be a positive integer, got {}", n.describe(), b);
  return b;
}

const Value& nchw_input(const Graph& g, const Node& n) {
  check_arity(g, n, 1, 1);
  const Value& x = need_input(g, n, 0);
  if (x.shape.size() != 4) fail("{}: input shape {} is not 4-D NCHW", n.describe(), shape_str(x.shape));
  return x;
}

void infer_depth_to_space(Graph& g, const Node& n) {
  const Value& x = nchw_input(g, n);
  const int64_t b = blocksize(n);
  const std::string mode = n.attr_str("mode", "DCR");
  if (mode != "DCR" && mode != "CRD") fail("{}: mode '{}' is not DCR or CRD", n.describe(), mode);
  const int64_t b2 = dim_mul(b, b, n, "blocksize^2");
  if (x.shape[1] % b2 != 0)
    fail("{}: channels {} are not divisible by blocksize^2 = {}", n.describe(), x.shape[1], b2);
  set_output(g, n, 0, x.dtype,
             {x.shape[0], x.shape[1] / b2, dim_mul(x.shape[2], b, n, "the output height"),
              dim_mul(x.shape[3], b, n, "the output width")});
}

void infer_space_to_depth(Graph& g, const Node& n) {
  const Value& x = nchw_input(g, n);
  const int64_t b = blocksize(n);
  if (x.shape[2] % b != 0 || x.shape[3] % b != 0)
    fail("{}: height {} and width {} must be divisible by blocksize {}", n.describe(), x.shape[2], x.shape[3], b);
  const int64_t channels = dim_mul(x.shape[1], dim_mul(b, b, n, "blocksize^2"), n, "the output channels");
  set_output(g, n, 0, x.dtype, {x.shape[0], channels, x.shape[2] / b, x.shape[3] / b});
}

void infer_trilu(Graph& g, const Node& n) {
  check_arity(g, n, 1, 2);
  const Value& x = need_input(g, n, 0);
  if (x.shape.size() < 2) fail("{}: input shape {} has rank < 2; Trilu needs matrices", n.describe(), shape_str(x.shape));
  if (const Value* k = g.input(n, 1); k && num_elements(k->shape) != 1)
    fail("{}: k has shape {}; it must be a scalar", n.describe(), shape_str(k->shape));
  set_output(g, n, 0, x.dtype, x.shape);
}

void infer_constant_of_shape(Graph& g, const Node& n) {
  check_arity(g, n, 1, 1);
  const Shape shape = const_ints(g, n, 0);
  for (int64_t d : shape)
    if (d < 0) fail("{}: shape {} has a negative dimension", n.describe(), shape_str(shape));
  DType dtype = DType::F32;
  if (auto it = n.attrs.find("value"); it != n.attrs.end()) {
    const Tensor* v = std::get_if<Tensor>(&it->second);
    if (!v || v->size() != 1) fail("{}: attribute 'value' must be a one-element tensor", n.describe());
    dtype = v->dtype();
  }
  set_output(g, n, 0, dtype, shape);
}

// The number of elements Range produces, from its constant scalars.
int64_t range_length(const Graph& g, const Node& n) {
  for (size_t k = 0; k < 3; ++k) {
    const_ints(g, n, k);  // fails with the static-shape message when not constant
    const Value& v = need_input(g, n, k);
    if (num_elements(v.shape) != 1) fail("{}: input #{} has shape {}; it must be a scalar", n.describe(), k, shape_str(v.shape));
    if (v.dtype != need_input(g, n, 0).dtype)
      fail("{}: start, limit and delta must have one dtype", n.describe());
  }
  const Tensor& start = *need_input(g, n, 0).constant;
  const Tensor& limit = *need_input(g, n, 1).constant;
  const Tensor& delta = *need_input(g, n, 2).constant;
  if (delta.get_f64(0) == 0) fail("{}: delta is 0; it must be nonzero", n.describe());
  if (is_float(start.dtype())) {
    const double len = std::ceil((limit.get_f64(0) - start.get_f64(0)) / delta.get_f64(0));
    if (std::isnan(len)) fail("{}: start, limit and delta give no length (NaN); give finite values", n.describe());
    if (len <= 0) return 0;
    if (len > static_cast<double>(kMaxCount))
      fail("{}: the range from {} to {} by {} has more than 2^62 elements; check start, limit and delta",
           n.describe(), start.get_f64(0), limit.get_f64(0), delta.get_f64(0));
    return static_cast<int64_t>(len);
  }
  const int64_t step = delta.get_i64(0);
  const int64_t diff = dim_sub(limit.get_i64(0), start.get_i64(0), n, "the range's length (limit - start)");
  // ceil(diff / step) for same-signed diff and step, written so that no huge step wraps.
  if (step > 0) return diff > 0 ? (diff - 1) / step + 1 : 0;
  return diff < 0 ? (diff + 1) / step + 1 : 0;
}

void infer_range(Graph& g, const Node& n) {
  check_arity(g, n, 3, 3);
  const DType t = need_input(g, n, 0).dtype;
  if (t == DType::Bool || t == DType::U8 || t == DType::I8)
    fail("{}: Range does not accept {} inputs; use f32, f64, i16, i32 or i64", n.describe(), dtype_name(t));
  set_output(g, n, 0, t, {range_length(g, n)});
}

void infer_shape_op(Graph& g, const Node& n) {
  check_arity(g, n, 1, 1);
  const auto r = static_cast<int64_t>(need_input(g, n, 0).shape.size());
  auto clamp_end = [&](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + r : v, 0, r); };
  const int64_t start = clamp_end(n.attr_int("start", 0)), end = clamp_end(n.attr_int("end", r));
  set_output(g, n, 0, DType::I64, {std::max<int64_t>(end - start, 0)});
}

void infer_size(Graph& g, const Node& n) {
  check_arity(g, n, 1, 1);
  set_output(g, n, 0, DType::I64, {});
}

// EyeLike's dtype attribute: a dtype name, or the ONNX TensorProto code the
// importer passes through unchanged.
DType eye_dtype(const Node& n, DType fallback) {
  auto it = n.attrs.find("dtype");
  if (it == n.attrs.end()) return fallback;
  if (const auto* s = std::get_if<std::string>(&it->second))
    if (auto t = parse_dtype(*s)) return *t;
  if (const auto* code = std::get_if<int64_t>(&it->second)) {
    switch (*code) {
      case 1: return DType::F32;
      case 2: return DType::U8;
      case 3: return DType::I8;
      case 5: return DType::I16;
      case 6: return DType::I32;
      case 7: return DType::I64;
      case 9: return DType::Bool;
      case 11: return DType::F64;
      default: break;
    }
  }
  fail("{}: attribute 'dtype' names a type Tessera does not support; use f32, f64, i64, i32, i16, i8, u8 or bool",
       n.describe());
}

void infer_eye_like(Graph& g, const Node& n) {
  check_arity(g, n, 1, 1);
  const Value& x = need_input(g, n, 0);
  if (x.shape.size() != 2) fail("{}: input shape {} is not 2-D", n.describe(), shape_str(x.shape));
  set_output(g, n, 0, eye_dtype(n, x.dtype), x.shape);
}

}  // namespace

void register_infer_shape_create(InferTable& t) {
  t["Pad"] = &infer_pad;
  t["DepthToSpace"] = &infer_depth_to_space;
  t["SpaceToDepth"] = &infer_space_to_depth;
  t["Trilu"] = &infer_trilu;
  t["ConstantOfShape"] = &infer_constant_of_shape;
  t["Range"] = &infer_range;
  t["Shape"] = &infer_shape_op;
  t["Size"] = &infer_size;
  t["EyeLike"] = &infer_eye_like;
}

}  // namespace tessera::graph
