// Gradient rules of convolutions and pools, written with the forward ops
// themselves (graph/infer_conv.h's resolved windows give every geometry):
//  - Conv: dX = ConvTranspose(dY, W) with the same strides, dilations, pads and
//    group, and output_padding for the input positions no window reaches;
//    dW = a Conv of X over dY with the roles of stride and dilation swapped
//    (X as [C_in/g, g*N, ...], dY as the weight [C_out, N, ...], so each group
//    of the product is one group of the original); dB = dY summed.
//  - ConvTranspose: dX = Conv(dY, W), dW = Conv of dY over X, dB likewise.
//  - MaxPool, GlobalMaxPool: each dY goes to its window's argmax, read from
//    MaxPool's Indices output (recomputed when the node does not keep it) and
//    scatter-added. Ties: the first maximum in window order takes the whole
//    gradient (as PyTorch does), not an even share.
//  - AveragePool: dY / count (a constant per output position, computed here
//    for either count_include_pad) spread back by a ConvTranspose with a
//    kernel of ones, one image per (n, c) row; GlobalAveragePool: an Expand.
//  - LpPool, GlobalLpPool: the same spreading of dY y^(1-p), times
//    sign(x) |x|^(p-1).
// Pads of these products may come out negative; a negative pad crops the
// input first (conv_signed).
#include <fmt/format.h>

#include "tessera/autodiff/autodiff.h"
#include "tessera/autodiff/emitter.h"
#include "tessera/graph/infer_conv.h"
#include "tessera/support/error.h"

