// Resize / Upsample parameters (see infer_index_params.h): modes, output shape
// from constant scales or sizes, and the per-axis scale the coordinate
// transform divides by.
#include <cmath>
#include <numeric>

#include "tessera/graph/infer.h"
#include "tessera/graph/infer_index_params.h"
#include "tessera/support/checked.h"
#include "tessera/support/error.h"

namespace tessera::graph {
namespace {

// An input given with at least one element (older exporters pass an empty
// tensor for "no scales").
bool given(const Graph& g, const Node& n, size_t k) {
  const Value* v = g.input(n, k);
  return v && num_elements(v->shape) > 0;
}

std::vector<double> const_floats(const Graph& g, const Node& n, size_t k) {
  const_ints(g, n, k);  // fails with the static-shape message when not constant
  const Tensor& t = *need_input(g, n, k).constant;
  std::vector<double> out;
  for (int64_t i = 0; i < t.size(); ++i) out.push_back(t.get_f64(i));
  return out;
}

ResizeCoord parse_coord(const Node& n) {
  const std::string m = n.attr_str("coordinate_transformation_mode", "half_pixel");
  if (m == "half_pixel") return ResizeCoord::HalfPixel;
  if (m == "half_pixel_symmetric") return ResizeCoord::HalfPixelSymmetric;
  if (m == "pytorch_half_pixel") return ResizeCoord::PytorchHalfPixel;
  if (m == "align_corners") return ResizeCoord::AlignCorners;
  if (m == "asymmetric") return ResizeCoord::Asymmetric;
  if (m == "tf_half_pixel_for_nearest") return ResizeCoord::TfHalfPixelForNearest;
  if (m == "tf_crop_and_resize")
    fail("{}: coordinate_transformation_mode 'tf_crop_and_resize' is not supported; crop with Slice and "
         "resize with 'align_corners'",
         n.describe());
  fail("{}: unknown coordinate_transformation_mode '{}'", n.describe(), m);
}

NearestMode parse_nearest(const Node& n) {
  const std::string m = n.attr_str("nearest_mode", "round_prefer_floor");
  if (m == "round_prefer_floor") return NearestMode::RoundPreferFloor;
  if (m == "round_prefer_ceil") return NearestMode::RoundPreferCeil;
  if (m == "floor") return NearestMode::Floor;
  if (m == "ceil") return NearestMode::Ceil;
  fail("{}: nearest_mode '{}' is not one of round_prefer_floor, round_prefer_ceil, floor, ceil", n.describe(), m);
}

bool parse_linear(const Node& n) {
  const std::string m = n.attr_str("mode", "nearest");
  if (m == "nearest") return false;
  if (m == "linear" || (n.op == "Upsample" && m == "bilinear")) return true;
  if (m == "cubic") fail("{}: mode 'cubic' is not supported; use mode 'linear' or 'nearest'", n.describe());
  fail("{}: mode '{}' is not one of nearest, linear", n.describe(), m);
}

std::vector<int64_t> resized_axes(const Node& n, int64_t rank) {
  std::vector<int64_t> all(static_cast<size_t>(rank));
  std::iota(all.begin(), all.end(), 0);
  std::vector<int64_t> axes = n.attr_ints("axes", all);
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (int64_t& a : axes) {
    if (a < -rank || a >= rank) fail("{}: axis {} is out of range for rank {}", n.describe(), a, rank);
    if (a < 0) a += rank;
    if (seen[static_cast<size_t>(a)]) fail("{}: axis {} is listed twice in 'axes'", n.describe(), a);
    seen[static_cast<size_t>(a)] = true;
  }
  return axes;
}

// Which inputs hold scales and sizes: Upsample(X, scales), Resize(X, roi, scales, sizes).
void read_scales_or_sizes(const Graph& g, const Node& n, const std::vector<int64_t>& axes, ResizeParams& p) {
  const Shape& in = need_input(g, n, 0).shape;
  const bool upsample = n.op == "Upsample";
  const size_t scales_k = upsample ? 1 : 2;
  const bool has_sizes = !upsample && given(g, n, 3);
  std::vector<double> scales;
  if (given(g, n, scales_k)) scales = const_floats(g, n, scales_k);
  else if (upsample) scales = n.attr_floats("scales");  // opset 7/8 form
  if (scales.empty() == !has_sizes)
    fail("{}: give exactly one of scales and sizes, as a constant", n.describe());
  const std::vector<int64_t> sizes = has_sizes ? const_ints(g, n, 3) : std::vector<int64_t>{};
  const size_t count = has_sizes ? sizes.size() : scales.size();
  if (count != axes.size())
    fail("{}: {} has {} values but {} axes are resized", n.describe(), has_sizes ? "sizes" : "scales", count,
         axes.size());
  for (size_t i = 0; i < axes.size(); ++i) {
    const auto a = static_cast<size_t>(axes[i]);
    if (has_sizes) {
      if (sizes[i] < 0) fail("{}: sizes has a negative value {}", n.describe(), sizes[i]);
      p.out_shape[a] = sizes[i];
      p.lengths[a] = static_cast<double>(sizes[i]);
      p.scales[a] = in[a] > 0 ? static_cast<double>(sizes[i]) / static_cast<double>(in[a]) : 1.0;
    } else {
      if (!(scales[i] > 0)) fail("{}: scale {} for axis {} must be positive", n.describe(), scales[i], a);
      p.scales[a] = scales[i];
      p.lengths[a] = static_cast<double>(in[a]) * scales[i];
      if (!(p.lengths[a] <= static_cast<double>(kMaxCount)))
        fail("{}: scale {} makes axis {} (size {}) larger than 2^62; check the scales", n.describe(), scales[i], a,
             in[a]);
      p.out_shape[a] = static_cast<int64_t>(std::floor(p.lengths[a]));
    }
  }
}

}  // namespace

ResizeParams resize_params(const Graph& g, const Node& n) {
  const Value& x = need_input(g, n, 0);
  ResizeParams p;
  p.linear = parse_linear(n);
  if (n.op == "Upsample") {
    // Upsample is Resize with asymmetric coordinates and floor for nearest.
    p.coord = ResizeCoord::Asymmetric;
    p.nearest = NearestMode::Floor;
  } else {
    if (n.attr_int("antialias", 0) != 0)
      fail("{}: antialias=1 is not supported; export the model with antialias=0", n.describe());
    if (n.attr_str("keep_aspect_ratio_policy", "stretch") != "stretch")
      fail("{}: keep_aspect_ratio_policy '{}' is not supported; give explicit sizes with 'stretch'", n.describe(),
           n.attr_str("keep_aspect_ratio_policy", ""));
    p.coord = parse_coord(n);
    p.nearest = parse_nearest(n);
  }
  p.out_shape = x.shape;
  p.scales.assign(x.shape.size(), 1.0);
  p.lengths.assign(x.shape.begin(), x.shape.end());
  read_scales_or_sizes(g, n, resized_axes(n, static_cast<int64_t>(x.shape.size())), p);
  return p;
}

}  // namespace tessera::graph
