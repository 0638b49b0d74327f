// Lowering of the shape family's pure data movement: Reshape, Flatten,
// Squeeze, Unsqueeze (row-major index remaps), Transpose, Concat, Split, Slice,
// Expand and Tile. Each is one kernel of plain copies `y[o] = x[src(o)]`
// mapped over the output, so the innermost map variable walks the output's
// contiguous dim. Ops that create elements are in lower/shape_create.cpp.
#include <cctype>

#include "tessera/graph/infer_shape_params.h"
#include "tessera/lower/lower.h"
#include "tessera/lower/shape_common.h"
#include "tessera/support/error.h"

namespace tessera::lower {

using pattern::BinOp;
using pattern::E;
using pattern::iconst;
using pattern::KernelBuilder;
using pattern::TensorId;

void register_lower_shape_create(LowerTable& t);  // shape_create.cpp

namespace shape_util {

std::string kernel_name(const std::string& op) {
  std::string out;
  for (size_t i = 0; i < op.size(); ++i) {
    const auto c = static_cast<unsigned char>(op[i]);
    if (std::isupper(c) && i > 0 && !std::isupper(static_cast<unsigned char>(op[i - 1]))) out += '_';
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

E wrap_negative(KernelBuilder& b, E i, int64_t n) {
  i = b.let("ix", pattern::cast(i, DType::I64));
  return pattern::select(pattern::lt(i, iconst(0)), i + iconst(n), i);
}

E const_element(const Tensor& t, int64_t flat, DType dtype) {
  if (dtype == DType::I64) return iconst(t.get_i64(flat));
  return pattern::constant(t.get_f64(flat), dtype);  // exact: other ints fit a double
}

std::vector<E> const_index(const Shape& shape, int64_t flat) {
  std::vector<E> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = iconst(flat % shape[d]);
    flat /= shape[d];
  }
  return idx;
}

E clamp_index(E i, int64_t n) { return pattern::max(pattern::min(i, iconst(n - 1)), iconst(0)); }

}  // namespace shape_util

namespace {

using namespace shape_util;

// Runs `body(out_index)` inside a map over the node's output 0 and emits the kernel.
template <typename Body>
void emit_copy(LowerContext& ctx, const graph::Node& n, Body body) {
  KernelBuilder b(kernel_name(n.op));
  NodeParams p = declare_params(b, ctx, n);
  const TensorId x = p.in[0], y = p.out[0];
  b.map_shape(b.decl(y).shape, [&](const std::vector<E>& o) { b.store(y, o, b.read(x, body(b, p, o))); });
  ctx.emit(b.finish(), n, p.args);
}

// One block of a reshape: consecutive input dims `in_dims` and output dims
// `out_dims` (all > 1) with equal products. Goes through the block's linear
// index only when the block is not a 1:1 dim match.
void remap_block(const Shape& in, const Shape& out, const std::vector<size_t>& in_dims,
                 const std::vector<size_t>& out_dims, const std::vector<E>& o, std::vector<E>& src) {
  if (in_dims.size() == 1 && out_dims.size() == 1) {
    src[in_dims[0]] = o[out_dims[0]];
    return;
  }
  E lin = o[out_dims[0]];
  for (size_t j = 1; j < out_dims.size(); ++j) lin = lin * iconst(out[out_dims[j]]) + o[out_dims[j]];
  int64_t stride = 1;
  for (size_t i = in_dims.size(); i-- > 0;) {
    E e = stride == 1 ? lin : pattern::binary(BinOp::Div, lin, iconst(stride));
    if (i > 0) e = pattern::binary(BinOp::Mod, e, iconst(in[in_dims[i]]));
    src[in_dims[i]] = e;
    stride *= in[in_dims[i]];
  }
}

// Source index of a row-major reshape from `in` to `out`. Size-1 dims are
// dropped, the rest is split into the smallest blocks whose products agree,
// so e.g. [2,3,4] -> [6,4] only remaps the first block.
std::vector<E> reshape_index(const Shape& in, const Shape& out, const std::vector<E>& o) {
  std::vector<E> src(in.size(), iconst(0));
  if (num_elements(out) == 0) return src;  // the map runs no iteration
  std::vector<size_t> id, od;
  for (size_t i = 0; i < in.size(); ++i)
    if (in[i] != 1) id.push_back(i);
  for (size_t j = 0; j < out.size(); ++j)
    if (out[j] != 1) od.push_back(j);
  size_t i = 0, j = 0;
  while (i < id.size() && j < od.size()) {
    std::vector<size_t> in_dims{id[i++]}, out_dims{od[j++]};
    int64_t pi = in[in_dims[0]], pj = out[out_dims[0]];
    while (pi != pj) {
      TESSERA_CHECK(i < id.size() || j < od.size(), "reshape {} -> {} blocks", shape_str(in), shape_str(out));
      if (pi < pj) pi *= in[id[i]], in_dims.push_back(id[i++]);
      else pj *= out[od[j]], out_dims.push_back(od[j++]);
    }
    remap_block(in, out, in_dims, out_dims, o, src);
  }
  TESSERA_CHECK(i == id.size() && j == od.size(), "reshape {} -> {} leftover", shape_str(in), shape_str(out));
  return src;
}

void lower_reshape_like(LowerContext& ctx, const graph::Node& n) {
  emit_copy(ctx, n, [](KernelBuilder& b, const NodeParams& p, const std::vector<E>& o) {
    return reshape_index(b.decl(p.in[0]).shape, b.decl(p.out[0]).shape, o);
  });
}

void lower_transpose(LowerContext& ctx, const graph::Node& n) {
  emit_copy(ctx, n, [&](KernelBuilder& b, const NodeParams& p, const std::vector<E>& o) {
    const size_t r = o.size();
    std::vector<int64_t> reversed(r);
    for (size_t i = 0; i < r; ++i) reversed[i] = static_cast<int64_t>(r - 1 - i);
    const std::vector<int64_t> perm = n.attr_ints("perm", reversed);
    std::vector<E> src(r);
    for (size_t i = 0; i < r; ++i) src[static_cast<size_t>(perm[i])] = o[i];
    return src;
  });
}

void lower_slice(LowerContext& ctx, const graph::Node& n) {
  const std::vector<graph::SliceAxis> axes = graph::slice_params(ctx.graph(), n);
  emit_copy(ctx, n, [&](KernelBuilder&, const NodeParams&, const std::vector<E>& o) {
    std::vector<E> src = o;
    for (size_t d = 0; d < o.size(); ++d) {
      if (axes[d].step != 1) src[d] = src[d] * iconst(axes[d].step);
      if (axes[d].start != 0) src[d] = src[d] + iconst(axes[d].start);
    }
    return src;
  });
}

void lower_expand(LowerContext& ctx, const graph::Node& n) {
  emit_copy(ctx, n, [](KernelBuilder& b, const NodeParams& p, const std::vector<E>& o) {
    return broadcast_index(b.decl(p.in[0]).shape, o);
  });
}

void lower_tile(LowerContext& ctx, const graph::Node& n) {
  emit_copy(ctx, n, [](KernelBuilder& b, const NodeParams& p, const std::vector<E>& o) {
    const Shape& in = b.decl(p.in[0]).shape;
    const Shape& out = b.decl(p.out[0]).shape;
    std::vector<E> src = o;
    for (size_t d = 0; d < o.size(); ++d)
      if (in[d] != out[d]) src[d] = pattern::binary(BinOp::Mod, o[d], iconst(in[d]));
    return src;
  });
}

// Copies `part`-shaped data between `from` and `to`, shifted by `off` along
// `axis` on the destination (Concat) or on the source (Split).
void copy_window(KernelBuilder& b, TensorId from, TensorId to, const Shape& part, size_t axis, int64_t off,
                 bool offset_on_dest) {
  if (num_elements(part) == 0) return;
  b.map_shape(part, [&](const std::vector<E>& o) {
    std::vector<E> shifted = o;
    if (off != 0) shifted[axis] = o[axis] + iconst(off);
    b.store(to, offset_on_dest ? shifted : o, b.read(from, offset_on_dest ? o : shifted));
  });
}

void lower_concat(LowerContext& ctx, const graph::Node& n) {
  KernelBuilder b(kernel_name(n.op));
  NodeParams p = declare_params(b, ctx, n);
  const Shape& out = b.decl(p.out[0]).shape;
  const auto axis = static_cast<size_t>(graph::normalize_axis(n.attr_int("axis", 0), static_cast<int64_t>(out.size()), n));
  int64_t off = 0;
  for (TensorId x : p.in) {
    const Shape& part = b.decl(x).shape;
    if (part.size() != out.size()) continue;  // an empty placeholder of another rank
    copy_window(b, x, p.out[0], part, axis, off, true);
    off += part[axis];
  }
  ctx.emit(b.finish(), n, p.args);
}

void lower_split(LowerContext& ctx, const graph::Node& n) {
  KernelBuilder b(kernel_name(n.op));
  NodeParams p = declare_params(b, ctx, n);
  const Shape& in = b.decl(p.in[0]).shape;
  const auto axis = static_cast<size_t>(graph::normalize_axis(n.attr_int("axis", 0), static_cast<int64_t>(in.size()), n));
  const std::vector<int64_t> sizes = graph::split_sizes(ctx.graph(), n, in[axis]);
  int64_t off = 0;
  for (size_t k = 0; k < sizes.size(); ++k) {
    if (p.out[k] >= 0) copy_window(b, p.in[0], p.out[k], b.decl(p.out[k]).shape, axis, off, false);
    off += sizes[k];
  }
  ctx.emit(b.finish(), n, p.args);
}

}  // namespace

void register_lower_shape(LowerTable& t) {
  t["Reshape"] = &lower_reshape_like;
  t["Flatten"] = &lower_reshape_like;
  t["Squeeze"] = &lower_reshape_like;
  t["Unsqueeze"] = &lower_reshape_like;
  t["Transpose"] = &lower_transpose;
  t["Slice"] = &lower_slice;
  t["Expand"] = &lower_expand;
  t["Tile"] = &lower_tile;
  t["Concat"] = &lower_concat;
  t["Split"] = &lower_split;
  register_lower_shape_create(t);
}

}  // namespace tessera::lower
