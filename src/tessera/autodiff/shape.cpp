// Gradient rules of shape and layout ops: each is the adjoint index remap.
// Reshape-likes reshape back, Transpose applies the inverse permutation,
// Concat and Split swap roles, Slice pads (or scatters, for strided slices),
// Pad slices, Expand and Tile sum the copies.
#include <fmt/format.h>

#include "tessera/autodiff/autodiff.h"
#include "tessera/autodiff/emitter.h"
#include "tessera/graph/infer_shape_params.h"
#include "tessera/support/error.h"

namespace tessera::autodiff {
namespace {

using graph::kNoValue;
using graph::Node;
using Grads = std::vector<ValueId>;

Grads g_reshape(Emitter& e, const Node& n, const Grads& dy) { return {e.reshape(dy[0], e.shape(n.inputs[0]))}; }

Grads g_transpose(Emitter& e, const Node& n, const Grads& dy) {
  const int64_t r = e.rank(n.inputs[0]);
  std::vector<int64_t> perm = n.attr_ints("perm");
  if (perm.empty())
    for (int64_t i = r - 1; i >= 0; --i) perm.push_back(i);
  std::vector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[static_cast<size_t>(perm[i])] = static_cast<int64_t>(i);
  return {e.transpose(dy[0], inv)};
}

Grads g_expand(Emitter& e, const Node& n, const Grads& dy) { return {e.unbroadcast(dy[0], e.shape(n.inputs[0]))}; }

Grads g_tile(Emitter& e, const Node& n, const Grads& dy) {
  const Shape& x = e.shape(n.inputs[0]);
  const Shape& y = e.shape(dy[0]);
  Shape split;
  std::vector<int64_t> axes;
  for (size_t d = 0; d < x.size(); ++d) {
    axes.push_back(static_cast<int64_t>(split.size()));
    split.push_back(x[d] == 0 ? 0 : y[d] / x[d]);
    split.push_back(x[d]);
  }
  return {e.reshape(e.sum(e.reshape(dy[0], split), axes, false), x)};
}

Grads g_concat(Emitter& e, const Node& n, const Grads& dy) {
  const int64_t axis = graph::normalize_axis(n.attr_int("axis", 0), e.rank(dy[0]), n);
  Grads r;
  int64_t start = 0;
  for (ValueId x : n.inputs) {
    const int64_t size = e.shape(x)[static_cast<size_t>(axis)];
    if (differentiable(e.value(x)))
      r.push_back(e.op("Slice", {dy[0], e.ints({start}), e.ints({start + size}), e.ints({axis})}));
    else
      r.push_back(kNoValue);
    start += size;
  }
  return r;
}

Grads g_split(Emitter& e, const Node& n, const Grads& dy) {
  const int64_t axis = graph::normalize_axis(n.attr_int("axis", 0), e.rank(n.inputs[0]), n);
  std::vector<ValueId> parts;
  for (size_t k = 0; k < n.outputs.size(); ++k) {
    const ValueId o = n.outputs[k];
    parts.push_back(dy[k] != kNoValue ? dy[k] : e.zeros(e.shape(o), e.dtype(o)));
  }
  return {parts.size() == 1 ? parts[0] : e.op("Concat", parts, {{"axis", axis}})};
}

// Pads (negative: crops) `v` by begin/end per axis, in two steps: a Slice for
// the crops, a constant Pad for the rest.
ValueId pad_or_crop(Emitter& e, ValueId v, const std::vector<int64_t>& begin, const std::vector<int64_t>& end) {
  const Shape& s = e.shape(v);
  std::vector<int64_t> starts, ends, axes, pads(2 * s.size(), 0);
  bool crop = false, pad = false;
  for (size_t d = 0; d < s.size(); ++d) {
    if (begin[d] < 0 || end[d] < 0) {
      crop = true;
      axes.push_back(static_cast<int64_t>(d));
      starts.push_back(std::max<int64_t>(-begin[d], 0));
      ends.push_back(s[d] - std::max<int64_t>(-end[d], 0));
    }
    pads[d] = std::max<int64_t>(begin[d], 0);
    pads[d + s.size()] = std::max<int64_t>(end[d], 0);
    pad = pad || pads[d] > 0 || pads[d + s.size()] > 0;
  }
  if (crop) v = e.op("Slice", {v, e.ints(starts), e.ints(ends), e.ints(axes)});
  if (pad) v = e.op("Pad", {v, e.ints(pads)}, {{"mode", std::string("constant")}});
  return v;
}

Grads g_slice(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId x = n.inputs[0];
  const Shape& xs = e.shape(x);
  const std::vector<graph::SliceAxis> ax = graph::slice_params(e.graph(), n);
  bool unit = true;
  for (const auto& a : ax) unit = unit && (a.step == 1 || a.size <= 1);
  if (unit) {
    std::vector<int64_t> begin, end;
    for (size_t d = 0; d < xs.size(); ++d) {
      begin.push_back(ax[d].size == 0 ? 0 : ax[d].start);
      end.push_back(xs[d] - begin.back() - ax[d].size);
    }
    return {pad_or_crop(e, dy[0], begin, end)};
  }
  // Strided: scatter dY's elements to the flat positions they were read from.
  const Shape& ys = e.shape(dy[0]);
  const int64_t count = num_elements(ys);
  const std::vector<int64_t> strides = row_major_strides(xs);
  Tensor idx(DType::I64, {count});
  std::vector<int64_t> pos(ys.size(), 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t flat = 0;
    for (size_t d = 0; d < ys.size(); ++d) flat += (ax[d].start + pos[d] * ax[d].step) * strides[d];
    idx.set_i64(i, flat);
    for (size_t d = ys.size(); d-- > 0;) {
      if (++pos[d] < ys[d]) break;
      pos[d] = 0;
    }
  }
  const ValueId flat_dy = e.reshape(dy[0], {count});
  const ValueId zeros = e.zeros({num_elements(xs)}, e.dtype(x));
  const ValueId scattered = e.op("ScatterElements", {zeros, e.constant(std::move(idx), "slice_index"), flat_dy},
                                 {{"axis", int64_t{0}}});
  return {e.reshape(scattered, xs)};
}

Grads g_pad(Emitter& e, const Node& n, const Grads& dy) {
  const graph::PadParams p = graph::pad_params(e.graph(), n);
  if (p.mode != graph::PadMode::Constant)
    fail("{}: no gradient rule for Pad in reflect, edge or wrap mode (only constant padding)", n.describe());
  std::vector<int64_t> begin, end;
  for (size_t d = 0; d < p.begin.size(); ++d) begin.push_back(-p.begin[d]), end.push_back(-p.end[d]);
  Grads r(n.inputs.size(), kNoValue);
  r[0] = pad_or_crop(e, dy[0], begin, end);
  return r;
}

}  // namespace

void register_grad_shape(GradTable& t) {
  for (const char* op : {"Reshape", "Flatten", "Squeeze", "Unsqueeze"}) t[op] = g_reshape;
  t["Transpose"] = g_transpose;
  t["Expand"] = g_expand;
  t["Tile"] = g_tile;
  t["Concat"] = g_concat;
  t["Split"] = g_split;
  t["Slice"] = g_slice;
  t["Pad"] = g_pad;
}

}  // namespace tessera::autodiff
