// ImportContext: name binding, fresh names, and the append-infer-fold step
// every converted node goes through.
#include "tessera/frontend/onnx/import_context.h"

#include <fmt/format.h>

#include "tessera/graph/infer.h"
#include "tessera/support/error.h"

namespace tessera::frontend {

ImportContext::ImportContext(graph::Graph& g, const FoldFn& fold, int64_t opset, std::string base_dir)
    : graph_(g), fold_(fold), opset_(opset), base_dir_(std::move(base_dir)) {}

graph::ValueId ImportContext::lookup(const std::string& name) const {
  auto it = by_name_.find(name);
  TESSERA_CHECK(it != by_name_.end(), "value '{}' used before definition (structure check missed it)", name);
  return it->second;
}

graph::ValueId ImportContext::add_named(const std::string& name, graph::Value v) {
  used_names_.insert(name);
  v.name = name;
  graph::ValueId id = graph_.add_value(std::move(v));
  by_name_[name] = id;
  return id;
}

graph::ValueId ImportContext::bind_constant(const std::string& onnx_name, Tensor t) {
  graph::Value v;
  v.dtype = t.dtype();
  v.shape = t.shape();
  v.shape_known = true;
  v.constant = std::move(t);
  return add_named(onnx_name, std::move(v));
}

graph::ValueId ImportContext::fresh_constant(const std::string& hint, Tensor t) {
  return bind_constant(fresh_name(hint), std::move(t));
}

std::string ImportContext::fresh_name(const std::string& hint) {
  std::string name = hint;
  for (int k = 1; used_names_.count(name) != 0; ++k) name = fmt::format("{}_{}", hint, k);
  used_names_.insert(name);
  return name;
}

std::vector<graph::ValueId> ImportContext::emit(graph::Node n, const std::vector<std::string>& out_names) {
  n.outputs.clear();
  for (const std::string& name : out_names) n.outputs.push_back(name.empty() ? graph::kNoValue : add_named(name, {}));
  graph::infer_node(graph_, n);
  // Inference sets every output the operator has; one left unset is an output
  // the model declared beyond them.
  for (size_t k = 0; k < n.outputs.size(); ++k) {
    const graph::ValueId o = n.outputs[k];
    if (o != graph::kNoValue && !graph_.value(o).shape_known)
      fail("{} declares output {} ('{}'), but {} has no output {}; remove it from the node and re-export",
           n.describe(), k, graph_.value(o).name, n.op, k);
  }
  std::vector<graph::ValueId> outputs = n.outputs;
  if (!try_fold(n)) graph_.nodes.push_back(std::move(n));
  return outputs;
}

graph::ValueId ImportContext::emit_temp(const std::string& op, const std::string& node_name,
                                        std::vector<graph::ValueId> inputs, std::map<std::string, graph::Attr> attrs) {
  return emit_named(op, node_name, std::move(inputs), std::move(attrs), fresh_name(node_name));
}

graph::ValueId ImportContext::emit_named(const std::string& op, const std::string& node_name,
                                         std::vector<graph::ValueId> inputs, std::map<std::string, graph::Attr> attrs,
                                         const std::string& out_name) {
  graph::Node n;
  n.op = op;
  n.name = node_name;
  n.inputs = std::move(inputs);
  n.attrs = std::move(attrs);
  return emit(std::move(n), {out_name}).at(0);
}

// Evaluates a node whose inputs are all constant, storing the results as
// payloads. Big results stay nodes: a constant that size costs memory at
// import time and the lowering computes it just as well.
bool ImportContext::try_fold(const graph::Node& n) {
  if (!fold_) return false;
  for (graph::ValueId i : n.inputs)
    if (i != graph::kNoValue && !graph_.value(i).constant) return false;
  int64_t elements = 0;
  for (graph::ValueId o : n.outputs)
    if (o != graph::kNoValue) elements += num_elements(graph_.value(o).shape);
  if (elements > kMaxFoldElements) return false;
  std::vector<Tensor> results = fold_(graph_, n);
  if (results.empty() && !n.outputs.empty()) return false;  // the fold function declined
  TESSERA_CHECK(results.size() == n.outputs.size(), "{}: folding gave {} results for {} outputs", n.describe(),
                results.size(), n.outputs.size());
  for (size_t k = 0; k < n.outputs.size(); ++k) {
    if (n.outputs[k] == graph::kNoValue) continue;
    graph::Value& v = graph_.value(n.outputs[k]);
    const Tensor& r = results[k];
    TESSERA_CHECK(r.valid() && r.dtype() == v.dtype && r.shape() == v.shape,
                  "{}: folded output '{}' is {}{}, but inference said {}{}", n.describe(), v.name,
                  dtype_name(r.dtype()), shape_str(r.shape()), dtype_name(v.dtype), shape_str(v.shape));
    v.constant = r;
  }
  return true;
}

}  // namespace tessera::frontend