namespace tessera::autodiff {
namespace {

using graph::kNoValue;
using graph::Node;
using graph::Window;
using Grads = std::vector<ValueId>;

// 0, 1, 2, ... with the first two entries swapped: [A, B, rest] <-> [B, A, rest].
std::vector<int64_t> swap01(int64_t rank) {
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < rank; ++i) perm.push_back(i);
  std::swap(perm[0], perm[1]);
  return perm;
}

// Axes 0 and 2.. (every axis but the channels).
std::vector<int64_t> all_but_channels(int64_t rank) {
  std::vector<int64_t> axes = {0};
  for (int64_t a = 2; a < rank; ++a) axes.push_back(a);
  return axes;
}

// A Conv whose pads may be negative: a negative pad crops the input instead.
ValueId conv_signed(Emitter& e, ValueId x, ValueId w, const std::vector<int64_t>& strides,
                    const std::vector<int64_t>& dilations, std::vector<int64_t> pad_begin,
                    std::vector<int64_t> pad_end, int64_t group) {
  const Shape xs = e.shape(x);
  std::vector<int64_t> starts, ends, axes;
  for (size_t i = 0; i < pad_begin.size(); ++i) {
    if (pad_begin[i] >= 0 && pad_end[i] >= 0) continue;
    const int64_t lo = std::max<int64_t>(-pad_begin[i], 0), hi = xs[2 + i] - std::max<int64_t>(-pad_end[i], 0);
    TESSERA_CHECK(lo <= hi, "conv_signed: pads {}/{} crop all of spatial dim {} of size {}", pad_begin[i],
                  pad_end[i], i, xs[2 + i]);
    axes.push_back(static_cast<int64_t>(2 + i));
    starts.push_back(lo);
    ends.push_back(hi);
    pad_begin[i] = std::max<int64_t>(pad_begin[i], 0);
    pad_end[i] = std::max<int64_t>(pad_end[i], 0);
  }
  if (!axes.empty()) x = e.op("Slice", {x, e.ints(starts), e.ints(ends), e.ints(axes)});
  std::vector<int64_t> pads = pad_begin;
  pads.insert(pads.end(), pad_end.begin(), pad_end.end());
  return e.op("Conv", {x, w}, {{"strides", strides}, {"dilations", dilations}, {"pads", pads}, {"group", group}});
}

// The windows' fields, one vector each.
struct Geometry {
  std::vector<int64_t> strides, dilations, pad_begin, pad_end, kernel, in, out;
};

Geometry geometry(const std::vector<Window>& ws) {
  Geometry g;
  for (const Window& w : ws) {
    g.strides.push_back(w.stride);
    g.dilations.push_back(w.dilation);
    g.pad_begin.push_back(w.pad_begin);
    g.pad_end.push_back(w.pad_end);
    g.kernel.push_back(w.kernel);
    g.in.push_back(w.in);
    g.out.push_back(w.out);
  }
  return g;
}

// The adjoint of a sliding window (output o reads input o*stride + k*dilation
// - pad_begin) applied to dY with weights `w`: a ConvTranspose whose output
// has exactly the forward input's spatial size.
ValueId window_transpose(Emitter& e, ValueId dy, ValueId weights, const std::vector<Window>& ws, int64_t group) {
  std::vector<int64_t> strides, dilations, pads_begin, pads_end, out_pad;
  for (const Window& w : ws) {
    // Positions past the last window: output_padding, or a larger end pad
    // when a ceil_mode window overhangs the padded input.
    const int64_t extra = w.in + w.pad_begin + w.pad_end - w.span() - w.stride * (w.out - 1);
    strides.push_back(w.stride);
    dilations.push_back(w.dilation);
    pads_begin.push_back(w.pad_begin);
    pads_end.push_back(extra >= 0 ? w.pad_end : w.pad_end - extra);
    out_pad.push_back(std::max<int64_t>(extra, 0));
  }
  std::vector<int64_t> pads = pads_begin;
  pads.insert(pads.end(), pads_end.begin(), pads_end.end());
  return e.op("ConvTranspose", {dy, weights},
              {{"strides", strides}, {"dilations", dilations}, {"pads", pads}, {"output_padding", out_pad},
               {"group", group}});
}

// [N, C, sp..] -> [C/g, g*N, sp..]: channel c of group j becomes batch entry c,
// channel j*N + n.
ValueId batch_by_group(Emitter& e, ValueId v, int64_t group) {
  if (group == 1) return e.transpose(v, swap01(e.rank(v)));
  const Shape s = e.shape(v);
  Shape split = {s[0], group, s[1] / group};
  split.insert(split.end(), s.begin() + 2, s.end());
  std::vector<int64_t> perm = {2, 1, 0};
  for (size_t a = 3; a < split.size(); ++a) perm.push_back(static_cast<int64_t>(a));
  Shape merged = {s[1] / group, group * s[0]};
  merged.insert(merged.end(), s.begin() + 2, s.end());
  return e.reshape(e.transpose(e.reshape(v, split), perm), merged);
}

Grads g_conv(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId x = n.inputs[0], w = n.inputs[1];
  const std::vector<Window> ws = graph::conv_windows(e.graph(), n);
  const Geometry geo = geometry(ws);
  const int64_t group = n.attr_int("group", 1), rank = e.rank(x);
  Grads r(n.inputs.size(), kNoValue);
  if (differentiable(e.value(x))) r[0] = window_transpose(e, dy[0], w, ws, group);
  if (differentiable(e.value(w))) {
    // dW[m, c, k] = sum_{n,o} dY[n, m, o] X[n, c, o*s + k*d - pb]: a Conv over
    // o with stride d and dilation s, its end pad chosen for exactly k outputs.
    std::vector<int64_t> pad_end;
    for (const Window& wi : ws)
      pad_end.push_back((wi.kernel - 1) * wi.dilation + (wi.out - 1) * wi.stride + 1 - wi.in - wi.pad_begin);
    const ValueId z = conv_signed(e, batch_by_group(e, x, group), e.transpose(dy[0], swap01(rank)), geo.dilations,
                                  geo.strides, geo.pad_begin, pad_end, group);
    r[1] = e.transpose(z, swap01(rank));
  }
  if (n.inputs.size() > 2 && n.inputs[2] != kNoValue) r[2] = e.sum(dy[0], all_but_channels(rank), false);
  return r;
}

Grads g_conv_transpose(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId x = n.inputs[0], w = n.inputs[1];
  const std::vector<Window> ws = graph::conv_transpose_windows(e.graph(), n);
  const Geometry geo = geometry(ws);
  const int64_t group = n.attr_int("group", 1), rank = e.rank(x);
  Grads r(n.inputs.size(), kNoValue);
  if (differentiable(e.value(x))) {
    // dX[n, c, i] = sum_{m,k} dY[n, m, i*s + k*d - pb] W[c, m, k]: a Conv with
    // exactly `in` outputs.
    std::vector<int64_t> pad_end;
    for (const Window& wi : ws) pad_end.push_back(wi.stride * (wi.in - 1) + wi.span() - wi.out - wi.pad_begin);
    r[0] = conv_signed(e, dy[0], w, geo.strides, geo.dilations, geo.pad_begin, pad_end, group);
  }
  if (differentiable(e.value(w))) {
    // dW[c, m, k] = sum_{n,i} X[n, c, i] dY[n, m, i*s + k*d - pb]: a Conv of
    // dY over i with stride d and dilation s.
    std::vector<int64_t> pad_end;
    for (const Window& wi : ws)
      pad_end.push_back((wi.kernel - 1) * wi.dilation + (wi.in - 1) * wi.stride + 1 - wi.out - wi.pad_begin);
    const ValueId z = conv_signed(e, batch_by_group(e, dy[0], group), e.transpose(x, swap01(rank)), geo.dilations,
                                  geo.strides, geo.pad_begin, pad_end, group);
    r[1] = e.transpose(z, swap01(rank));
  }
  if (n.inputs.size() > 2 && n.inputs[2] != kNoValue) r[2] = e.sum(dy[0], all_but_channels(rank), false);
  return r;
}

// Scatter-adds dY to the flat positions MaxPool's Indices name (storage_order 0).
ValueId route_to_argmax(Emitter& e, ValueId x, ValueId indices, ValueId dy) {
  const Shape xs = e.shape(x);
  const int64_t count = num_elements(e.shape(dy));
  const ValueId flat = e.op("ScatterElements",
                            {e.zeros({num_elements(xs)}, e.dtype(x)), e.reshape(indices, {count}),
                             e.reshape(dy, {count})},
                            {{"axis", int64_t{0}}, {"reduction", std::string("add")}});
  return e.reshape(flat, xs);
}

// A MaxPool of x with `attrs` and its Indices output, row-major.
ValueId argmax_indices(Emitter& e, ValueId x, Attrs attrs) {
  attrs["storage_order"] = int64_t{0};
  return e.op_n("MaxPool", {x}, 2, std::move(attrs))[1];
}

Grads g_max_pool(Emitter& e, const Node& n, const Grads& dy) {
  if (dy[0] == kNoValue) return {};
  const bool kept = n.outputs.size() > 1 && n.outputs[1] != kNoValue && n.attr_int("storage_order", 0) == 0;
  const ValueId indices = kept ? n.outputs[1] : argmax_indices(e, n.inputs[0], n.attrs);
  return {route_to_argmax(e, n.inputs[0], indices, dy[0])};
}

Grads g_global_max_pool(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId x = n.inputs[0];
  const Shape xs = e.shape(x);
  const ValueId indices = argmax_indices(e, x, {{"kernel_shape", std::vector<int64_t>(xs.begin() + 2, xs.end())}});
  return {route_to_argmax(e, x, indices, dy[0])};
}

// Per output position, the number of window elements AveragePool divides by
// (as lower/conv_pool.cpp counts them): a constant [1, 1, out..].
Tensor average_counts(const std::vector<Window>& ws, DType dtype, bool include_pad) {
  Shape shape = {1, 1};
  std::vector<std::vector<double>> per_dim;
  for (const Window& w : ws) {
    shape.push_back(w.out);
    const int64_t lo = include_pad ? -w.pad_begin : 0, hi = include_pad ? w.in + w.pad_end : w.in;
    std::vector<double> counts;
    for (int64_t o = 0; o < w.out; ++o) {
      int64_t c = 0;
      for (int64_t k = 0; k < w.kernel; ++k) {
        const int64_t pos = o * w.stride + k * w.dilation - w.pad_begin;
        c += pos >= lo && pos < hi ? 1 : 0;
      }
      counts.push_back(static_cast<double>(c));
    }
    per_dim.push_back(std::move(counts));
  }
  Tensor t(dtype, shape);
  std::vector<int64_t> pos(ws.size(), 0);
  for (int64_t i = 0; i < t.size(); ++i) {
    double c = 1;
    for (size_t d = 0; d < ws.size(); ++d) c *= per_dim[d][static_cast<size_t>(pos[d])];
    t.set_f64(i, c == 0 ? 0.0 : 1.0 / c);
    for (size_t d = ws.size(); d-- > 0;) {
      if (++pos[d] < ws[d].out) break;
      pos[d] = 0;
    }
  }
  return t;
}

// The adjoint of summing every window of a pool: one single-channel image per
// (n, c) row through a ConvTranspose with a [1, 1, k..] kernel of ones.
ValueId spread_windows(Emitter& e, ValueId v, const Shape& xs, const std::vector<Window>& ws) {
  Shape rows = {xs[0] * xs[1], 1}, kernel = {1, 1};
  for (const Window& w : ws) rows.push_back(w.out), kernel.push_back(w.kernel);
  Tensor ones(e.dtype(v), kernel);
  for (int64_t i = 0; i < ones.size(); ++i) ones.set_f64(i, 1.0);
  return e.reshape(window_transpose(e, e.reshape(v, rows), e.constant(std::move(ones), "ones"), ws, 1), xs);
}

Grads g_average_pool(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId x = n.inputs[0];
  const Shape xs = e.shape(x);
  const std::vector<Window> ws = graph::pool_windows(e.graph(), n);
  const Tensor inverse = average_counts(ws, e.dtype(x), n.attr_int("count_include_pad", 0) != 0);
  return {spread_windows(e, e.mul(dy[0], e.constant(inverse, "inverse_count")), xs, ws)};
}

// y = (sum |x|^p)^(1/p): dX = spread(dY y^(1-p)) sign(x) |x|^(p-1), written
// without Pow for p = 1, 2. Where y = 0 the gradient is NaN (as in PyTorch).
ValueId lp_outer(Emitter& e, ValueId dy, ValueId y, double p) {
  if (p == 1) return dy;
  if (p == 2) return e.div(dy, y);
  return e.mul(dy, e.op("Pow", {y, e.scalar(1 - p, e.dtype(y))}));
}
ValueId lp_inner(Emitter& e, ValueId x, double p) {
  if (p == 1) return e.op("Sign", {x});
  if (p == 2) return x;
  return e.mul(e.op("Sign", {x}), e.op("Pow", {e.op("Abs", {x}), e.scalar(p - 1, e.dtype(x))}));
}

Grads g_lp_pool(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId x = n.inputs[0];
  const Shape xs = e.shape(x);
  const double p = n.attr_float("p", 2.0);
  const std::vector<Window> ws = graph::pool_windows(e.graph(), n);
  return {e.mul(spread_windows(e, lp_outer(e, dy[0], n.outputs[0], p), xs, ws), lp_inner(e, x, p))};
}

Grads g_global_lp_pool(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId x = n.inputs[0];
  const Shape xs = e.shape(x);
  const double p = n.attr_float("p", 2.0);
  return {e.mul(e.expand(lp_outer(e, dy[0], n.outputs[0], p), xs), lp_inner(e, x, p))};
}

Grads g_global_average_pool(Emitter& e, const Node& n, const Grads& dy) {
  const Shape xs = e.shape(n.inputs[0]);
  const int64_t count = num_elements(Shape(xs.begin() + 2, xs.end()));
  return {e.expand(e.scale(dy[0], count == 0 ? 0.0 : 1.0 / static_cast<double>(count)), xs)};
}

}  // namespace

void register_grad_conv(GradTable& t) {
  t["Conv"] = g_conv;
  t["ConvTranspose"] = g_conv_transpose;
  t["MaxPool"] = g_max_pool;
  t["GlobalMaxPool"] = g_global_max_pool;
  t["AveragePool"] = g_average_pool;
  t["GlobalAveragePool"] = g_global_average_pool;
  t["LpPool"] = g_lp_pool;
  t["GlobalLpPool"] = g_global_lp_pool;
}

}  // namespace tessera::autodiff
