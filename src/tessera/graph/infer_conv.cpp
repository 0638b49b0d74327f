// Shape and type inference for Conv, ConvTranspose and the pools, plus the
// window geometry shared with lower/conv.cpp and lower/conv_pool.cpp.
#include "tessera/graph/infer_conv.h"

#include "tessera/graph/infer.h"
#include "tessera/support/error.h"

namespace tessera::graph {
namespace {

// For b >= 1 and |a| <= 2^62 (the dim_* helpers keep them there); neither
// form adds b to a, so a huge stride cannot wrap.
int64_t ceil_div(int64_t a, int64_t b) { return a > 0 ? (a - 1) / b + 1 : -((-a) / b); }
// Python's a // b (the ONNX spec's pseudo-code divides that way).
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a - 1) / b + 1); }

// The window's extent (kernel - 1) * dilation + 1, checked, so that
// Window::span() is safe to call afterwards.
void check_span(const Window& w, const Node& n) {
  dim_add(dim_mul(w.kernel - 1, w.dilation, n, "the window's extent (kernel x dilation)"), 1, n,
          "the window's extent (kernel x dilation)");
}

std::vector<int64_t> per_dim(const Node& n, const char* key, size_t count, int64_t fallback, int64_t min) {
  std::vector<int64_t> v = n.attr_ints(key, std::vector<int64_t>(count, fallback));
  if (v.size() != count)
    fail("{}: attribute '{}' has {} entries, expected {} for {} spatial dims", n.describe(), key, v.size(), count,
         std::string(key) == "pads" ? count / 2 : count);
  for (int64_t x : v)
    if (x < min) fail("{}: attribute '{}' has the value {}; it must be >= {}", n.describe(), key, x, min);
  return v;
}

std::string auto_pad_of(const Node& n) {
  std::string a = n.attr_str("auto_pad", "NOTSET");
  if (a != "NOTSET" && a != "SAME_UPPER" && a != "SAME_LOWER" && a != "VALID")
    fail("{}: unknown auto_pad '{}' (use NOTSET, SAME_UPPER, SAME_LOWER or VALID)", n.describe(), a);
  return a;
}

const Value& spatial_input(const Graph& g, const Node& n) {
  const Value& x = need_input(g, n, 0);
  if (x.shape.size() < 3)
    fail("{}: input '{}' must be [N, C, spatial...] (rank >= 3), got {}", n.describe(), x.name, shape_str(x.shape));
  return x;
}

// Conv/pool output size per dim. With ceil_mode a last window that would start
// inside the end padding is dropped (as in the ONNX reference and PyTorch).
std::vector<Window> sliding(const Node& n, const Shape& in, const Shape& kernel, bool ceil_mode) {
  const size_t d = in.size();
  const auto strides = per_dim(n, "strides", d, 1, 1);
  const auto dilations = per_dim(n, "dilations", d, 1, 1);
  const auto pads = per_dim(n, "pads", 2 * d, 0, 0);
  const std::string auto_pad = auto_pad_of(n);
  std::vector<Window> ws(d);
  for (size_t i = 0; i < d; ++i) {
    Window& w = ws[i];
    w.in = in[i], w.kernel = kernel[i], w.stride = strides[i], w.dilation = dilations[i];
    if (w.kernel < 1) fail("{}: kernel size {} in dim {} must be >= 1", n.describe(), w.kernel, i);
    check_span(w, n);
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      w.out = ceil_div(w.in, w.stride);
      const int64_t covered = dim_add(dim_mul(w.out - 1, w.stride, n, "the padded input size"),
                                      w.span(), n, "the padded input size");
      const int64_t total = std::max<int64_t>(0, covered - w.in);
      w.pad_begin = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      w.pad_end = total - w.pad_begin;
      continue;
    }
    if (auto_pad == "NOTSET") w.pad_begin = pads[i], w.pad_end = pads[i + d];
    const int64_t padded = dim_add(dim_add(w.in, w.pad_begin, n, "the padded input size"), w.pad_end, n,
                                   "the padded input size");
    const int64_t room = padded - w.span();
    if (room < 0)
      fail("{}: the window (kernel {} x dilation {}) is larger than the padded input ({}) in spatial dim {}",
           n.describe(), w.kernel, w.dilation, padded, i);
    const bool ceil = ceil_mode && auto_pad == "NOTSET";  // VALID's formula has no ceil variant
    w.out = (ceil ? ceil_div(room, w.stride) : room / w.stride) + 1;
    // (out - 1) * stride >= in + pad_begin, without the product (stride may be huge).
    if (ceil && w.out - 1 >= ceil_div(w.in + w.pad_begin, w.stride)) --w.out;
  }
  return ws;
}

