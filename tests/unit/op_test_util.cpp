#include "op_test_util.h"

#include "tessera/exec/executor.h"
#include "tessera/graph/infer.h"
#include "tessera/lower/lower.h"

namespace tessera::testing {

graph::Graph infer_op(const std::string& op, const std::vector<OpInput>& inputs,
                      const std::map<std::string, graph::Attr>& attrs, size_t num_outputs) {
  graph::Graph g;
  g.name = "test_" + op;
  graph::Node n;
  n.op = op;
  n.name = "node";
  n.attrs = attrs;
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (inputs[k].absent) {
      n.inputs.push_back(graph::kNoValue);
      continue;
    }
    graph::Value v;
    v.name = "in" + std::to_string(k);
    v.dtype = inputs[k].value.dtype();
    v.shape = inputs[k].value.shape();
    v.shape_known = true;
    if (inputs[k].constant) v.constant = inputs[k].value;
    auto id = g.add_value(v);
    if (!inputs[k].constant) g.inputs.push_back(id);
    n.inputs.push_back(id);
  }
  for (size_t k = 0; k < num_outputs; ++k) {
    graph::Value v;
    v.name = "out" + std::to_string(k);
    auto id = g.add_value(v);
    n.outputs.push_back(id);
    g.outputs.push_back(id);
  }
  g.nodes.push_back(n);
  graph::infer_node(g, g.nodes.back());
  graph::verify(g);
  return g;
}

std::vector<Tensor> run_op(const std::string& op, const std::vector<OpInput>& inputs,
                           const std::map<std::string, graph::Attr>& attrs, size_t num_outputs) {
  graph::Graph g = infer_op(op, inputs, attrs, num_outputs);
  pattern::Program p = lower::lower(g);
  std::map<std::string, Tensor> feeds;
  for (size_t k = 0; k < inputs.size(); ++k)
    if (!inputs[k].absent && !inputs[k].constant) feeds["in" + std::to_string(k)] = inputs[k].value;
  auto results = exec::run_program(p, feeds);
  std::vector<Tensor> outs;
  for (size_t k = 0; k < num_outputs; ++k) outs.push_back(results.at("out" + std::to_string(k)));
  return outs;
}

Tensor f32(std::vector<float> v, Shape s) { return Tensor::from_f32(v, std::move(s)); }
Tensor i64(std::vector<int64_t> v, Shape s) { return Tensor::from_i64(v, std::move(s)); }
Tensor boolean(std::vector<bool> v, Shape s) {
  Tensor t(DType::Bool, std::move(s));
  for (size_t i = 0; i < v.size(); ++i) t.data<bool>()[i] = v[i];
  return t;
}
std::vector<float> values_f32(const Tensor& t) {
  std::vector<float> v(static_cast<size_t>(t.size()));
  for (int64_t i = 0; i < t.size(); ++i) v[i] = static_cast<float>(t.get_f64(i));
  return v;
}
std::vector<int64_t> values_i64(const Tensor& t) { return t.to_i64_vector(); }

}  // namespace tessera::testing
