// Lowering of reductions, ArgMax/ArgMin, TopK and CumSum.
//   Reduce*:  map <kept dims> { y[...] = post(reduce <op> <reduced dims> { pre(x[...]) }) }
//   ArgMax:   map <kept> { m = reduce max; y = reduce min j { select(x == m, j, n) } }
//   TopK:     ties go to the lower index; NaN counts as the largest value.
//             Small K: K rounds of selection (a fold), O(K n) per row. Large K:
//             each element's rank (how many elements beat it) is a reduce add
//             over its row and the element is scattered to that position of a
//             sorted local, O(n^2) per row. Fine for real models' TopK (beam
//             search, sampling, detection); a full sort of very long rows
//             would want a sort pattern.
//   CumSum:   a Scan along the axis; a runtime axis falls back to an O(n * dim)
//             reduce that selects the summed range per element.
#include <algorithm>
#include <cmath>
#include <cctype>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "tessera/graph/infer.h"
#include "tessera/lower/axis_split.h"
#include "tessera/lower/lower.h"
#include "tessera/support/error.h"

namespace tessera::lower {
namespace {

using graph::Node;
using pattern::E;
using pattern::KernelBuilder;
using pattern::ReduceOp;
using pattern::TensorId;
using pattern::UnOp;

const Shape& input_shape(LowerContext& ctx, const Node& n, size_t k) {
  return ctx.graph().value(n.inputs[k]).shape;
}

// Same resolution as shape inference (which has validated the axes).
std::vector<int64_t> reduce_axes(LowerContext& ctx, const Node& n, int64_t rank) {
  const auto& g = ctx.graph();
  std::vector<int64_t> raw = g.has_input(n, 1) ? graph::const_ints(g, n, 1) : n.attr_ints("axes", {});
  std::set<int64_t> axes;
  for (int64_t a : raw) axes.insert(graph::normalize_axis(a, rank, n));
  if (axes.empty() && n.attr_int("noop_with_empty_axes", 0) == 0)
    for (int64_t d = 0; d < rank; ++d) axes.insert(d);
  return {axes.begin(), axes.end()};
}

E zero_like(const E& e) { return pattern::constant(0, e.dtype()); }

// reduce <op> over the reduced dims of f(x at the full index).
E reduce_over(KernelBuilder& b, TensorId x, const AxisSplit& s, const std::vector<E>& kept, ReduceOp op,
              const std::function<E(E)>& f) {
  return b.reduce_shape(op, s.red, [&](const std::vector<E>& r) { return f(b.read(x, s.join(kept, r))); });
}

// The value of one Reduce* output element. Integer inputs of ops defined
// through float math (L2, LogSumExp) compute in f64 and truncate back.
E reduce_value(KernelBuilder& b, const std::string& op, TensorId x, const AxisSplit& s,
               const std::vector<E>& kept) {
  const DType t = b.decl(x).dtype;
  const DType ft = is_float(t) ? t : DType::F64;
  auto red = [&](ReduceOp r, const std::function<E(E)>& f) { return reduce_over(b, x, s, kept, r, f); };
  auto as_is = [](E v) { return v; };
  const int64_t count = num_elements(s.red);
  if (op == "ReduceSum") return red(ReduceOp::Add, as_is);
  if (op == "ReduceMax") return red(ReduceOp::Max, as_is);
  if (op == "ReduceMin") return red(ReduceOp::Min, as_is);
  if (op == "ReduceProd") return red(ReduceOp::Mul, as_is);
  if (op == "ReduceL1") return red(ReduceOp::Add, [](E v) { return pattern::abs(v); });
  if (op == "ReduceSumSquare") return red(ReduceOp::Add, [](E v) { return v * v; });
  if (op == "ReduceMean") {
    E sum = red(ReduceOp::Add, as_is);
    return is_float(t) || count != 0 ? sum / static_cast<double>(count) : sum;  // no int division by 0
  }
  if (op == "ReduceL2") {
    E sum = red(ReduceOp::Add, [&](E v) {
      E f = pattern::cast(v, ft);
      return f * f;
    });
    return pattern::cast(pattern::sqrt(sum), t);
  }
  TESSERA_CHECK(op == "ReduceLogSumExp", "unexpected reduce op {}", op);
  // Shift by the max so exp cannot overflow; an infinite max shifts by 0 instead (no inf - inf).
  E m = b.let("m", red(ReduceOp::Max, [&](E v) { return pattern::cast(v, ft); }));
  E shift = b.let("shift", pattern::select(pattern::unary(UnOp::IsInf, m), zero_like(m), m));
  E sum = red(ReduceOp::Add, [&](E v) { return pattern::exp(pattern::cast(v, ft) - shift); });
  return pattern::cast(shift + pattern::log(sum), t);
}

void lower_reduce(LowerContext& ctx, const Node& n) {
  std::string name = "reduce_" + n.op.substr(6);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return std::tolower(ch); });
  KernelBuilder b(name);
  NodeParams p = declare_params(b, ctx, n);
  const Shape& shape = input_shape(ctx, n, 0);
  const AxisSplit s = split_axes(shape, reduce_axes(ctx, n, static_cast<int64_t>(shape.size())));
  const bool keepdims = n.attr_int("keepdims", 1) != 0;
  b.map_shape(s.kept, [&](const std::vector<E>& kept) {
    b.store(p.out[0], s.out_index(kept, keepdims), reduce_value(b, n.op, p.in[0], s, kept));
  });
  ctx.emit(b.finish(), n, p.args);
}

