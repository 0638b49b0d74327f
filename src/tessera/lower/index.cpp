// Lowering of the index family's gathers and scatters: Gather,
// GatherElements, GatherND, ScatterND, ScatterElements, OneHot. Every
// data-dependent index is normalised in the expression (negative -> +n); the
// executor rejects any that is still out of bounds. Scatters copy the data,
// then map over the updates storing (reduction none) or combining into the
// output. Resize/Upsample are in lower/index_resize.cpp.
#include "tessera/lower/lower.h"
#include "tessera/lower/shape_common.h"
#include "tessera/support/error.h"

namespace tessera::lower {

void register_lower_index_resize(LowerTable& t);  // index_resize.cpp

namespace {

using namespace shape_util;
using pattern::E;
using pattern::iconst;
using pattern::KernelBuilder;
using pattern::TensorId;

size_t node_axis(const graph::Node& n, const Shape& data) {
  return static_cast<size_t>(graph::normalize_axis(n.attr_int("axis", 0), static_cast<int64_t>(data.size()), n));
}

std::vector<E> slice_of(const std::vector<E>& v, size_t lo, size_t hi) {
  return std::vector<E>(v.begin() + static_cast<std::ptrdiff_t>(lo), v.begin() + static_cast<std::ptrdiff_t>(hi));
}

// Gather: y[a.., i.., b..] = x[a.., wrap(ind[i..]), b..].
void lower_gather(LowerContext& ctx, const graph::Node& n) {
  KernelBuilder b(kernel_name(n.op));
  NodeParams p = declare_params(b, ctx, n);
  const TensorId x = p.in[0], ind = p.in[1], y = p.out[0];
  const Shape& xs = b.decl(x).shape;
  const size_t axis = node_axis(n, xs), q = b.decl(ind).shape.size();
  b.map_shape(b.decl(y).shape, [&](const std::vector<E>& o) {
    std::vector<E> src = slice_of(o, 0, axis);
    src.push_back(wrap_negative(b, b.read(ind, slice_of(o, axis, axis + q)), xs[axis]));
    for (size_t d = axis + q; d < o.size(); ++d) src.push_back(o[d]);
    b.store(y, o, b.read(x, src));
  });
  ctx.emit(b.finish(), n, p.args);
}

// GatherElements: y[o] = x[o with o[axis] replaced by wrap(ind[o])].
void lower_gather_elements(LowerContext& ctx, const graph::Node& n) {
  KernelBuilder b(kernel_name(n.op));
  NodeParams p = declare_params(b, ctx, n);
  const TensorId x = p.in[0], ind = p.in[1], y = p.out[0];
  const Shape& xs = b.decl(x).shape;
  const size_t axis = node_axis(n, xs);
  b.map_shape(b.decl(y).shape, [&](const std::vector<E>& o) {
    std::vector<E> src = o;
    src[axis] = wrap_negative(b, b.read(ind, o), xs[axis]);
    b.store(y, o, b.read(x, src));
  });
  ctx.emit(b.finish(), n, p.args);
}

// The data index addressed by one tuple of ND indices: batch dims from the
// loop, then k wrapped tuple entries, then the trailing loop dims.
// `o` = (indices dims without the last) ++ (trailing data dims).
std::vector<E> nd_index(KernelBuilder& b, TensorId ind, const Shape& xs, size_t batch, const std::vector<E>& o) {
  const Shape& is = b.decl(ind).shape;
  const size_t lead = is.size() - 1, k = static_cast<size_t>(is.back());
  std::vector<E> src = slice_of(o, 0, batch);
  std::vector<E> at = slice_of(o, 0, lead);
  at.push_back(iconst(0));
  for (size_t t = 0; t < k; ++t) {
    at.back() = iconst(static_cast<int64_t>(t));
    src.push_back(wrap_negative(b, b.read(ind, at), xs[batch + t]));
  }
  for (size_t d = lead; d < o.size(); ++d) src.push_back(o[d]);
  return src;
}

void lower_gather_nd(LowerContext& ctx, const graph::Node& n) {
  KernelBuilder b(kernel_name(n.op));
  NodeParams p = declare_params(b, ctx, n);
  const TensorId x = p.in[0], y = p.out[0];
  const auto batch = static_cast<size_t>(n.attr_int("batch_dims", 0));
  b.map_shape(b.decl(y).shape, [&](const std::vector<E>& o) {
    b.store(y, o, b.read(x, nd_index(b, p.in[1], b.decl(x).shape, batch, o)));
  });
  ctx.emit(b.finish(), n, p.args);
}

// Scatters: y = x, then y[dest(u)] (op)= updates[u] for every update index u.
template <typename Dest>
void emit_scatter(LowerContext& ctx, const graph::Node& n, Dest dest) {
  const std::string reduction = n.attr_str("reduction", "none");
  KernelBuilder b(kernel_name(n.op));
  NodeParams p = declare_params(b, ctx, n);
  const TensorId x = p.in[0], upd = p.in[2], y = p.out[0];
  b.map_shape(b.decl(y).shape, [&](const std::vector<E>& o) { b.store(y, o, b.read(x, o)); });
  b.map_shape(b.decl(upd).shape, [&](const std::vector<E>& u) {
    const std::vector<E> at = dest(b, p, u);
    const E value = b.read(upd, u);
    if (reduction == "none") b.store(y, at, value);
    else if (reduction == "add") b.accumulate(y, at, pattern::ReduceOp::Add, value);
    else if (reduction == "mul") b.accumulate(y, at, pattern::ReduceOp::Mul, value);
    else if (reduction == "max") b.accumulate(y, at, pattern::ReduceOp::Max, value);
    else b.accumulate(y, at, pattern::ReduceOp::Min, value);
  }, "u");
  ctx.emit(b.finish(), n, p.args);
}

void lower_scatter_nd(LowerContext& ctx, const graph::Node& n) {
  emit_scatter(ctx, n, [](KernelBuilder& b, const NodeParams& p, const std::vector<E>& u) {
    return nd_index(b, p.in[1], b.decl(p.in[0]).shape, 0, u);
  });
}

void lower_scatter_elements(LowerContext& ctx, const graph::Node& n) {
  emit_scatter(ctx, n, [&](KernelBuilder& b, const NodeParams& p, const std::vector<E>& u) {
    const Shape& xs = b.decl(p.in[0]).shape;
    const size_t axis = node_axis(n, xs);
    std::vector<E> at = u;
    at[axis] = wrap_negative(b, b.read(p.in[1], u), xs[axis]);
    return at;
  });
}

// OneHot: y[.., j at axis, ..] = wrap(ind[..]) == j ? on : off.
void lower_one_hot(LowerContext& ctx, const graph::Node& n) {
  KernelBuilder b(kernel_name(n.op));
  NodeParams p = declare_params(b, ctx, n);
  const TensorId ind = p.in[0], values = p.in[2], y = p.out[0];
  const Shape& ys = b.decl(y).shape;
  int64_t axis = n.attr_int("axis", -1);
  if (axis < 0) axis += static_cast<int64_t>(ys.size());
  const auto a = static_cast<size_t>(axis);
  const Shape& vs = b.decl(values).shape;
  b.map_shape(ys, [&](const std::vector<E>& o) {
    std::vector<E> at = o;
    at.erase(at.begin() + axis);
    E hot = pattern::eq(wrap_negative(b, b.read(ind, at), ys[a]), o[a]);
    b.store(y, o, pattern::select(hot, b.read(values, const_index(vs, 1)), b.read(values, const_index(vs, 0))));
  });
  ctx.emit(b.finish(), n, p.args);
}

}  // namespace

void register_lower_index(LowerTable& t) {
  t["Gather"] = &lower_gather;
  t["GatherElements"] = &lower_gather_elements;
  t["GatherND"] = &lower_gather_nd;
  t["ScatterND"] = &lower_scatter_nd;
  t["ScatterElements"] = &lower_scatter_elements;
  t["OneHot"] = &lower_one_hot;
  register_lower_index_resize(t);
}

}  // namespace tessera::lower
