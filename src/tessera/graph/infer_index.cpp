// Shape and type inference for the index family: ops whose reads or writes go
// through data-dependent indices (Gather*, Scatter*, OneHot) or computed
// coordinates (Resize, Upsample; parameters in infer_index_resize.cpp).
// NonZero and Unique are registered only to reject them: their output shapes
// depend on the data.
#include <algorithm>

#include "tessera/graph/infer.h"
#include "tessera/graph/infer_index_params.h"
#include "tessera/support/error.h"

namespace tessera::graph {
namespace {

int64_t rank_of(const Value& v) { return static_cast<int64_t>(v.shape.size()); }

const Value& index_input(const Graph& g, const Node& n, size_t k) {
  const Value& v = need_input(g, n, k);
  if (!is_integer(v.dtype))
    fail("{}: indices '{}' are {}; they must be an integer type (i64 or i32)", n.describe(), v.name,
         dtype_name(v.dtype));
  return v;
}

int64_t data_axis(const Node& n, const Value& data) {
  if (data.shape.empty()) fail("{}: data '{}' is a scalar; it needs rank >= 1", n.describe(), data.name);
  return normalize_axis(n.attr_int("axis", 0), rank_of(data), n);
}

void check_reduction(const Node& n) {
  const std::string r = n.attr_str("reduction", "none");
  if (r != "none" && r != "add" && r != "mul" && r != "max" && r != "min")
    fail("{}: reduction '{}' is not one of none, add, mul, max, min", n.describe(), r);
}

void infer_gather(Graph& g, const Node& n) {
  check_arity(g, n, 2, 2);
  const Value& x = need_input(g, n, 0);
  const Value& ind = index_input(g, n, 1);
  const auto axis = static_cast<size_t>(data_axis(n, x));
  Shape out(x.shape.begin(), x.shape.begin() + static_cast<int64_t>(axis));
  out.insert(out.end(), ind.shape.begin(), ind.shape.end());
  out.insert(out.end(), x.shape.begin() + static_cast<int64_t>(axis) + 1, x.shape.end());
  set_output(g, n, 0, x.dtype, out);
}

// GatherElements / ScatterElements: indices of the data's rank that fit inside
// it on every axis but `axis`.
void check_elementwise_indices(const Node& n, const Value& x, const Value& ind, size_t axis) {
  if (ind.shape.size() != x.shape.size())
    fail("{}: indices shape {} and data shape {} must have the same rank", n.describe(), shape_str(ind.shape),
         shape_str(x.shape));
  for (size_t d = 0; d < x.shape.size(); ++d)
    if (d != axis && ind.shape[d] > x.shape[d])
      fail("{}: indices shape {} exceeds data shape {} on axis {}", n.describe(), shape_str(ind.shape),
           shape_str(x.shape), d);
}

void infer_gather_elements(Graph& g, const Node& n) {
  check_arity(g, n, 2, 2);
  const Value& x = need_input(g, n, 0);
  const Value& ind = index_input(g, n, 1);
  check_elementwise_indices(n, x, ind, static_cast<size_t>(data_axis(n, x)));
  set_output(g, n, 0, x.dtype, ind.shape);
}

void infer_gather_nd(Graph& g, const Node& n) {
  check_arity(g, n, 2, 2);
  const Value& x = need_input(g, n, 0);
  const Value& ind = index_input(g, n, 1);
  const int64_t b = n.attr_int("batch_dims", 0), r = rank_of(x), q = rank_of(ind);
  if (q < 1 || r < 1) fail("{}: data and indices need rank >= 1", n.describe());
  if (b < 0 || b >= std::min(q, r))
    fail("{}: batch_dims {} must be in 0..{} for data rank {} and indices rank {}", n.describe(), b,
         std::min(q, r) - 1, r, q);
  const int64_t k = ind.shape.back();
  if (k < 1 || k > r - b)
    fail("{}: the last dimension of indices shape {} is {}; it must be in 1..{}", n.describe(),
         shape_str(ind.shape), k, r - b);
  for (int64_t d = 0; d < b; ++d)
    if (x.shape[static_cast<size_t>(d)] != ind.shape[static_cast<size_t>(d)])
      fail("{}: batch dimension {} differs: data shape {} vs indices shape {}", n.describe(), d,
           shape_str(x.shape), shape_str(ind.shape));
  Shape out(ind.shape.begin(), ind.shape.end() - 1);
  out.insert(out.end(), x.shape.begin() + b + k, x.shape.end());
  set_output(g, n, 0, x.dtype, out);
}

void check_updates(const Node& n, const Value& x, const Value& upd, const Shape& expected) {
  if (upd.dtype != x.dtype)
    fail("{}: updates are {} but data is {}; they must match", n.describe(), dtype_name(upd.dtype),
         dtype_name(x.dtype));
  if (upd.shape != expected)
    fail("{}: updates shape {} should be {} for these data and indices", n.describe(), shape_str(upd.shape),
         shape_str(expected));
}

void infer_scatter_nd(Graph& g, const Node& n) {
  check_arity(g, n, 3, 3);
  check_reduction(n);
  const Value& x = need_input(g, n, 0);
  const Value& ind = index_input(g, n, 1);
  const Value& upd = need_input(g, n, 2);
  if (x.shape.empty() || ind.shape.empty()) fail("{}: data and indices need rank >= 1", n.describe());
  const int64_t k = ind.shape.back();
  if (k < 1 || k > rank_of(x))
    fail("{}: the last dimension of indices shape {} is {}; it must be in 1..{}", n.describe(),
         shape_str(ind.shape), k, rank_of(x));
  Shape expected(ind.shape.begin(), ind.shape.end() - 1);
  expected.insert(expected.end(), x.shape.begin() + k, x.shape.end());
  check_updates(n, x, upd, expected);
  set_output(g, n, 0, x.dtype, x.shape);
}

void infer_scatter_elements(Graph& g, const Node& n) {
  check_arity(g, n, 3, 3);
  check_reduction(n);
  const Value& x = need_input(g, n, 0);
  const Value& ind = index_input(g, n, 1);
  const Value& upd = need_input(g, n, 2);
  check_elementwise_indices(n, x, ind, static_cast<size_t>(data_axis(n, x)));
  check_updates(n, x, upd, ind.shape);
  set_output(g, n, 0, x.dtype, x.shape);
}

void infer_one_hot(Graph& g, const Node& n) {
  check_arity(g, n, 3, 3);
  const Value& ind = need_input(g, n, 0);
  const Value& values = need_input(g, n, 2);
  const std::vector<int64_t> depth = const_ints(g, n, 1);
  if (depth.size() != 1) fail("{}: depth must be a single value", n.describe());
  if (depth[0] < 0) fail("{}: depth {} is negative", n.describe(), depth[0]);
  if (num_elements(values.shape) != 2)
    fail("{}: values has shape {}; it must hold exactly [off_value, on_value]", n.describe(),
         shape_str(values.shape));
  if (ind.dtype == DType::Bool) fail("{}: indices must be numeric, not bool", n.describe());
  const int64_t out_rank = rank_of(ind) + 1;
  int64_t axis = n.attr_int("axis", -1);
  if (axis < -out_rank || axis >= out_rank)
    fail("{}: axis {} is out of range for the rank-{} output", n.describe(), axis, out_rank);
  if (axis < 0) axis += out_rank;
  Shape out = ind.shape;
  out.insert(out.begin() + axis, depth[0]);
  set_output(g, n, 0, values.dtype, out);
}

void infer_resize(Graph& g, const Node& n) {
  check_arity(g, n, 1, 4);
  const Value& x = need_input(g, n, 0);
  set_output(g, n, 0, x.dtype, resize_params(g, n).out_shape);
}

void infer_data_dependent(Graph& g, const Node& n) {
  fail("{}: output shape depends on the input data, which Tessera does not support (static shapes only)",
       n.describe());
}

}  // namespace

void register_infer_index(InferTable& t) {
  t["Gather"] = &infer_gather;
  t["GatherElements"] = &infer_gather_elements;
  t["GatherND"] = &infer_gather_nd;
  t["ScatterND"] = &infer_scatter_nd;
  t["ScatterElements"] = &infer_scatter_elements;
  t["OneHot"] = &infer_one_hot;
  t["Resize"] = &infer_resize;
  t["Upsample"] = &infer_resize;
  t["NonZero"] = &infer_data_dependent;
  t["Unique"] = &infer_data_dependent;
}

}  // namespace tessera::graph
