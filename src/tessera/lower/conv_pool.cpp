// Lowering of the pools: MaxPool (with its optional Indices output),
// AveragePool, LpPool and GlobalAveragePool/GlobalMaxPool/GlobalLpPool.
// Each is `map n, c, o.. { y[n,c,o..] = reduce <op> k.. { window read } }`,
// padding entering as the reduce's neutral value (-inf for max, 0 for sums).
#include <functional>
#include <limits>

#include "tessera/graph/infer_conv.h"
#include "tessera/lower/conv_window.h"
#include "tessera/lower/lower.h"

namespace tessera::lower {
namespace {

using graph::Window;
using pattern::E;
using pattern::Iter;
using pattern::KernelBuilder;
using pattern::ReduceOp;
using pattern::VarId;
using window::affine;
using window::all_of;

// Output loops n, c, o.. of a pool.
struct PoolLoops {
  std::vector<VarId> o;
  std::vector<Iter> iters;
  E n, c;
  std::vector<E> out_index;
};

PoolLoops pool_loops(KernelBuilder& b, const Shape& y_shape) {
  PoolLoops l;
  const VarId n = b.var("n"), c = b.var("c");
  l.iters = {{n, y_shape[0]}, {c, y_shape[1]}};
  l.o = b.vars("o", y_shape.size() - 2);
  for (size_t i = 0; i < l.o.size(); ++i) l.iters.push_back({l.o[i], y_shape[2 + i]});
  l.n = b.idx(n), l.c = b.idx(c);
  l.out_index = {l.n, l.c};
  for (VarId o : l.o) l.out_index.push_back(b.idx(o));
  return l;
}

// reduce op over the window k..; body gets the (clamped) x index, the
// padding guards and the window vars.
using WindowBody = std::function<E(const std::vector<E>& xi, const std::vector<E>& guards, const std::vector<E>& k)>;
E window_reduce(KernelBuilder& b, ReduceOp op, const std::vector<Window>& ws, const PoolLoops& l, const WindowBody& body) {
  Shape kernel;
  for (const Window& w : ws) kernel.push_back(w.kernel);
  return b.reduce_shape(op, kernel, [&](const std::vector<E>& k) {
    std::vector<E> xi{l.n, l.c}, guards;
    for (size_t i = 0; i < ws.size(); ++i) xi.push_back(window::read_index(b.idx(l.o[i]), k[i], ws[i], guards));
    return body(xi, guards, k);
  });
}

E lowest(DType t) {
  switch (t) {
    case DType::F32: case DType::F64: return pattern::constant(-std::numeric_limits<double>::infinity(), t);
    case DType::I8: return pattern::constant(-128, t);
    case DType::I16: return pattern::constant(-32768, t);
    case DType::I32: return pattern::constant(static_cast<double>(std::numeric_limits<int32_t>::min()), t);
    case DType::I64: return pattern::constant(static_cast<double>(std::numeric_limits<int64_t>::min()), t);
    default: return pattern::constant(0, t);
  }
}

// MaxPool's Indices: the first window position holding the max, as a flat
// index into x ((n*C + c) * spatial size + the spatial offset, row-major or,
// with storage_order=1, column-major).
E max_index(KernelBuilder& b, const std::vector<Window>& ws, const PoolLoops& l, pattern::TensorId x, E m,
            bool column_major) {
  const int64_t kernel_total = [&] { int64_t t = 1; for (const Window& w : ws) t *= w.kernel; return t; }();
  E first = b.let("first", window_reduce(b, ReduceOp::Min, ws, l, [&](auto& xi, auto& guards, auto& k) {
    E v = b.read(x, xi);
    E hit = pattern::eq(v, m);
    if (is_float(v.dtype())) hit = pattern::lor(hit, pattern::unary(pattern::UnOp::IsNaN, v));
    std::vector<E> conds = guards;
    conds.push_back(hit);
    E ordinal = k[0];
    for (size_t i = 1; i < ws.size(); ++i) ordinal = affine(ordinal, ws[i].kernel, 0) + k[i];
    return pattern::select(all_of(conds), ordinal, pattern::iconst(kernel_total));
  }));
  const Shape& xs = b.decl(x).shape;
  int64_t spatial = 1, below = kernel_total, col_stride = 1;
  for (size_t i = 2; i < xs.size(); ++i) spatial *= xs[i];
  E flat = affine(affine(l.n, xs[1], 0) + l.c, spatial, 0);
  for (size_t i = 0; i < ws.size(); ++i) {
    below /= ws[i].kernel;
    E k = pattern::binary(pattern::BinOp::Mod, below == 1 ? first : first / pattern::iconst(below),
                          pattern::iconst(ws[i].kernel));
    E pos = affine(b.idx(l.o[i]), ws[i].stride, 0) + affine(k, ws[i].dilation, -ws[i].pad_begin);
    int64_t row_stride = 1;
    for (size_t j = i + 1; j < ws.size(); ++j) row_stride *= ws[j].in;
    flat = flat + affine(pos, column_major ? col_stride : row_stride, 0);
    col_stride *= ws[i].in;
  }
  return flat;
}

void lower_max_pool(LowerContext& ctx, const graph::Node& n) {
  const auto ws = graph::pool_windows(ctx.graph(), n);
  KernelBuilder b("max_pool");
  const NodeParams p = declare_params(b, ctx, n);
  const DType dt = b.decl(p.in[0]).dtype;
  const PoolLoops l = pool_loops(b, b.decl(p.out[0]).shape);
  b.map(l.iters, [&] {
    E m = b.let("m", window_reduce(b, ReduceOp::Max, ws, l, [&](auto& xi, auto& guards, auto&) {
      E v = b.read(p.in[0], xi);
      return guards.empty() ? v : pattern::select(all_of(guards), v, lowest(dt));
    }));
    b.store(p.out[0], l.out_index, m);
    if (p.out.size() > 1 && p.out[1] >= 0)
      b.store(p.out[1], l.out_index, max_index(b, ws, l, p.in[0], m, n.attr_int("storage_order", 0) == 1));
  });
  ctx.emit(b.finish(), n, p.args);
}

// The number of window elements AveragePool divides by: those inside x, or with
// count_include_pad those inside the padded x (never the ceil_mode overhang).
E average_count(KernelBuilder& b, const std::vector<Window>& ws, const PoolLoops& l, DType dt, bool include_pad) {
  double fixed = 1;
  std::vector<E> counted;
  for (size_t i = 0; i < ws.size(); ++i) {
    const Window& w = ws[i];
    const int64_t lo = include_pad ? -w.pad_begin : 0, hi = include_pad ? w.in + w.pad_end : w.in;
    const bool partial = w.out > 0 && (-w.pad_begin < lo || (w.out - 1) * w.stride + w.span() - 1 - w.pad_begin >= hi);
    if (!partial) {
      fixed *= static_cast<double>(w.kernel);
      continue;
    }
    const VarId k = b.var("kc");
    E pos = affine(b.idx(l.o[i]), w.stride, 0) + affine(b.idx(k), w.dilation, -w.pad_begin);
    E inside = pattern::land(pattern::ge(pos, pattern::iconst(lo)), pattern::lt(pos, pattern::iconst(hi)));
    counted.push_back(b.reduce(ReduceOp::Add, {{k, w.kernel}}, pattern::cast(inside, dt)));
  }
  if (counted.empty()) return pattern::constant(fixed, dt);
  E count = fixed == 1 ? counted[0] : pattern::constant(fixed, dt) * counted[0];
  for (size_t i = 1; i < counted.size(); ++i) count = count * counted[i];
  return count;
}

void lower_average_pool(LowerContext& ctx, const graph::Node& n) {
  const auto ws = graph::pool_windows(ctx.graph(), n);
  KernelBuilder b("average_pool");
  const NodeParams p = declare_params(b, ctx, n);
  const DType dt = b.decl(p.in[0]).dtype;
  const PoolLoops l = pool_loops(b, b.decl(p.out[0]).shape);
  const bool include_pad = n.attr_int("count_include_pad", 0) != 0;
  b.map(l.iters, [&] {
    E sum = window_reduce(b, ReduceOp::Add, ws, l, [&](auto& xi, auto& guards, auto&) {
      E v = b.read(p.in[0], xi);
      return guards.empty() ? v : pattern::select(all_of(guards), v, pattern::constant(0, dt));
    });
    b.store(p.out[0], l.out_index, sum / average_count(b, ws, l, dt, include_pad));
  });
  ctx.emit(b.finish(), n, p.args);
}

// |x|^p and its inverse, with the common p = 1, 2 written without pow.
E lp_term(E v, double p) {
  if (p == 1) return pattern::abs(v);
  if (p == 2) return v * v;
  return pattern::pow(pattern::abs(v), pattern::constant(p, v.dtype()));
}
E lp_root(E s, double p) {
  if (p == 1) return s;
  if (p == 2) return pattern::sqrt(s);
  return pattern::pow(s, pattern::constant(1.0 / p, s.dtype()));
}

void lower_lp_pool(LowerContext& ctx, const graph::Node& n) {
  const auto ws = graph::pool_windows(ctx.graph(), n);
  KernelBuilder b("lp_pool");
  const NodeParams p = declare_params(b, ctx, n);
  const DType dt = b.decl(p.in[0]).dtype;
  const PoolLoops l = pool_loops(b, b.decl(p.out[0]).shape);
  const double pw = n.attr_float("p", 2.0);
  b.map(l.iters, [&] {
    E sum = window_reduce(b, ReduceOp::Add, ws, l, [&](auto& xi, auto& guards, auto&) {
      E v = lp_term(b.read(p.in[0], xi), pw);
      return guards.empty() ? v : pattern::select(all_of(guards), v, pattern::constant(0, dt));
    });
    b.store(p.out[0], l.out_index, lp_root(sum, pw));
  });
  ctx.emit(b.finish(), n, p.args);
}

// map n, c { y[n, c, 0..] = reduce op over every spatial position }.
void lower_global_pool(LowerContext& ctx, const graph::Node& n) {
  KernelBuilder b(n.op == "GlobalMaxPool" ? "global_max_pool"
                  : n.op == "GlobalLpPool" ? "global_lp_pool" : "global_average_pool");
  const NodeParams p = declare_params(b, ctx, n);
  const Shape& xs = b.decl(p.in[0]).shape;
  const DType dt = b.decl(p.in[0]).dtype;
  const Shape spatial(xs.begin() + 2, xs.end());
  const double pw = n.attr_float("p", 2.0);
  const VarId vn = b.var("n"), vc = b.var("c");
  b.map({{vn, xs[0]}, {vc, xs[1]}}, [&] {
    const ReduceOp op = n.op == "GlobalMaxPool" ? ReduceOp::Max : ReduceOp::Add;
    E r = b.reduce_shape(op, spatial, [&](const std::vector<E>& k) {
      std::vector<E> xi{b.idx(vn), b.idx(vc)};
      xi.insert(xi.end(), k.begin(), k.end());
      E v = b.read(p.in[0], xi);
      return n.op == "GlobalLpPool" ? lp_term(v, pw) : v;
    });
    if (n.op == "GlobalAveragePool") r = r / pattern::constant(static_cast<double>(num_elements(spatial)), dt);
    if (n.op == "GlobalLpPool") r = lp_root(r, pw);
    std::vector<E> yi{b.idx(vn), b.idx(vc)};
    yi.resize(xs.size(), pattern::iconst(0));
    b.store(p.out[0], yi, r);
  });
  ctx.emit(b.finish(), n, p.args);
}

}  // namespace

void register_lower_pool(LowerTable& t) {
  t["MaxPool"] = &lower_max_pool;
  t["AveragePool"] = &lower_average_pool;
  t["LpPool"] = &lower_lp_pool;
  t["GlobalMaxPool"] = &lower_global_pool;
  t["GlobalAveragePool"] = &lower_global_pool;
  t["GlobalLpPool"] = &lower_global_pool;
}

}  // namespace tessera::lower
