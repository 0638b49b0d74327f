// Split, Slice and Pad parameter resolution (see infer_shape_params.h),
// following the ONNX operator spec's clamping rules to the letter.
#include "tessera/graph/infer_shape_params.h"

#include <algorithm>
#include <numeric>

#include "tessera/graph/infer.h"
#include "tessera/support/error.h"

namespace tessera::graph {
namespace {

int64_t checked_axis(int64_t a, int64_t rank, const Node& n) {
  if (a < -rank || a >= rank)
    fail("{}: axis {} is out of range for rank {} (allowed {}..{})", n.describe(), a, rank, -rank, rank - 1);
  return a < 0 ? a + rank : a;
}

// Input k as a list of axes when present, else 0..count-1.
std::vector<int64_t> axes_input(const Graph& g, const Node& n, size_t k, size_t count, int64_t rank) {
  std::vector<int64_t> axes(count);
  std::iota(axes.begin(), axes.end(), 0);
  if (g.has_input(n, k)) axes = const_ints(g, n, k);
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (int64_t& a : axes) {
    a = checked_axis(a, rank, n);
    if (seen[static_cast<size_t>(a)]) fail("{}: axis {} is listed twice; list each axis once", n.describe(), a);
    seen[static_cast<size_t>(a)] = true;
  }
  return axes;
}

// One axis of the ONNX Slice rule: negative start/end count from the end, then
// clamp to [0, dim] (step > 0) or start to [0, dim-1] and end to [-1, dim-1].
// Clamping before subtracting keeps the INT64_MAX/INT64_MIN sentinels safe,
// and the extent is ceil(distance / |step|) written so that no huge step can
// wrap it: (distance - 1) / |step| + 1.
SliceAxis slice_axis(int64_t dim, int64_t start, int64_t end, int64_t step) {
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  SliceAxis a;
  a.step = step;
  if (step > 0) {
    a.start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    a.size = end > a.start ? (end - a.start - 1) / step + 1 : 0;
  } else if (dim > 0) {
    a.start = std::clamp<int64_t>(start, 0, dim - 1);
    end = std::clamp<int64_t>(end, -1, dim - 1);
    // -step cannot overflow after a check that step != INT64_MIN below.
    a.size = a.start > end ? (a.start - end - 1) / -step + 1 : 0;
  }
  return a;
}

PadMode parse_pad_mode(const Node& n) {
  const std::string mode = n.attr_str("mode", "constant");
  if (mode == "constant") return PadMode::Constant;
  if (mode == "reflect") return PadMode::Reflect;
  if (mode == "edge") return PadMode::Edge;
  if (mode == "wrap") return PadMode::Wrap;
  fail("{}: mode '{}' is not one of constant, reflect, edge, wrap", n.describe(), mode);
}

}  // namespace

std::vector<SliceAxis> slice_params(const Graph& g, const Node& n) {
  const Shape& in = need_input(g, n, 0).shape;
  const auto rank = static_cast<int64_t>(in.size());
  const std::vector<int64_t> starts = const_ints(g, n, 1), ends = const_ints(g, n, 2);
  if (starts.size() != ends.size())
    fail("{}: starts has {} values but ends has {}; they need one per sliced axis", n.describe(), starts.size(),
         ends.size());
  const std::vector<int64_t> axes = axes_input(g, n, 3, starts.size(), rank);
  std::vector<int64_t> steps(starts.size(), 1);
  if (g.has_input(n, 4)) steps = const_ints(g, n, 4);
  if (axes.size() != starts.size() || steps.size() != starts.size())
    fail("{}: starts, ends, axes and steps have {}, {}, {} and {} values; they must have the same length",
         n.describe(), starts.size(), ends.size(), axes.size(), steps.size());
  std::vector<SliceAxis> out;
  for (int64_t d : in) out.push_back({0, 1, d});
  for (size_t i = 0; i < axes.size(); ++i) {
    if (steps[i] == 0 || steps[i] == INT64_MIN)
      fail("{}: step {} for axis {} is invalid; steps must be nonzero", n.describe(), steps[i], axes[i]);
    const auto a = static_cast<size_t>(axes[i]);
    out[a] = slice_axis(in[a], starts[i], ends[i], steps[i]);
  }
  return out;
}

// Chunk sizes along the split axis: input 1 when given, else equal chunks with
// a smaller last one (opset 18).
std::vector<int64_t> split_sizes(const Graph& g, const Node& n, int64_t dim) {
  const auto outs = static_cast<int64_t>(n.outputs.size());
  if (g.has_input(n, 1)) {
    std::vector<int64_t> sizes = const_ints(g, n, 1);
    int64_t sum = 0;
    for (int64_t s : sizes) {
      if (s < 0) fail("{}: split sizes {} contain a negative size", n.describe(), shape_str(sizes));
      sum = dim_add(sum, s, n, "the sum of the split sizes");
    }
    if (static_cast<int64_t>(sizes.size()) != outs)
      fail("{}: split sizes {} give {} chunks but the node has {} outputs", n.describe(), shape_str(sizes),
           sizes.size(), outs);
    if (sum != dim)
      fail("{}: split sizes {} add up to {} but the axis has size {}", n.describe(), shape_str(sizes), sum, dim);
    return sizes;
  }
  const int64_t parts = n.attr_int("num_outputs", outs);
  if (parts != outs || parts < 1)
    fail("{}: num_outputs is {} but the node has {} outputs", n.describe(), parts, outs);
  const int64_t chunk = dim == 0 ? 0 : (dim - 1) / parts + 1;  // ceil without dim + parts wrapping
  std::vector<int64_t> sizes(static_cast<size_t>(parts), chunk);
  sizes.back() = dim - chunk * (parts - 1);
  if (sizes.back() < 0)
    fail("{}: an axis of size {} cannot be split into {} chunks of {}; give explicit split sizes", n.describe(),
         dim, parts, chunk);
  return sizes;
}

PadParams pad_params(const Graph& g, const Node& n) {
  const Shape& in = need_input(g, n, 0).shape;
  const auto rank = static_cast<int64_t>(in.size());
  PadParams p;
  p.mode = parse_pad_mode(n);
  p.begin.assign(in.size(), 0);
  p.end.assign(in.size(), 0);
  const std::vector<int64_t> pads = const_ints(g, n, 1);
  const std::vector<int64_t> axes = axes_input(g, n, 3, in.size(), rank);
  if (pads.size() != 2 * axes.size())
    fail("{}: pads has {} values but {} padded axes need {} (all begins, then all ends)", n.describe(),
         pads.size(), axes.size(), 2 * axes.size());
  for (size_t i = 0; i < axes.size(); ++i) {
    const auto a = static_cast<size_t>(axes[i]);
    p.begin[a] = pads[i];
    p.end[a] = pads[i + axes.size()];
    if (dim_add(dim_add(in[a], p.begin[a], n, "a padded size"), p.end[a], n, "a padded size") < 0)
      fail("{}: pads crop axis {} (size {}) by more than its size", n.describe(), a, in[a]);
    // reflect/edge/wrap pad the input after the negative pads cropped it.
    const int64_t kept = dim_add(dim_add(in[a], std::min<int64_t>(p.begin[a], 0), n, "a cropped size"),
                                 std::min<int64_t>(p.end[a], 0), n, "a cropped size");
    if (p.mode != PadMode::Constant && kept <= 0 && (p.begin[a] > 0 || p.end[a] > 0))
      fail("{}: cannot pad axis {} in mode '{}': no input elements are left to copy from (size {}, pads {} "
           "and {}); use constant mode",
           n.describe(), a, n.attr_str("mode", "constant"), in[a], p.begin[a], p.end[a]);
  }
  return p;
}

}  // namespace tessera::graph
