#include "tessera/autodiff/emitter.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tessera/graph/infer.h"
#include "tessera/support/error.h"

namespace tessera::autodiff {

Emitter::Emitter(graph::Graph& g, std::string phase, std::string prefix)
    : g_(g), phase_(std::move(phase)), prefix_(std::move(prefix)) {
  for (const auto& v : g_.values) names_.insert(v.name);
}

std::string Emitter::unique(const std::string& name) {
  std::string n = name;
  for (int k = 1; names_.count(n) != 0; ++k) n = fmt::format("{}.{}", name, k);
  names_.insert(n);
  return n;
}

ValueId Emitter::add_value(graph::Value v) {
  v.name = unique(v.name);
  v.shape_known = true;
  return g_.add_value(std::move(v));
}

std::vector<ValueId> Emitter::op_n(const std::string& op, std::vector<ValueId> inputs, size_t num_outputs,
                                   Attrs attrs) {
  graph::Node n;
  n.op = op;
  n.name = unique(fmt::format("{}/{}/{}", prefix_, origin_.empty() ? "step" : origin_, op));
  n.inputs = std::move(inputs);
  n.attrs = std::move(attrs);
  n.phase = phase_;
  for (size_t k = 0; k < num_outputs; ++k) {
    graph::Value v;
    v.name = num_outputs == 1 ? n.name : fmt::format("{}/{}", n.name, k);
    n.outputs.push_back(add_value(std::move(v)));
  }
  graph::infer_node(g_, n);
  std::vector<ValueId> outs = n.outputs;
  g_.nodes.push_back(std::move(n));
  return outs;
}

ValueId Emitter::op(const std::string& op, std::vector<ValueId> inputs, Attrs attrs) {
  return op_n(op, std::move(inputs), 1, std::move(attrs))[0];
}

ValueId Emitter::constant(Tensor t, const std::string& hint) {
  graph::Value v;
  v.name = fmt::format("{}/{}", prefix_, hint);
  v.dtype = t.dtype();
  v.shape = t.shape();
  v.constant = std::move(t);
  return add_value(std::move(v));
}

ValueId Emitter::ints(const std::vector<int64_t>& values) {
  auto it = ints_.find(values);
  if (it != ints_.end()) return it->second;
  ValueId id = constant(Tensor::from_i64(values, {static_cast<int64_t>(values.size())}),
                        fmt::format("i64[{}]", fmt::join(values, ",")));
  ints_[values] = id;
  return id;
}

ValueId Emitter::scalar(double v, DType dtype) {
  auto key = std::make_pair(v, dtype);
  auto it = scalars_.find(key);
  if (it != scalars_.end()) return it->second;
  Tensor t(dtype, {});
  t.set_f64(0, v);
  ValueId id = constant(std::move(t), fmt::format("{}[{}]", dtype_name(dtype), v));
  scalars_[key] = id;
  return id;
}

ValueId Emitter::input(const std::string& name, DType dtype, Shape shape) {
  graph::Value v;
  v.name = name;
  v.dtype = dtype;
  v.shape = std::move(shape);
  ValueId id = add_value(std::move(v));
  g_.inputs.push_back(id);
  return id;
}

ValueId Emitter::reshape(ValueId a, Shape s) {
  if (shape(a) == s) return a;
  return op("Reshape", {a, ints(s)});
}

ValueId Emitter::transpose(ValueId a, const std::vector<int64_t>& perm) {
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i) identity = identity && perm[i] == static_cast<int64_t>(i);
  if (identity) return a;
  return op("Transpose", {a}, {{"perm", perm}});
}

ValueId Emitter::sum(ValueId a, const std::vector<int64_t>& axes, bool keepdims) {
  if (axes.empty()) return a;
  return op("ReduceSum", {a, ints(axes)}, {{"keepdims", int64_t{keepdims ? 1 : 0}}});
}

ValueId Emitter::expand(ValueId a, Shape s) {
  if (shape(a) == s) return a;
  return op("Expand", {a, ints(s)});
}

ValueId Emitter::zeros(Shape s, DType dt) { return expand(scalar(0.0, dt), std::move(s)); }

ValueId Emitter::cast(ValueId a, DType to) {
  if (dtype(a) == to) return a;
  int64_t code = 1;
  switch (to) {
    case DType::F32: code = 1; break;
    case DType::F64: code = 11; break;
    case DType::I64: code = 7; break;
    case DType::I32: code = 6; break;
    case DType::Bool: code = 9; break;
    default: TESSERA_CHECK(false, "Emitter::cast to {}", dtype_name(to));
  }
  return op("Cast", {a}, {{"to", code}});
}

ValueId Emitter::unbroadcast(ValueId grad, Shape target) {
  const Shape gs = shape(grad);
  if (gs == target) return grad;
  TESSERA_CHECK(gs.size() >= target.size(), "unbroadcast {} to {}", shape_str(gs), shape_str(target));
  const size_t lead = gs.size() - target.size();
  std::vector<int64_t> axes;
  for (size_t d = 0; d < gs.size(); ++d)
    if (d < lead || (target[d - lead] == 1 && gs[d] != 1)) axes.push_back(static_cast<int64_t>(d));
  return reshape(sum(grad, axes, /*keepdims=*/true), target);
}

}  // namespace tessera::autodiff
