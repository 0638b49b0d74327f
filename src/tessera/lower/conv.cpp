// Lowering of Conv and ConvTranspose as one contraction each:
//   map n, g, m, o.. { y[n, g*M+m, o..] = reduce add c, k.. { xpad * w } + bias }
// where xpad is a select-guarded, index-clamped read of x. This is the shape
// the executor's BLAS path takes (one reduce add of a product, bias outside).
// ConvTranspose is written in gather form: each output sums the inputs that
// scatter onto it, so no output is written twice.

#include "tessera/graph/infer_conv.h"
#include "tessera/lower/conv_window.h"
#include "tessera/lower/lower.h"
#include "tessera/support/error.h"

namespace tessera::lower {

using pattern::E;
using pattern::Iter;
using pattern::KernelBuilder;
using pattern::ReduceOp;
using pattern::TensorDecl;
using pattern::VarId;

namespace window {

E affine(E a, int64_t m, int64_t c) {
  E r = m == 1 ? a : a * pattern::iconst(m);
  if (c == 0) return r;
  return c > 0 ? r + pattern::iconst(c) : r - pattern::iconst(-c);
}

E clamp_index(E i, int64_t extent) {
  return pattern::min(pattern::max(i, pattern::iconst(0)), pattern::iconst(extent - 1));
}

E all_of(const std::vector<E>& conds) {
  if (conds.empty()) return pattern::bconst(true);
  E r = conds[0];
  for (size_t i = 1; i < conds.size(); ++i) r = pattern::land(r, conds[i]);
  return r;
}

bool leaves_input(const graph::Window& w) {
  if (w.out == 0 || w.kernel == 0) return false;
  return w.pad_begin > 0 || (w.out - 1) * w.stride + (w.kernel - 1) * w.dilation - w.pad_begin > w.in - 1;
}

E read_index(E o, E k, const graph::Window& w, std::vector<E>& guards) {
  E pos = affine(o, w.stride, 0) + affine(k, w.dilation, -w.pad_begin);
  if (!leaves_input(w)) return pos;
  guards.push_back(pattern::in_range(pos, w.in));
  return clamp_index(pos, w.in);
}

}  // namespace window

namespace {

using window::affine;
using window::all_of;
using window::clamp_index;

// The loop structure both convolutions share: output vars n, g (only when
// group > 1), m, o.. and reduce vars c, k..; the channel arithmetic
// g*M_g + m and g*C_g + c.
struct ConvLoops {
  VarId n = -1, g = -1, m = -1, c = -1;
  std::vector<VarId> o, k;
  std::vector<Iter> map_iters, reduce_iters;
  E out_channel, in_channel;  // g*M_g + m, g*C_g + c
};

ConvLoops conv_loops(KernelBuilder& b, const Shape& y_shape, const Shape& kernel, int64_t group, int64_t c_per_group) {
  ConvLoops l;
  const size_t d = kernel.size();
  const int64_t m_per_group = y_shape[1] / group;
  l.n = b.var("n");
  l.map_iters.push_back({l.n, y_shape[0]});
  if (group > 1) l.g = b.var("g"), l.map_iters.push_back({l.g, group});
  l.m = b.var("m");
  l.map_iters.push_back({l.m, m_per_group});
  l.o = b.vars("o", d);
  for (size_t i = 0; i < d; ++i) l.map_iters.push_back({l.o[i], y_shape[2 + i]});
  l.c = b.var("c");
  l.k = b.vars("k", d);
  for (size_t i = 0; i < d; ++i) l.reduce_iters.push_back({l.k[i], kernel[i]});
  // The executor gathers the x factor for BLAS vectorised over the innermost
  // reduce variable, so c goes last (measured 4x faster than kw last on a
  // 64-channel 3x3 conv) except in depthwise convs, where its extent is 1.
  const bool c_last = c_per_group > 1;
  l.reduce_iters.insert(c_last ? l.reduce_iters.end() : l.reduce_iters.begin(), {l.c, c_per_group});
  l.out_channel = group > 1 ? affine(b.idx(l.g), m_per_group, 0) + b.idx(l.m) : b.idx(l.m);
  l.in_channel = group > 1 ? affine(b.idx(l.g), c_per_group, 0) + b.idx(l.c) : b.idx(l.c);
  return l;
}

// Stores reduce add (xv * wv) + bias into y[n, out_channel, o..].
void store_contraction(KernelBuilder& b, const NodeParams& p, const ConvLoops& l, E xv, E wv) {
  E y = b.reduce(ReduceOp::Add, l.reduce_iters, xv * wv);
  if (p.in.size() > 2 && p.in[2] >= 0) y = y + b.read(p.in[2], {l.out_channel});
  std::vector<E> yi{b.idx(l.n), l.out_channel};
  for (VarId o : l.o) yi.push_back(b.idx(o));
  b.store(p.out[0], yi, y);
}

// The x factor: a guarded read, or 0 when x has no elements to read.
E guarded_read(KernelBuilder& b, pattern::TensorId x, const std::vector<E>& index, const std::vector<E>& guards) {
  const TensorDecl& xd = b.decl(x);
  if (num_elements(xd.shape) == 0) return pattern::constant(0, xd.dtype);
  E v = b.read(x, index);
  return guards.empty() ? v : pattern::select(all_of(guards), v, pattern::constant(0, xd.dtype));
}

void lower_conv(LowerContext& ctx, const graph::Node& n) {
  const auto ws = graph::conv_windows(ctx.graph(), n);
  KernelBuilder b("conv");
  const NodeParams p = declare_params(b, ctx, n);
  const Shape& xs = b.decl(p.in[0]).shape;
  const Shape& wshape = b.decl(p.in[1]).shape;
  const int64_t group = n.attr_int("group", 1);
  const ConvLoops l = conv_loops(b, b.decl(p.out[0]).shape, Shape(wshape.begin() + 2, wshape.end()), group,
                                 xs[1] / group);
  b.map(l.map_iters, [&] {
    std::vector<E> xi{b.idx(l.n), l.in_channel}, wi{l.out_channel, b.idx(l.c)}, guards;
    for (size_t i = 0; i < ws.size(); ++i) {
      xi.push_back(window::read_index(b.idx(l.o[i]), b.idx(l.k[i]), ws[i], guards));
      wi.push_back(b.idx(l.k[i]));
    }
    store_contraction(b, p, l, guarded_read(b, p.in[0], xi, guards), b.read(p.in[1], wi));
  });
  ctx.emit(b.finish(), n, p.args);
}

// The input index of one spatial dim of a transposed window: output o takes
// input q = (o + pad_begin - k*dilation) / stride when that divides exactly
// and lands in 0..in.
E transposed_read_index(E o, E k, const graph::Window& w, std::vector<E>& guards) {
  E t = affine(o, 1, w.pad_begin) - affine(k, w.dilation, 0);
  if (w.stride == 1) {
    const int64_t lo = w.pad_begin - (w.kernel - 1) * w.dilation, hi = w.out - 1 + w.pad_begin;
    if (w.out == 0 || (lo >= 0 && hi <= w.in - 1)) return t;
    guards.push_back(pattern::in_range(t, w.in));
    return clamp_index(t, w.in);
  }
  const E s = pattern::iconst(w.stride);
  E q = t / s;
  guards.push_back(pattern::ge(t, pattern::iconst(0)));
  guards.push_back(pattern::eq(pattern::binary(pattern::BinOp::Mod, t, s), pattern::iconst(0)));
  guards.push_back(pattern::lt(q, pattern::iconst(w.in)));
  return clamp_index(q, w.in);
}

void lower_conv_transpose(LowerContext& ctx, const graph::Node& n) {
  const auto ws = graph::conv_transpose_windows(ctx.graph(), n);
  KernelBuilder b("conv_transpose");
  const NodeParams p = declare_params(b, ctx, n);
  const Shape& xs = b.decl(p.in[0]).shape;
  const Shape& wshape = b.decl(p.in[1]).shape;
  const int64_t group = n.attr_int("group", 1);
  const ConvLoops l = conv_loops(b, b.decl(p.out[0]).shape, Shape(wshape.begin() + 2, wshape.end()), group,
                                 xs[1] / group);
  b.map(l.map_iters, [&] {
    std::vector<E> xi{b.idx(l.n), l.in_channel}, wi{l.in_channel, b.idx(l.m)}, guards;
    for (size_t i = 0; i < ws.size(); ++i) {
      xi.push_back(transposed_read_index(b.idx(l.o[i]), b.idx(l.k[i]), ws[i], guards));
      wi.push_back(b.idx(l.k[i]));
    }
    store_contraction(b, p, l, guarded_read(b, p.in[0], xi, guards), b.read(p.in[1], wi));
  });
  ctx.emit(b.finish(), n, p.args);
}

}  // namespace

void register_lower_conv(LowerTable& t) {
  t["Conv"] = &lower_conv;
  t["ConvTranspose"] = &lower_conv_transpose;
  register_lower_pool(t);
}

}  // namespace tessera::lower