Shape spatial_of(const Shape& s) { return Shape(s.begin() + 2, s.end()); }

void check_float(const Value& v, const Node& n) {
  if (!is_float(v.dtype))
    fail("{}: input '{}' is {}; this operator needs f32 or f64", n.describe(), v.name, dtype_name(v.dtype));
}

void check_kernel_shape(const Node& n, const Shape& from_weights) {
  if (n.has("kernel_shape") && n.attr_ints("kernel_shape") != from_weights)
    fail("{}: kernel_shape {} disagrees with the weights' spatial shape {}", n.describe(),
         shape_str(n.attr_ints("kernel_shape")), shape_str(from_weights));
}

// Shared checks of Conv/ConvTranspose: X, W ranks and dtypes, group, bias.
int64_t conv_group(const Graph& g, const Node& n, int64_t bias_size) {
  const Value& x = spatial_input(g, n);
  const Value& w = need_input(g, n, 1);
  check_float(x, n);
  if (w.dtype != x.dtype) fail("{}: X is {} but W is {}; insert a Cast", n.describe(), dtype_name(x.dtype), dtype_name(w.dtype));
  if (w.shape.size() != x.shape.size())
    fail("{}: W {} must have the same rank as X {}", n.describe(), shape_str(w.shape), shape_str(x.shape));
  const int64_t group = n.attr_int("group", 1);
  if (group < 1) fail("{}: group must be >= 1, got {}", n.describe(), group);
  if (const Value* b = g.input(n, 2)) {
    if (b->shape != Shape{bias_size} || b->dtype != x.dtype)
      fail("{}: bias B must be {}[{}], got {}{}", n.describe(), dtype_name(x.dtype), bias_size, dtype_name(b->dtype),
           shape_str(b->shape));
  }
  return group;
}

void infer_conv(Graph& g, const Node& n) {
  check_arity(g, n, 2, 3);
  const auto ws = conv_windows(g, n);
  const Value& x = need_input(g, n, 0);
  Shape out{x.shape[0], need_input(g, n, 1).shape[0]};
  for (const Window& w : ws) out.push_back(w.out);
  set_output(g, n, 0, x.dtype, out);
}

void infer_conv_transpose(Graph& g, const Node& n) {
  check_arity(g, n, 2, 3);
  const auto ws = conv_transpose_windows(g, n);
  const Value& x = need_input(g, n, 0);
  Shape out{x.shape[0], dim_mul(need_input(g, n, 1).shape[1], n.attr_int("group", 1), n, "the output channels")};
  for (const Window& w : ws) out.push_back(w.out);
  set_output(g, n, 0, x.dtype, out);
}

void infer_pool(Graph& g, const Node& n) {
  check_arity(g, n, 1, 1);
  const auto ws = pool_windows(g, n);
  const Value& x = need_input(g, n, 0);
  if (n.op != "MaxPool") check_float(x, n);
  if (x.dtype == DType::Bool) fail("{}: bool input is not supported; Cast it to a number type", n.describe());
  const int64_t order = n.attr_int("storage_order", 0);
  if (order != 0 && order != 1) fail("{}: storage_order must be 0 or 1, got {}", n.describe(), order);
  Shape out{x.shape[0], x.shape[1]};
  for (const Window& w : ws) out.push_back(w.out);
  set_output(g, n, 0, x.dtype, out);
  if (n.op == "MaxPool") set_output(g, n, 1, DType::I64, out);
}

void infer_global_pool(Graph& g, const Node& n) {
  check_arity(g, n, 1, 1);
  const Value& x = spatial_input(g, n);
  if (n.op != "GlobalMaxPool") check_float(x, n);
  if (x.dtype == DType::Bool) fail("{}: bool input is not supported; Cast it to a number type", n.describe());
  Shape out(x.shape.size(), 1);
  out[0] = x.shape[0], out[1] = x.shape[1];
  set_output(g, n, 0, x.dtype, out);
}

}  // namespace

std::vector<Window> conv_windows(const Graph& g, const Node& n) {
  const Value& x = spatial_input(g, n);
  const int64_t m = need_input(g, n, 1).shape.empty() ? 0 : need_input(g, n, 1).shape[0];
  const int64_t group = conv_group(g, n, m);
  const Shape& ws = need_input(g, n, 1).shape;
  const int64_t expected = dim_mul(ws[1], group, n, "W's dim 1 times group");
  if (expected != x.shape[1])
    fail("{}: X has {} channels but W {} with group={} expects {} (W's dim 1 times group)", n.describe(),
         x.shape[1], shape_str(ws), group, expected);
  if (m % group != 0)
    fail("{}: W's {} output channels are not divisible by group={}", n.describe(), m, group);
  check_kernel_shape(n, spatial_of(ws));
  return sliding(n, spatial_of(x.shape), spatial_of(ws), false);
}

