// Lowering of normalisations and the softmax family. Each op splits the input
// dims into kept dims (mapped over) and reduced dims, and emits one kernel:
//   map <kept> { let statistics = reduce ... <reduced>; map <reduced> { y = ... } }
// Softmax subtracts the row max before exp (numerically stable); the
// variance-based norms compute the mean first and then the mean of (x-mean)^2
// (two passes), never E[x^2]-E[x]^2, which cancels badly.
#include <cctype>
#include <functional>
#include <string>
#include <vector>

#include "tessera/lower/axis_split.h"
#include "tessera/lower/lower.h"

namespace tessera::lower {
namespace {

using graph::Node;
using pattern::E;
using pattern::KernelBuilder;
using pattern::ReduceOp;
using pattern::TensorId;

std::vector<int64_t> axes_from(int64_t first, int64_t rank) {
  std::vector<int64_t> axes;
  for (int64_t d = first; d < rank; ++d) axes.push_back(d);
  return axes;
}

std::string kernel_name(const std::string& op) {
  std::string s;
  for (char c : op) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Everything a group-wise kernel body needs: the builder, the input x and its split.
struct Group {
  KernelBuilder& b;
  TensorId x;
  const AxisSplit& s;
  const std::vector<E>& kept;

  E read(const std::vector<E>& red_index) const { return b.read(x, s.join(kept, red_index)); }
  E reduce(ReduceOp op, const std::function<E(E)>& body) const {
    return b.reduce_shape(op, s.red, [&](const std::vector<E>& r) { return body(read(r)); });
  }
  // map <reduced dims> { y[...] = f(x, full index) }
  void store_each(TensorId y, const std::function<E(E, const std::vector<E>&)>& f) const {
    b.map_shape(s.red, [&](const std::vector<E>& r) {
      std::vector<E> full = s.join(kept, r);
      b.store(y, full, f(b.read(x, full), full));
    }, "j");
  }
  // mean = sum/n and variance = sum((x-mean)^2)/n, as lets. (Clang 14 lambdas
  // cannot capture structured bindings: callers copy `mean` into a plain name.)
  std::pair<E, E> moments() const {
    E mean = b.let("mean", reduce(ReduceOp::Add, [](E v) { return v; }) / s.count());
    E var = b.let("var", reduce(ReduceOp::Add, [&](E v) { return (v - mean) * (v - mean); }) / s.count());
    return {mean, var};
  }
};

// Builds one kernel that maps `body` over the kept dims of input 0.
void lower_grouped(LowerContext& ctx, const Node& n, const std::vector<int64_t>& reduced_axes,
                   const std::function<void(const Group&, const NodeParams&)>& body) {
  KernelBuilder b(kernel_name(n.op));
  NodeParams p = declare_params(b, ctx, n);
  const AxisSplit s = split_axes(b.decl(p.in[0]).shape, reduced_axes);
  b.map_shape(s.kept, [&](const std::vector<E>& kept) { body(Group{b, p.in[0], s, kept}, p); });
  ctx.emit(b.finish(), n, p.args);
}

// Reduced axes of the softmax family: one axis, or all dims from it on in the legacy form.
std::vector<int64_t> softmax_axes(const Node& n, int64_t rank) {
  const bool legacy = n.attr_int("legacy", 0) != 0;
  const int64_t axis = graph::normalize_axis(n.attr_int("axis", legacy ? 1 : -1), rank, n);
  return legacy ? axes_from(axis, rank) : std::vector<int64_t>{axis};
}

int64_t rank_of(LowerContext& ctx, const Node& n) {
  return static_cast<int64_t>(ctx.graph().value(n.inputs[0]).shape.size());
}

void lower_softmax(LowerContext& ctx, const Node& n) {
  const bool log_form = n.op == "LogSoftmax";
  lower_grouped(ctx, n, softmax_axes(n, rank_of(ctx, n)), [&](const Group& g, const NodeParams& p) {
    E m = g.b.let("m", g.reduce(ReduceOp::Max, [](E v) { return v; }));
    E sum = g.b.let("s", g.reduce(ReduceOp::Add, [&](E v) { return pattern::exp(v - m); }));
    g.store_each(p.out[0], [&](E v, const std::vector<E>&) {
      return log_form ? v - m - pattern::log(sum) : pattern::exp(v - m) / sum;
    });
  });
}

// Hardmax: 1 at the first maximum (NaN counts as the maximum, like argmax), else 0.
void lower_hardmax(LowerContext& ctx, const Node& n) {
  lower_grouped(ctx, n, softmax_axes(n, rank_of(ctx, n)), [&](const Group& g, const NodeParams& p) {
    const std::vector<int64_t> strides = row_major_strides(g.s.red);
    auto flat = [&](const std::vector<E>& r) {
      E f = pattern::iconst(0);
      for (size_t d = 0; d < r.size(); ++d) f = f + r[d] * pattern::iconst(strides[d]);
      return f;
    };
    E m = g.b.let("m", g.reduce(ReduceOp::Max, [](E v) { return v; }));
    E first = g.b.let("first", g.b.reduce_shape(ReduceOp::Min, g.s.red, [&](const std::vector<E>& r) {
      E v = g.read(r);
      E hit = pattern::lor(pattern::eq(v, m), pattern::unary(pattern::UnOp::IsNaN, v));
      return pattern::select(hit, flat(r), pattern::iconst(num_elements(g.s.red)));
    }));
    const DType t = g.b.decl(p.out[0]).dtype;
    g.b.map_shape(g.s.red, [&](const std::vector<E>& r) {
      E one = pattern::select(pattern::eq(flat(r), first), pattern::constant(1, t), pattern::constant(0, t));
      g.b.store(p.out[0], g.s.join(g.kept, r), one);
    }, "j");
  });
}

void lower_layer_norm(LowerContext& ctx, const Node& n) {
  const int64_t rank = rank_of(ctx, n);
  const int64_t axis = graph::normalize_axis(n.attr_int("axis", -1), rank, n);
  const double eps = n.attr_float("epsilon", 1e-5);
  lower_grouped(ctx, n, axes_from(axis, rank), [&](const Group& g, const NodeParams& p) {
    const auto [mean_e, var] = g.moments();
    const E mean = mean_e;  // captured by the lambdas below
    E inv = g.b.let("inv", pattern::recip(pattern::sqrt(var + eps)));
    auto param = [&](size_t k, const std::vector<E>& full) {
      TensorId t = p.in[k];
      return pattern::cast(g.b.read(t, broadcast_index(g.b.decl(t).shape, full)), mean.dtype());
    };
    g.store_each(p.out[0], [&](E v, const std::vector<E>& full) {
      E y = (v - mean) * inv * param(1, full);
      return p.in.size() > 2 && p.in[2] >= 0 ? y + param(2, full) : y;
    });
    std::vector<E> stats_index = g.s.join(g.kept, std::vector<E>(g.s.red.size(), pattern::iconst(0)));
    if (p.out.size() > 1 && p.out[1] >= 0) g.b.store(p.out[1], stats_index, mean);
    if (p.out.size() > 2 && p.out[2] >= 0) g.b.store(p.out[2], stats_index, inv);
  });
}

// A per-channel parameter (BatchNorm, InstanceNorm) at the group's channel, in x's dtype.
E channel_param(const Group& g, TensorId t, DType dtype) {
  return pattern::cast(g.b.read(t, {g.kept[1]}), dtype);
}

// Inference form: y = (x - mean[c]) * scale[c] / sqrt(var[c] + eps) + B[c], the
// per-channel factor computed once per (n, c) group.
void lower_batch_norm(LowerContext& ctx, const Node& n) {
  const double eps = n.attr_float("epsilon", 1e-5);
  lower_grouped(ctx, n, axes_from(2, rank_of(ctx, n)), [&](const Group& g, const NodeParams& p) {
    const DType t = g.b.decl(p.in[0]).dtype;
    E mean = g.b.let("mean", channel_param(g, p.in[3], t));
    E inv_std = pattern::recip(pattern::sqrt(channel_param(g, p.in[4], t) + eps));
    E a = g.b.let("a", channel_param(g, p.in[1], t) * inv_std);
    E bias = g.b.let("bias", channel_param(g, p.in[2], t));
    g.store_each(p.out[0], [&](E v, const std::vector<E>&) { return (v - mean) * a + bias; });
  });
}

void lower_instance_norm(LowerContext& ctx, const Node& n) {
  const double eps = n.attr_float("epsilon", 1e-5);
  lower_grouped(ctx, n, axes_from(2, rank_of(ctx, n)), [&](const Group& g, const NodeParams& p) {
    const DType t = g.b.decl(p.in[0]).dtype;
    const auto [mean_e, var] = g.moments();
    const E mean = mean_e;  // captured by the lambda below
    E a = g.b.let("a", channel_param(g, p.in[1], t) * pattern::recip(pattern::sqrt(var + eps)));
    E bias = g.b.let("bias", channel_param(g, p.in[2], t));
    g.store_each(p.out[0], [&](E v, const std::vector<E>&) { return (v - mean) * a + bias; });
  });
}

void lower_lp_norm(LowerContext& ctx, const Node& n) {
  const int64_t axis = graph::normalize_axis(n.attr_int("axis", -1), rank_of(ctx, n), n);
  const bool l1 = n.attr_int("p", 2) == 1;
  lower_grouped(ctx, n, {axis}, [&](const Group& g, const NodeParams& p) {
    E norm = l1 ? g.reduce(ReduceOp::Add, [](E v) { return pattern::abs(v); })
                : pattern::sqrt(g.reduce(ReduceOp::Add, [](E v) { return v * v; }));
    E norm_ref = g.b.let("norm", norm);
    g.store_each(p.out[0], [&](E v, const std::vector<E>&) { return v / norm_ref; });
  });
}

// ONNX's function body: (x - mean) / (sqrt(var) + 1e-9).
void lower_mvn(LowerContext& ctx, const Node& n) {
  const int64_t rank = rank_of(ctx, n);
  std::vector<int64_t> axes;
  for (int64_t a : n.attr_ints("axes", {0, 2, 3})) axes.push_back(graph::normalize_axis(a, rank, n));
  lower_grouped(ctx, n, axes, [&](const Group& g, const NodeParams& p) {
    const auto [mean_e, var] = g.moments();
    const E mean = mean_e;  // captured by the lambda below
    E denom = g.b.let("denom", pattern::sqrt(var) + 1e-9);
    g.store_each(p.out[0], [&](E v, const std::vector<E>&) { return (v - mean) / denom; });
  });
}

}  // namespace

void register_lower_norm(LowerTable& t) {
  t["Softmax"] = &lower_softmax;
  t["LogSoftmax"] = &lower_softmax;
  t["Hardmax"] = &lower_hardmax;
  t["LayerNormalization"] = &lower_layer_norm;
  t["BatchNormalization"] = &lower_batch_norm;
  t["InstanceNormalization"] = &lower_instance_norm;
  t["LpNormalization"] = &lower_lp_norm;
  t["MeanVarianceNormalization"] = &lower_mvn;
}

}  // namespace tessera::lower