// First (or last) index of the max/min along the axis; NaN counts as the extreme, like NumPy.
void lower_arg_reduce(LowerContext& ctx, const Node& n) {
  const bool is_max = n.op == "ArgMax", last = n.attr_int("select_last_index", 0) != 0;
  KernelBuilder b(is_max ? "argmax" : "argmin");
  NodeParams p = declare_params(b, ctx, n);
  const Shape& shape = input_shape(ctx, n, 0);
  const int64_t axis = graph::normalize_axis(n.attr_int("axis", 0), static_cast<int64_t>(shape.size()), n);
  const AxisSplit s = split_axes(shape, {axis});
  const TensorId x = p.in[0];
  b.map_shape(s.kept, [&](const std::vector<E>& kept) {
    E m = b.let("m", reduce_over(b, x, s, kept, is_max ? ReduceOp::Max : ReduceOp::Min, [](E v) { return v; }));
    E pos = b.reduce_shape(last ? ReduceOp::Max : ReduceOp::Min, s.red, [&](const std::vector<E>& r) {
      E v = b.read(x, s.join(kept, r));
      E hit = pattern::eq(v, m);
      if (is_float(v.dtype())) hit = pattern::lor(hit, pattern::unary(UnOp::IsNaN, v));
      return pattern::select(hit, r[0], pattern::iconst(last ? -1 : s.red[0]));
    }, "j");
    b.store(p.out[0], s.out_index(kept, n.attr_int("keepdims", 1) != 0), pos);
  });
  ctx.emit(b.finish(), n, p.args);
}

// Strict order used by TopK: `w` comes before `v`. NaN sorts as the largest value.
E better(E w, E v, bool largest) {
  if (!is_float(w.dtype())) return largest ? pattern::gt(w, v) : pattern::lt(w, v);
  E w_nan = pattern::unary(UnOp::IsNaN, w), v_nan = pattern::unary(UnOp::IsNaN, v);
  if (largest) return pattern::lor(pattern::gt(w, v), pattern::land(w_nan, pattern::lnot(v_nan)));
  return pattern::lor(pattern::lt(w, v), pattern::land(v_nan, pattern::lnot(w_nan)));
}

