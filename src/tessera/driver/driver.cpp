#include "tessera/driver/driver.h"

#include "tessera/exec/executor.h"
#include "tessera/frontend/onnx/importer.h"
#include "tessera/lower/lower.h"
#include "tessera/support/error.h"

namespace tessera::driver {
namespace {

// Folds one node with all-constant inputs by lowering it alone and executing it.
std::vector<Tensor> fold_node(const graph::Graph& g, const graph::Node& n) {
  auto it = lower::lower_table().find(n.op);
  if (it == lower::lower_table().end()) fail("{}: cannot fold operator '{}'", n.describe(), n.op);
  graph::Graph one;
  one.opset = g.opset;
  graph::Node copy = n;
  for (auto& in : copy.inputs)
    if (in != graph::kNoValue) in = one.add_value(g.value(in));
  for (auto& out : copy.outputs)
    if (out != graph::kNoValue) {
      graph::Value v = g.value(out);
      v.constant.reset();
      out = one.add_value(v);
      one.outputs.push_back(out);
    }
  one.nodes.push_back(copy);
  pattern::Program p = lower::lower(one);
  auto results = exec::run_program(p, {});
  std::vector<Tensor> outs;
  for (size_t k = 0; k < n.outputs.size(); ++k)
    outs.push_back(n.outputs[k] == graph::kNoValue ? Tensor() : results.at(one.value(copy.outputs[k]).name));
  return outs;
}

}  // namespace

graph::Graph load_model(const std::string& path) {
  graph::Graph g = frontend::import_onnx(path, fold_node);
  graph::verify(g);
  return g;
}

pattern::Program lower_model(const graph::Graph& g) { return lower::lower(g); }

std::map<std::string, Tensor> run_model(const std::string& path, const std::map<std::string, Tensor>& inputs) {
  return exec::run_program(lower_model(load_model(path)), inputs);
}

}  // namespace tessera::driver
