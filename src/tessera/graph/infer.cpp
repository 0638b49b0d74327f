#include "tessera/graph/infer.h"

#include <fmt/format.h>

#include "tessera/support/checked.h"
#include "tessera/support/error.h"

namespace tessera::graph {

const InferTable& infer_table() {
  static const InferTable table = [] {
    InferTable t;
    register_infer_elementwise(t);
    register_infer_linalg(t);
    register_infer_conv(t);
    register_infer_norm(t);
    register_infer_reduce(t);
    register_infer_shape(t);
    register_infer_index(t);
    register_infer_rnn(t);
    return t;
  }();
  return table;
}

bool is_supported(const std::string& op) { return infer_table().count(op) != 0; }

void infer_node(Graph& g, const Node& n) {
  auto it = infer_table().find(n.op);
  if (it == infer_table().end()) fail("{}: operator '{}' is not supported", n.describe(), n.op);
  for (size_t k = 0; k < n.inputs.size(); ++k)
    if (n.inputs[k] != kNoValue && !g.value(n.inputs[k]).shape_known)
      fail("{}: input '{}' has an unknown shape", n.describe(), g.value(n.inputs[k]).name);
  it->second(g, n);
}

namespace {

[[noreturn]] void fail_dim_overflow(const Node& n, std::string_view what) {
  fail("{}: {} is too large (over 2^62); check the model's dimensions and attributes", n.describe(), what);
}

int64_t bounded(int64_t r, bool wrapped, const Node& n, std::string_view what) {
  if (wrapped || r > kMaxCount || r < -kMaxCount) fail_dim_overflow(n, what);
  return r;
}

}  // namespace

int64_t dim_mul(int64_t a, int64_t b, const Node& n, std::string_view what) {
  int64_t r = 0;
  const bool wrapped = __builtin_mul_overflow(a, b, &r);
  return bounded(r, wrapped, n, what);
}

int64_t dim_add(int64_t a, int64_t b, const Node& n, std::string_view what) {
  int64_t r = 0;
  const bool wrapped = __builtin_add_overflow(a, b, &r);
  return bounded(r, wrapped, n, what);
}

int64_t dim_sub(int64_t a, int64_t b, const Node& n, std::string_view what) {
  int64_t r = 0;
  const bool wrapped = __builtin_sub_overflow(a, b, &r);
  return bounded(r, wrapped, n, what);
}

void set_output(Graph& g, const Node& n, size_t k, DType dtype, Shape shape) {
  if (k >= n.outputs.size() || n.outputs[k] == kNoValue) return;  // optional output not used
  bool empty = false;
  for (int64_t d : shape) {
    if (d < 0) fail("{}: inferred a negative dimension in output shape {}", n.describe(), shape_str(shape));
    if (d > kMaxCount)
      fail("{}: inferred dimension {} in output shape {} is too large (over 2^62); check the model's dimensions and "
           "attributes", n.describe(), d, shape_str(shape));
    empty |= d == 0;
  }
  int64_t count = 1;
  for (int64_t d : shape)
    if (!empty && (__builtin_mul_overflow(count, d, &count) || count > kMaxCount))
      fail("{}: output shape {} has more than 2^62 elements; check the model's dimensions and attributes",
           n.describe(), shape_str(shape));
  Value& v = g.value(n.outputs[k]);
  v.dtype = dtype;
  v.shape = std::move(shape);
  v.shape_known = true;
}

Shape broadcast(const Shape& a, const Shape& b, const Node& n) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      fail("{}: shapes {} and {} cannot be broadcast together", n.describe(), shape_str(a), shape_str(b));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

const Value& need_input(const Graph& g, const Node& n, size_t k) {
  const Value* v = g.input(n, k);
  if (!v) fail("{}: required input #{} is missing", n.describe(), k);
  return *v;
}

std::vector<int64_t> const_ints(const Graph& g, const Node& n, size_t k) {
  const Value& v = need_input(g, n, k);
  if (!v.constant)
    fail("{}: input '{}' must be a constant (it decides an output shape, and Tessera needs static "
         "shapes); export the model with fixed input sizes",
         n.describe(), v.name);
  return v.constant->to_i64_vector();
}

void check_arity(const Graph& g, const Node& n, size_t lo, size_t hi) {
  if (n.inputs.size() < lo || n.inputs.size() > hi)
    fail("{}: expects {} to {} inputs, got {}", n.describe(), lo, hi, n.inputs.size());
}

}  // namespace tessera::graph