E same(E w, E v) {
  if (!is_float(w.dtype())) return pattern::eq(w, v);
  return pattern::lor(pattern::eq(w, v),
                      pattern::land(pattern::unary(UnOp::IsNaN, w), pattern::unary(UnOp::IsNaN, v)));
}

std::vector<E> with_axis(std::vector<E> index, int64_t axis, E at) {
  index[static_cast<size_t>(axis)] = at;
  return index;
}

// TopK's outputs, or locals standing in for outputs the model does not use.
struct TopKTargets {
  TensorId values, indices;
};

TopKTargets topk_targets(KernelBuilder& b, const NodeParams& p, const Shape& out_shape) {
  const DType t = b.decl(p.in[0]).dtype;
  TopKTargets r;
  r.values = p.out[0] >= 0 ? p.out[0] : b.local("values", t, out_shape);
  r.indices = p.out.size() > 1 && p.out[1] >= 0 ? p.out[1] : b.local("indices", DType::I64, out_shape);
  return r;
}

// Rank method, for K close to the row length: every element counts the
// elements that beat it (its rank, a reduce add over the row) and is stored at
// that position of a sorted local; the first K positions are the outputs.
// The order is strict and total, so the ranks of a row are a permutation and
// the scatter has no collisions. O(n^2) per row.
void topk_by_rank(KernelBuilder& b, const NodeParams& p, const TopKTargets& out, const Shape& shape,
                  int64_t axis, int64_t k, bool largest) {
  const TensorId x = p.in[0];
  Shape out_shape = shape;
  out_shape[axis] = k;
  const TensorId values = b.local("sorted", b.decl(x).dtype, shape), order = b.local("order", DType::I64, shape);
  b.map_shape(shape, [&](const std::vector<E>& index) {
    E v = b.read(x, index);
    E j = index[static_cast<size_t>(axis)];
    E rank = b.let("rank", b.reduce_shape(ReduceOp::Add, {shape[axis]}, [&](const std::vector<E>& r) {
      E w = b.read(x, with_axis(index, axis, r[0]));
      E beats = pattern::lor(better(w, v, largest), pattern::land(same(w, v), pattern::lt(r[0], j)));
      return pattern::cast(beats, DType::I64);
    }));
    b.store(values, with_axis(index, axis, rank), v);
    b.store(order, with_axis(index, axis, rank), j);
  });
  b.map_shape(out_shape, [&](const std::vector<E>& o) {
    b.store(out.values, o, b.read(values, o));
    b.store(out.indices, o, b.read(order, o));
  }, "o");
}

// The smallest (lowest=true) or largest value of an integer or float dtype.
E extreme(DType t, bool lowest) {
  if (is_float(t)) return pattern::constant(lowest ? -INFINITY : INFINITY, t);
  if (t == DType::I64) return pattern::iconst(lowest ? INT64_MIN : INT64_MAX);
  const double limits[][2] = {{-2147483648.0, 2147483647.0}, {-32768, 32767}, {-128, 127}, {0, 255}};
  const size_t row = t == DType::I32 ? 0 : t == DType::I16 ? 1 : t == DType::I8 ? 2 : 3;
  return pattern::constant(limits[row][lowest ? 0 : 1], t);
}

// Reductions along one row (the TopK axis) of x, for the selection rounds.
struct Row {
  KernelBuilder& b;
  TensorId x;
  const AxisSplit& s;
  const std::vector<E>& kept;
  int64_t len;

  // reduce <op> j { select(cond(x_j, j), value(x_j, j), fallback) }
  E reduce(ReduceOp op, const std::function<E(E, E)>& cond, const std::function<E(E, E)>& value, E fallback) const {
    return b.reduce_shape(op, {len}, [&](const std::vector<E>& j) {
      E v = b.read(x, s.join(kept, j));
      return pattern::select(cond(v, j[0]), value(v, j[0]), fallback);
    }, "j");
  }
  // The first j where cond holds, or len.
  E first(const std::function<E(E, E)>& cond) const {
    return reduce(ReduceOp::Min, cond, [](E, E j) { return j; }, pattern::iconst(len));
  }
};

