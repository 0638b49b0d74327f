// Shape and type inference for reductions (Reduce*, ArgMax/ArgMin), TopK and
// CumSum. Axes that decide an output shape (Reduce* axes, TopK's K) must be
// constants; CumSum's axis only decides values and may be a runtime scalar.
// Reduce* take their axes as optional input 1 (the importer moves older
// opsets' attribute there): absent or empty means every axis, unless
// noop_with_empty_axes=1, which means none.
#include <fmt/format.h>

#include <set>

#include "tessera/graph/infer.h"
#include "tessera/support/error.h"

namespace tessera::graph {
namespace {

const Value& numeric_input(const Graph& g, const Node& n, size_t k) {
  const Value& v = need_input(g, n, k);
  if (v.dtype == DType::Bool)
    fail("{}: input '{}' is bool, but this operator takes numbers; insert a Cast", n.describe(), v.name);
  return v;
}

Shape reduced_shape(const Shape& in, const std::vector<int64_t>& axes, bool keepdims) {
  Shape out;
  std::set<int64_t> red(axes.begin(), axes.end());
  for (int64_t d = 0; d < static_cast<int64_t>(in.size()); ++d) {
    if (!red.count(d)) out.push_back(in[d]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

void infer_reduce(Graph& g, const Node& n) {
  check_arity(g, n, 1, 2);
  const Value& x = numeric_input(g, n, 0);
  const std::vector<int64_t> axes = reduce_axes(g, n, static_cast<int64_t>(x.shape.size()));
  set_output(g, n, 0, x.dtype, reduced_shape(x.shape, axes, n.attr_int("keepdims", 1) != 0));
}

void infer_arg_reduce(Graph& g, const Node& n) {
  check_arity(g, n, 1, 1);
  const Value& x = numeric_input(g, n, 0);
  const int64_t axis = normalize_axis(n.attr_int("axis", 0), static_cast<int64_t>(x.shape.size()), n);
  if (x.shape.empty() || x.shape[axis] == 0)
    fail("{}: cannot take {} along an empty axis (input shape {})", n.describe(), n.op, shape_str(x.shape));
  set_output(g, n, 0, DType::I64, reduced_shape(x.shape, {axis}, n.attr_int("keepdims", 1) != 0));
}

void infer_topk(Graph& g, const Node& n) {
  check_arity(g, n, 2, 2);
  const Value& x = numeric_input(g, n, 0);
  const int64_t axis = normalize_axis(n.attr_int("axis", -1), static_cast<int64_t>(x.shape.size()), n);
  const std::vector<int64_t> k = const_ints(g, n, 1);
  if (k.size() != 1) fail("{}: K must hold one value, got {}", n.describe(), k.size());
  if (x.shape.empty() || k[0] < 0 || k[0] > x.shape[axis])
    fail("{}: K={} is out of range for axis {} of shape {}", n.describe(), k[0], axis, shape_str(x.shape));
  Shape out = x.shape;
  out[axis] = k[0];
  set_output(g, n, 0, x.dtype, out);
  set_output(g, n, 1, DType::I64, out);
}

void infer_cumsum(Graph& g, const Node& n) {
  check_arity(g, n, 2, 2);
  const Value& x = numeric_input(g, n, 0);
  const Value& axis = need_input(g, n, 1);
  if ((axis.dtype != DType::I64 && axis.dtype != DType::I32) || num_elements(axis.shape) != 1)
    fail("{}: axis '{}' must be an int32 or int64 scalar, got {}{}", n.describe(), axis.name,
         dtype_name(axis.dtype), shape_str(axis.shape));
  if (x.shape.empty()) fail("{}: input '{}' is a scalar; CumSum needs rank >= 1", n.describe(), x.name);
  if (axis.constant) normalize_axis(axis.constant->get_i64(0), static_cast<int64_t>(x.shape.size()), n);
  set_output(g, n, 0, x.dtype, x.shape);
}

}  // namespace

std::vector<int64_t> reduce_axes(const Graph& g, const Node& n, int64_t rank) {
  std::vector<int64_t> raw = g.has_input(n, 1) ? const_ints(g, n, 1) : n.attr_ints("axes", {});
  std::set<int64_t> axes;
  for (int64_t a : raw)
    if (!axes.insert(normalize_axis(a, rank, n)).second) fail("{}: axis {} is listed twice", n.describe(), a);
  if (axes.empty() && n.attr_int("noop_with_empty_axes", 0) == 0)
    for (int64_t d = 0; d < rank; ++d) axes.insert(d);
  return {axes.begin(), axes.end()};
}


void register_infer_reduce(InferTable& t) {
  for (const char* op : {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
                         "ReduceL2", "ReduceLogSumExp", "ReduceSumSquare"})
    t[op] = &infer_reduce;
  t["ArgMax"] = &infer_arg_reduce;
  t["ArgMin"] = &infer_arg_reduce;
  t["TopK"] = &infer_topk;
  t["CumSum"] = &infer_cumsum;
}

}  // namespace tessera::graph
