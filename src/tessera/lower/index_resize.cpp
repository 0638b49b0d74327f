// Lowering of Resize and Upsample (nearest and n-D linear). Each resized axis
// maps its output coordinate to a fractional input coordinate (the
// coordinate_transformation_mode, computed in f64), then nearest picks one
// clamped pixel and linear blends the two clamped neighbours; n-D linear is
// the product of the per-axis weights over 2^k corners. Axes that are not
// resized index straight through.
#include "tessera/graph/infer_index_params.h"
#include "tessera/lower/lower.h"
#include "tessera/lower/shape_common.h"
#include "tessera/support/error.h"

namespace tessera::lower {

void register_lower_index_resize(LowerTable& t);

namespace {

using namespace shape_util;
using graph::NearestMode;
using graph::ResizeCoord;
using pattern::E;
using pattern::KernelBuilder;

E f64(double v) { return pattern::constant(v, DType::F64); }

// Input coordinate of output index `o` along axis d.
E source_coord(E o, int64_t in, const graph::ResizeParams& rp, size_t d) {
  const E x = pattern::cast(o, DType::F64);
  const double scale = rp.scales[d], lin = static_cast<double>(in);
  const int64_t out = rp.out_shape[d];
  const auto lout = static_cast<double>(out);
  const ResizeCoord mode = rp.coord;
  switch (mode) {
    case ResizeCoord::HalfPixel: return (x + 0.5) / scale - 0.5;
    case ResizeCoord::HalfPixelSymmetric: {
      const double adjust = lout / (scale * lin);
      return (x + 0.5) / scale - 0.5 + f64(lin / 2 * (1 - adjust));
    }
    case ResizeCoord::PytorchHalfPixel: return out > 1 ? (x + 0.5) / scale - 0.5 : f64(0);
    case ResizeCoord::AlignCorners:  // multiply first: integer coords stay exact
      return rp.lengths[d] != 1 ? x * (lin - 1) / (rp.lengths[d] - 1) : f64(0);
    case ResizeCoord::Asymmetric: return x / scale;
    case ResizeCoord::TfHalfPixelForNearest: return (x + 0.5) / scale;
  }
  return x;
}

E nearest_pixel(E x, NearestMode mode) {
  switch (mode) {
    case NearestMode::RoundPreferFloor: return pattern::ceil(x - 0.5);  // ties go down
    case NearestMode::RoundPreferCeil: return pattern::floor(x + 0.5);
    case NearestMode::Floor: return pattern::floor(x);
    case NearestMode::Ceil: return pattern::ceil(x);
  }
  return x;
}

// An axis whose output coordinate is its input coordinate.
bool is_identity(int64_t in, int64_t out, double scale, ResizeCoord mode) {
  return in == out && scale == 1.0 && mode != ResizeCoord::TfHalfPixelForNearest;
}

// Per resized axis: the two neighbours and the weight of the upper one.
struct LinearAxis {
  size_t dim;
  E lo, hi, w;
};

void lower_resize(LowerContext& ctx, const graph::Node& n) {
  const graph::ResizeParams rp = graph::resize_params(ctx.graph(), n);
  KernelBuilder b(kernel_name(n.op));
  NodeParams p = declare_params(b, ctx, n);
  const Shape& in = b.decl(p.in[0]).shape;
  const DType t = b.decl(p.out[0]).dtype;
  b.map_shape(rp.out_shape, [&](const std::vector<E>& o) {
    std::vector<E> src = o;
    std::vector<LinearAxis> axes;
    for (size_t d = 0; d < o.size(); ++d) {
      if (is_identity(in[d], rp.out_shape[d], rp.scales[d], rp.coord)) continue;
      E x = b.let("x", source_coord(o[d], in[d], rp, d));
      if (!rp.linear) {
        src[d] = clamp_index(pattern::cast(nearest_pixel(x, rp.nearest), DType::I64), in[d]);
        continue;
      }
      E f = b.let("f", pattern::floor(x));
      E i0 = pattern::cast(f, DType::I64);
      axes.push_back({d, b.let("lo", clamp_index(i0, in[d])), b.let("hi", clamp_index(i0 + pattern::iconst(1), in[d])),
                      b.let("w", x - f)});
    }
    if (axes.empty()) {
      b.store(p.out[0], o, b.read(p.in[0], src));
      return;
    }
    E sum;
    for (size_t corner = 0; corner < (size_t{1} << axes.size()); ++corner) {
      E weight;
      for (size_t a = 0; a < axes.size(); ++a) {
        const bool upper = (corner >> a) & 1;
        src[axes[a].dim] = upper ? axes[a].hi : axes[a].lo;
        E factor = upper ? axes[a].w : 1.0 - axes[a].w;
        weight = weight.p ? weight * factor : factor;
      }
      E term = weight * pattern::cast(b.read(p.in[0], src), DType::F64);
      sum = sum.p ? sum + term : term;
    }
    b.store(p.out[0], o, pattern::cast(sum, t));
  });
  ctx.emit(b.finish(), n, p.args);
}

}  // namespace

void register_lower_index_resize(LowerTable& t) {
  t["Resize"] = &lower_resize;
  t["Upsample"] = &lower_resize;
}

}  // namespace tessera::lower