std::vector<Window> conv_transpose_windows(const Graph& g, const Node& n) {
  const Value& x = spatial_input(g, n);
  const Shape& ws = need_input(g, n, 1).shape;
  const int64_t group =
      conv_group(g, n, ws.size() > 1 ? dim_mul(ws[1], std::max<int64_t>(n.attr_int("group", 1), 1), n, "the output channels") : 0);
  if (ws[0] != x.shape[1])
    fail("{}: X has {} channels but W {} expects {} (W's dim 0)", n.describe(), x.shape[1], shape_str(ws), ws[0]);
  if (x.shape[1] % group != 0)
    fail("{}: X's {} channels are not divisible by group={}", n.describe(), x.shape[1], group);
  check_kernel_shape(n, spatial_of(ws));
  const size_t d = x.shape.size() - 2;
  const auto strides = per_dim(n, "strides", d, 1, 1);
  const auto dilations = per_dim(n, "dilations", d, 1, 1);
  const auto pads = per_dim(n, "pads", 2 * d, 0, 0);
  const auto out_pad = per_dim(n, "output_padding", d, 0, 0);
  std::vector<int64_t> out_shape = n.attr_ints("output_shape");
  if (out_shape.size() == d + 2) out_shape.erase(out_shape.begin(), out_shape.begin() + 2);
  if (!out_shape.empty() && out_shape.size() != d)
    fail("{}: output_shape has {} entries, expected {} (the spatial dims)", n.describe(), out_shape.size(), d);
  const std::string auto_pad = auto_pad_of(n);
  std::vector<Window> res(d);
  for (size_t i = 0; i < d; ++i) {
    Window& w = res[i];
    w.in = x.shape[2 + i], w.kernel = ws[2 + i], w.stride = strides[i], w.dilation = dilations[i];
    check_span(w, n);
    constexpr std::string_view kFull = "the full output size (stride x (in - 1) + output_padding + window)";
    const int64_t full = dim_add(dim_add(dim_mul(w.stride, w.in - 1, n, kFull), out_pad[i], n, kFull), w.span(), n, kFull);
    if (!out_shape.empty() || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      w.out = out_shape.empty() ? dim_mul(w.in, w.stride, n, "the output size (in x stride)") : out_shape[i];
      if (w.out < 0) fail("{}: output_shape has a negative size {} in spatial dim {}", n.describe(), w.out, i);
      const int64_t total = dim_sub(full, w.out, n, "the total padding");
      w.pad_begin = auto_pad == "SAME_UPPER" ? floor_div(total, 2) : total - floor_div(total, 2);
      w.pad_end = total - w.pad_begin;
    } else {
      if (auto_pad == "NOTSET") w.pad_begin = pads[i], w.pad_end = pads[i + d];
      w.out = dim_sub(dim_sub(full, w.pad_begin, n, "the output size"), w.pad_end, n, "the output size");
    }
    if (w.out < 0) fail("{}: the pads leave a negative output size in spatial dim {}", n.describe(), i);
  }
  return res;
}

std::vector<Window> pool_windows(const Graph& g, const Node& n) {
  const Value& x = spatial_input(g, n);
  if (!n.has("kernel_shape")) fail("{}: attribute 'kernel_shape' is required", n.describe());
  const Shape kernel = n.attr_ints("kernel_shape");
  if (kernel.size() != x.shape.size() - 2)
    fail("{}: kernel_shape {} must have one entry per spatial dim of {}", n.describe(), shape_str(kernel),
         shape_str(x.shape));
  return sliding(n, spatial_of(x.shape), kernel, n.attr_int("ceil_mode", 0) != 0);
}

void register_infer_conv(InferTable& t) {
  t["Conv"] = &infer_conv;
  t["ConvTranspose"] = &infer_conv_transpose;
  t["MaxPool"] = &infer_pool;
  t["AveragePool"] = &infer_pool;
  t["LpPool"] = &infer_pool;
  t["GlobalAveragePool"] = &infer_global_pool;
  t["GlobalMaxPool"] = &infer_global_pool;
  t["GlobalLpPool"] = &infer_global_pool;
}

}  // namespace tessera::graph