// Selection method, for small K: a fold of K rounds; round r picks, per row,
// the first best element among those that come after round r-1's pick in the
// order (NaN counts as the largest value). O(K n) per row.
void topk_by_selection(KernelBuilder& b, const NodeParams& p, const TopKTargets& out, const Shape& shape,
                       int64_t axis, int64_t k, bool largest) {
  const TensorId x = p.in[0];
  const DType t = b.decl(x).dtype;
  const AxisSplit s = split_axes(shape, {axis});
  const pattern::VarId round = b.var("r");
  b.fold({{round, k}}, [&] {
    b.map_shape(s.kept, [&](const std::vector<E>& kept) {
      const Row row{b, x, s, kept, shape[axis]};
      E r = b.idx(round);
      E prev = b.let("prev", b.read(out.indices, s.join(kept, {pattern::max(r - 1.0, pattern::iconst(0))})));
      E prev_v = b.let("prev_v", b.read(x, s.join(kept, {prev})));
      // Eligible: comes after the previous pick (every element in round 0) and satisfies `also`.
      auto eligible_and = [&](std::function<E(E)> also) {
        return [=](E v, E j) {
          E after = pattern::lor(better(prev_v, v, largest), pattern::land(same(prev_v, v), pattern::lt(prev, j)));
          return pattern::land(pattern::lor(pattern::eq(r, pattern::iconst(0)), after), also(v));
        };
      };
      auto is_nan = [](E v) { return pattern::unary(UnOp::IsNaN, v); };
      auto not_nan = [&](E v) { return is_float(t) ? pattern::lnot(is_nan(v)) : pattern::bconst(true); };
      E best = b.let("best", row.reduce(largest ? ReduceOp::Max : ReduceOp::Min, eligible_and(not_nan),
                                        [](E v, E) { return v; }, extreme(t, largest)));
      E pick = b.let("at", row.first(eligible_and([&](E v) { return pattern::eq(v, best); })));
      if (is_float(t)) {  // NaNs come first when largest, last otherwise
        E nan_at = b.let("nan_at", row.first(eligible_and(is_nan)));
        E none = pattern::iconst(row.len);
        pick = b.let("pick", largest ? pattern::select(pattern::lt(nan_at, none), nan_at, pick)
                                     : pattern::select(pattern::lt(pick, none), pick, nan_at));
      }
      b.store(out.indices, s.join(kept, {r}), pick);
      b.store(out.values, s.join(kept, {r}), b.read(x, s.join(kept, {pick})));
    });
  });
}

void lower_topk(LowerContext& ctx, const Node& n) {
  KernelBuilder b("topk");
  NodeParams p = declare_params(b, ctx, n);
  const Shape& shape = input_shape(ctx, n, 0);
  const int64_t axis = graph::normalize_axis(n.attr_int("axis", -1), static_cast<int64_t>(shape.size()), n);
  const bool largest = n.attr_int("largest", 1) != 0;
  const int64_t k = graph::const_ints(ctx.graph(), n, 1).at(0);
  Shape out_shape = shape;
  out_shape[axis] = k;
  const TopKTargets out = topk_targets(b, p, out_shape);
  // Sorted output either way (sorted=0 allows any order). Selection costs about
  // 4 reduces of the row per output, the rank method one per input element.
  if (4 * k <= shape[axis]) topk_by_selection(b, p, out, shape, axis, k, largest);
  else topk_by_rank(b, p, out, shape, axis, k, largest);
  ctx.emit(b.finish(), n, p.args);
}

