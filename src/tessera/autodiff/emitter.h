// Emitter: how gradient rules (and the training-step builder) append nodes to
// a graph. Every node gets a fresh name, the emitter's phase, and its outputs'
// shapes inferred at once (graph::infer_node), so a rule can read shapes as it
// goes and a wrong wiring fails where it is made.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tessera/graph/graph.h"

namespace tessera::autodiff {

using graph::ValueId;
using Attrs = std::map<std::string, graph::Attr>;

class Emitter {
 public:
  Emitter(graph::Graph& g, std::string phase, std::string prefix);

  graph::Graph& graph() { return g_; }
  const graph::Value& value(ValueId v) const { return g_.value(v); }
  // By value: emitting nodes grows the value table, so a reference would dangle.
  Shape shape(ValueId v) const { return g_.value(v).shape; }
  DType dtype(ValueId v) const { return g_.value(v).dtype; }
  int64_t rank(ValueId v) const { return static_cast<int64_t>(shape(v).size()); }
  // The node the current rule differentiates (names the nodes it emits).
  void set_origin(const std::string& name) { origin_ = name; }
  const std::string& origin() const { return origin_; }

  std::vector<ValueId> op_n(const std::string& op, std::vector<ValueId> inputs, size_t num_outputs, Attrs attrs = {});
  ValueId op(const std::string& op, std::vector<ValueId> inputs, Attrs attrs = {});

  ValueId constant(Tensor t, const std::string& hint = "const");
  ValueId ints(const std::vector<int64_t>& values);  // 1-D i64 constant
  ValueId scalar(double v, DType dtype);             // rank-0 constant
  // A fresh graph input (an upstream gradient, labels, optimiser state...).
  ValueId input(const std::string& name, DType dtype, Shape shape);
  std::string unique(const std::string& name);

  // --- shorthands ---
  // Shapes are taken by value: a caller's `shape(v)` refers into the graph's
  // values, which every emitted node may reallocate.
  ValueId add(ValueId a, ValueId b) { return op("Add", {a, b}); }
  ValueId sub(ValueId a, ValueId b) { return op("Sub", {a, b}); }
  ValueId mul(ValueId a, ValueId b) { return op("Mul", {a, b}); }
  ValueId div(ValueId a, ValueId b) { return op("Div", {a, b}); }
  ValueId neg(ValueId a) { return op("Neg", {a}); }
  ValueId scale(ValueId a, double s) { return s == 1.0 ? a : mul(a, scalar(s, dtype(a))); }
  ValueId reshape(ValueId a, Shape shape);
  ValueId transpose(ValueId a, const std::vector<int64_t>& perm);
  ValueId sum(ValueId a, const std::vector<int64_t>& axes, bool keepdims);
  ValueId expand(ValueId a, Shape shape);
  ValueId zeros(Shape shape, DType dtype);
  ValueId where(ValueId cond, ValueId a, ValueId b) { return op("Where", {cond, a, b}); }
  ValueId cast(ValueId a, DType to);
  // Sums a broadcast gradient back to `shape` (NumPy broadcasting from the right).
  ValueId unbroadcast(ValueId grad, Shape shape);

 private:
  ValueId add_value(graph::Value v);

  graph::Graph& g_;
  std::string phase_, prefix_, origin_;
  std::set<std::string> names_;
  std::map<std::vector<int64_t>, ValueId> ints_;
  std::map<std::pair<double, DType>, ValueId> scalars_;
};

}  // namespace tessera::autodiff
