// Lowering of shape-family ops that make new elements or regroup blocks: Pad
// (constant/reflect/edge/wrap), DepthToSpace, SpaceToDepth, Trilu,
// ConstantOfShape, Range, Shape, Size, EyeLike. One kernel each, mapped over
// the output.
#include <algorithm>

#include "tessera/graph/infer_shape_params.h"
#include "tessera/lower/lower.h"
#include "tessera/lower/shape_common.h"
#include "tessera/support/error.h"

namespace tessera::lower {

void register_lower_shape_create(LowerTable& t);

namespace {

using namespace shape_util;
using pattern::BinOp;
using pattern::E;
using pattern::iconst;
using pattern::KernelBuilder;
using pattern::TensorId;

E mod(E a, int64_t m) { return pattern::binary(BinOp::Mod, a, iconst(m)); }
E div(E a, int64_t m) { return pattern::binary(BinOp::Div, a, iconst(m)); }

// Input k read as a scalar inside the kernel: an embedded constant when the
// graph knows it, else a read of the (one-element) param.
E scalar_input(KernelBuilder& b, LowerContext& ctx, const graph::Node& n, const NodeParams& p, size_t k,
               DType dtype) {
  const graph::Value& v = *ctx.graph().input(n, k);
  if (v.constant) return const_element(*v.constant, 0, dtype);
  return pattern::cast(b.read(p.in[k], const_index(v.shape, 0)), dtype);
}

// Source coordinate along one padded axis of size `dim`, for e = o - begin.
E pad_source(KernelBuilder& b, E e, int64_t dim, graph::PadMode mode) {
  switch (mode) {
    case graph::PadMode::Constant: return e;  // guarded and clamped by the caller
    case graph::PadMode::Edge: return clamp_index(e, dim);
    case graph::PadMode::Wrap: return mod(e, dim);
    case graph::PadMode::Reflect: {
      if (dim == 1) return iconst(0);
      // Reflection without repeating the edge has period 2(dim-1).
      E m = b.let("m", mod(e, 2 * (dim - 1)));
      return pattern::select(pattern::lt(m, iconst(dim)), m, iconst(2 * (dim - 1)) - m);
    }
  }
  return e;
}

void lower_pad(LowerContext& ctx, const graph::Node& n) {
  const graph::PadParams pp = graph::pad_params(ctx.graph(), n);
  KernelBuilder b(kernel_name(n.op));
  NodeParams p = declare_params(b, ctx, n);
  const TensorId x = p.in[0], y = p.out[0];
  const Shape& in = b.decl(x).shape;
  const DType t = b.decl(y).dtype;
  const graph::Value* cv = ctx.graph().input(n, 2);
  E fill = cv && num_elements(cv->shape) == 1 ? scalar_input(b, ctx, n, p, 2, t) : pattern::constant(0, t);
  b.map_shape(b.decl(y).shape, [&](const std::vector<E>& o) {
    std::vector<E> src = o;
    E inside;
    for (size_t d = 0; d < o.size(); ++d) {
      if (pp.begin[d] != 0) src[d] = o[d] - iconst(pp.begin[d]);
      if (pp.begin[d] <= 0 && pp.end[d] <= 0) continue;  // only cropped: always in range
      if (pp.mode == graph::PadMode::Constant) {
        E ok = pattern::in_range(src[d], in[d]);
        inside = inside.p ? pattern::land(inside, ok) : ok;
        // The executor evaluates both select arms, so the guarded read must stay in bounds too.
        src[d] = clamp_index(src[d], in[d]);
        continue;
      }
      // Other modes pad the cropped window [lo, lo + kept) of the input.
      const int64_t lo = std::max<int64_t>(-pp.begin[d], 0);
      const int64_t kept = in[d] - lo - std::max<int64_t>(-pp.end[d], 0);
      E e = pp.begin[d] > 0 ? o[d] - iconst(pp.begin[d]) : o[d];
      src[d] = pad_source(b, e, kept, pp.mode);
      if (lo != 0) src[d] = src[d] + iconst(lo);
    }
    if (num_elements(in) == 0) {  // nothing to read: every element is padding
      b.store(y, o, fill);
      return;
    }
    E value = b.read(x, src);
    b.store(y, o, inside.p ? pattern::select(inside, value, fill) : value);
  });
  ctx.emit(b.finish(), n, p.args);
}

// DepthToSpace: y[n, c, h*B+i, w*B+j] = x[n, ch, h, w] with ch = (i*B+j)*C'+c
// (DCR) or c*B*B + i*B + j (CRD), C' the output channels.
void lower_depth_to_space(LowerContext& ctx, const graph::Node& n) {
  const int64_t bs = n.attr_int("blocksize", 1);
  const bool crd = n.attr_str("mode", "DCR") == "CRD";
  KernelBuilder b(kernel_name(n.op));
  NodeParams p = declare_params(b, ctx, n);
  const int64_t c_out = b.decl(p.out[0]).shape[1];
  b.map_shape(b.decl(p.out[0]).shape, [&](const std::vector<E>& o) {
    E i = mod(o[2], bs), j = mod(o[3], bs);
    E ch = crd ? o[1] * iconst(bs * bs) + i * iconst(bs) + j : (i * iconst(bs) + j) * iconst(c_out) + o[1];
    b.store(p.out[0], o, b.read(p.in[0], {o[0], ch, div(o[2], bs), div(o[3], bs)}));
  });
  ctx.emit(b.finish(), n, p.args);
}

// SpaceToDepth: y[n, (i*B+j)*C + c, h, w] = x[n, c, h*B+i, w*B+j].
void lower_space_to_depth(LowerContext& ctx, const graph::Node& n) {
  const int64_t bs = n.attr_int("blocksize", 1);
  KernelBuilder b(kernel_name(n.op));
  NodeParams p = declare_params(b, ctx, n);
  const int64_t c_in = b.decl(p.in[0]).shape[1];
  b.map_shape(b.decl(p.out[0]).shape, [&](const std::vector<E>& o) {
    E block = div(o[1], c_in);
    E h = o[2] * iconst(bs) + div(block, bs), w = o[3] * iconst(bs) + mod(block, bs);
    b.store(p.out[0], o, b.read(p.in[0], {o[0], mod(o[1], c_in), h, w}));
  });
  ctx.emit(b.finish(), n, p.args);
}

void lower_trilu(LowerContext& ctx, const graph::Node& n) {
  const bool upper = n.attr_int("upper", 1) != 0;
  KernelBuilder b(kernel_name(n.op));
  NodeParams p = declare_params(b, ctx, n);
  const DType t = b.decl(p.out[0]).dtype;
  E k = ctx.graph().has_input(n, 1) ? scalar_input(b, ctx, n, p, 1, DType::I64) : iconst(0);
  b.map_shape(b.decl(p.out[0]).shape, [&](const std::vector<E>& o) {
    E diag = o[o.size() - 1] - o[o.size() - 2];  // column - row
    E keep = upper ? pattern::ge(diag, k) : pattern::le(diag, k);
    b.store(p.out[0], o, pattern::select(keep, b.read(p.in[0], o), pattern::constant(0, t)));
  });
  ctx.emit(b.finish(), n, p.args);
}

void lower_constant_of_shape(LowerContext& ctx, const graph::Node& n) {
  KernelBuilder b(kernel_name(n.op));
  NodeParams p = declare_params(b, ctx, n);
  const DType t = b.decl(p.out[0]).dtype;
  E value = pattern::constant(0, t);
  if (auto it = n.attrs.find("value"); it != n.attrs.end()) value = const_element(std::get<Tensor>(it->second), 0, t);
  b.map_shape(b.decl(p.out[0]).shape, [&](const std::vector<E>& o) { b.store(p.out[0], o, value); });
  ctx.emit(b.finish(), n, p.args);
}

// Range: y[i] = start + i * delta (the spec's formula, not a running sum).
void lower_range(LowerContext& ctx, const graph::Node& n) {
  KernelBuilder b(kernel_name(n.op));
  NodeParams p = declare_params(b, ctx, n);
  const DType t = b.decl(p.out[0]).dtype;
  const DType calc = is_float(t) ? DType::F64 : DType::I64;
  E start = scalar_input(b, ctx, n, p, 0, calc), delta = scalar_input(b, ctx, n, p, 2, calc);
  b.map_shape(b.decl(p.out[0]).shape, [&](const std::vector<E>& o) {
    b.store(p.out[0], o, pattern::cast(start + pattern::cast(o[0], calc) * delta, t));
  });
  ctx.emit(b.finish(), n, p.args);
}

// Shape: stores the (static) dims; the importer usually folds it first.
void lower_shape_op(LowerContext& ctx, const graph::Node& n) {
  KernelBuilder b(kernel_name(n.op));
  NodeParams p = declare_params(b, ctx, n);
  const Shape& in = b.decl(p.in[0]).shape;
  const auto r = static_cast<int64_t>(in.size());
  int64_t start = n.attr_int("start", 0);
  if (start < 0) start += r;
  start = std::clamp<int64_t>(start, 0, r);
  const int64_t len = b.decl(p.out[0]).shape[0];
  for (int64_t i = 0; i < len; ++i) b.store(p.out[0], {iconst(i)}, iconst(in[static_cast<size_t>(start + i)]));
  ctx.emit(b.finish(), n, p.args);
}

void lower_size(LowerContext& ctx, const graph::Node& n) {
  KernelBuilder b(kernel_name(n.op));
  NodeParams p = declare_params(b, ctx, n);
  b.store(p.out[0], {}, iconst(num_elements(b.decl(p.in[0]).shape)));
  ctx.emit(b.finish(), n, p.args);
}

void lower_eye_like(LowerContext& ctx, const graph::Node& n) {
  const int64_t k = n.attr_int("k", 0);
  KernelBuilder b(kernel_name(n.op));
  NodeParams p = declare_params(b, ctx, n);
  const DType t = b.decl(p.out[0]).dtype;
  b.map_shape(b.decl(p.out[0]).shape, [&](const std::vector<E>& o) {
    b.store(p.out[0], o, pattern::cast(pattern::eq(o[1] - o[0], iconst(k)), t));
  });
  ctx.emit(b.finish(), n, p.args);
}

}  // namespace

void register_lower_shape_create(LowerTable& t) {
  t["Pad"] = &lower_pad;
  t["DepthToSpace"] = &lower_depth_to_space;
  t["SpaceToDepth"] = &lower_space_to_depth;
  t["Trilu"] = &lower_trilu;
  t["ConstantOfShape"] = &lower_constant_of_shape;
  t["Range"] = &lower_range;
  t["Shape"] = &lower_shape_op;
  t["Size"] = &lower_size;
  t["EyeLike"] = &lower_eye_like;
}

}  // namespace tessera::lower