// CumSum along a constant axis: map over the other dims, scan along the axis.
void cumsum_scan(KernelBuilder& b, const NodeParams& p, const Shape& shape, int64_t axis, bool exclusive,
                 bool reverse) {
  const AxisSplit s = split_axes(shape, {axis});
  const int64_t len = shape[axis];
  b.map_shape(s.kept, [&](const std::vector<E>& kept) {
    pattern::VarId j = b.var("j");
    E pos = reverse ? pattern::iconst(len - 1) - b.idx(j) : b.idx(j);
    std::vector<E> full = s.join(kept, {pos});
    b.scan(ReduceOp::Add, {j, len}, p.out[0], full, b.read(p.in[0], full), exclusive);
  });
}

// CumSum along an axis known only at run time: each element sums the part of
// its line that the (normalised) axis selects. An invalid axis reads out of
// bounds on purpose, so that the executor reports it instead of returning zeros.
void cumsum_runtime_axis(KernelBuilder& b, const NodeParams& p, const Shape& shape, bool exclusive,
                         bool reverse) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  const int64_t longest = *std::max_element(shape.begin(), shape.end());
  b.map_shape(shape, [&](const std::vector<E>& index) {
    const Shape& axis_shape = b.decl(p.in[1]).shape;
    E raw = pattern::cast(b.read(p.in[1], std::vector<E>(axis_shape.size(), pattern::iconst(0))), DType::I64);
    E a = b.let("axis", pattern::select(pattern::lt(raw, pattern::iconst(0)), raw + pattern::iconst(rank), raw));
    E valid = pattern::land(pattern::ge(a, pattern::iconst(0)), pattern::lt(a, pattern::iconst(rank)));
    E pos = pattern::iconst(0), extent = pattern::iconst(0);
    for (int64_t d = 0; d < rank; ++d) {
      E on = pattern::eq(a, pattern::iconst(d));
      pos = pattern::select(on, index[d], pos);
      extent = pattern::select(on, pattern::iconst(shape[d]), extent);
    }
    E sum = b.reduce_shape(ReduceOp::Add, {longest}, [&](const std::vector<E>& r) {
      E t = r[0];
      E in_line = reverse ? (exclusive ? pattern::gt(t, pos) : pattern::ge(t, pos))
                          : (exclusive ? pattern::lt(t, pos) : pattern::le(t, pos));
      E take = pattern::lor(pattern::lnot(valid), pattern::land(pattern::lt(t, extent), in_line));
      std::vector<E> src = index;
      for (int64_t d = 0; d < rank; ++d)
        src[d] = pattern::select(pattern::eq(a, pattern::iconst(d)), pattern::min(t, pattern::iconst(shape[d] - 1)),
                                 index[d]);
      src[0] = pattern::select(valid, src[0], pattern::iconst(shape[0]));
      E v = b.read(p.in[0], src);
      return pattern::select(take, v, zero_like(v));
    }, "t");
    b.store(p.out[0], index, sum);
  });
}

void lower_cumsum(LowerContext& ctx, const Node& n) {
  KernelBuilder b("cumsum");
  NodeParams p = declare_params(b, ctx, n);
  const Shape& shape = input_shape(ctx, n, 0);
  const bool exclusive = n.attr_int("exclusive", 0) != 0, reverse = n.attr_int("reverse", 0) != 0;
  const graph::Value& axis = ctx.graph().value(n.inputs[1]);
  if (axis.constant) {
    const int64_t a = graph::normalize_axis(axis.constant->get_i64(0), static_cast<int64_t>(shape.size()), n);
    cumsum_scan(b, p, shape, a, exclusive, reverse);
  } else {
    cumsum_runtime_axis(b, p, shape, exclusive, reverse);
  }
  ctx.emit(b.finish(), n, p.args);
}

}  // namespace

void register_lower_reduce(LowerTable& t) {
  for (const char* op : {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
                         "ReduceL2", "ReduceLogSumExp", "ReduceSumSquare"})
    t[op] = &lower_reduce;
  t["ArgMax"] = &lower_arg_reduce;
  t["ArgMin"] = &lower_arg_reduce;
  t["TopK"] = &lower_topk;
  t["CumSum"] = &lower_cumsum;
}

}  // namespace tessera::lower
