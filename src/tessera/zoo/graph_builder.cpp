#include "tessera/zoo/graph_builder.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tessera/graph/infer.h"
#include "tessera/support/error.h"

namespace tessera::zoo {
namespace {

void round_floats(Attrs& attrs) {
  for (auto& [key, a] : attrs) {
    if (auto* d = std::get_if<double>(&a)) *d = static_cast<double>(static_cast<float>(*d));
    if (auto* v = std::get_if<std::vector<double>>(&a))
      for (double& d : *v) d = static_cast<double>(static_cast<float>(d));
  }
}

}  // namespace

std::string GraphBuilder::unique(const std::string& name) {
  std::string n = name;
  for (int k = 1; names_.count(n) != 0; ++k) n = fmt::format("{}.{}", name, k);
  names_.insert(n);
  return n;
}

ValueId GraphBuilder::add(graph::Value v) {
  v.name = unique(v.name);
  v.shape_known = true;
  return g_.add_value(std::move(v));
}

ValueId GraphBuilder::input(const std::string& name, DType dtype, Shape shape) {
  graph::Value v;
  v.name = name;
  v.dtype = dtype;
  v.shape = std::move(shape);
  ValueId id = add(std::move(v));
  g_.inputs.push_back(id);
  return id;
}

ValueId GraphBuilder::param(const std::string& name, Shape shape, DType dtype) {
  graph::Value v;
  v.name = name;
  v.dtype = dtype;
  v.shape = std::move(shape);
  v.parameter = true;
  return add(std::move(v));
}

ValueId GraphBuilder::constant(const std::string& name, Tensor t) {
  graph::Value v;
  v.name = name;
  v.dtype = t.dtype();
  v.shape = t.shape();
  v.constant = std::move(t);
  return add(std::move(v));
}

ValueId GraphBuilder::ints(const std::vector<int64_t>& values) {
  auto it = ints_.find(values);
  if (it != ints_.end()) return it->second;
  ValueId id = constant(fmt::format("const_i64[{}]", fmt::join(values, ",")),
                        Tensor::from_i64(values, {static_cast<int64_t>(values.size())}));
  ints_[values] = id;
  return id;
}

ValueId GraphBuilder::scalar(float value) {
  auto it = scalars_.find(value);
  if (it != scalars_.end()) return it->second;
  ValueId id = constant(fmt::format("const_f32[{}]", value), Tensor::scalar_f32(value));
  scalars_[value] = id;
  return id;
}

std::vector<ValueId> GraphBuilder::op_n(const std::string& op, const std::string& name, std::vector<ValueId> inputs,
                                        size_t num_outputs, Attrs attrs) {
  graph::Node n;
  n.op = op;
  n.name = name;
  n.inputs = std::move(inputs);
  n.attrs = std::move(attrs);
  round_floats(n.attrs);
  for (size_t k = 0; k < num_outputs; ++k) {
    graph::Value v;
    v.name = num_outputs == 1 ? name : fmt::format("{}/{}", name, k);
    v.name = unique(v.name);
    n.outputs.push_back(g_.add_value(std::move(v)));
  }
  g_.nodes.push_back(std::move(n));
  graph::infer_node(g_, g_.nodes.back());
  return g_.nodes.back().outputs;
}

ValueId GraphBuilder::op(const std::string& op, const std::string& name, std::vector<ValueId> inputs, Attrs attrs) {
  return op_n(op, name, std::move(inputs), 1, std::move(attrs)).front();
}

int64_t GraphBuilder::dim(ValueId v, int64_t axis) const {
  const Shape& s = shape(v);
  const auto rank = static_cast<int64_t>(s.size());
  TESSERA_CHECK(axis >= -rank && axis < rank, "axis {} of {}{}", axis, g_.value(v).name, shape_str(s));
  return s[static_cast<size_t>(axis < 0 ? axis + rank : axis)];
}

graph::Graph GraphBuilder::finish() {
  graph::verify(g_);
  return std::move(g_);
}

}  // namespace tessera::zoo
