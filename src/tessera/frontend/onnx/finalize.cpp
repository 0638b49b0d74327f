// finalize_graph: constant outputs, dead-node removal, value compaction.
#include "tessera/frontend/onnx/finalize.h"

#include <fmt/format.h>

#include <set>

namespace tessera::frontend {
namespace {

using graph::kNoValue;
using graph::ValueId;

std::string unused_name(const graph::Graph& g, const std::string& hint) {
  std::set<std::string> names;
  for (const graph::Value& v : g.values) names.insert(v.name);
  std::string name = hint;
  for (int k = 1; names.count(name) != 0; ++k) name = fmt::format("{}_{}", hint, k);
  return name;
}

void materialize_constant_outputs(graph::Graph& g) {
  std::set<ValueId> done;
  for (ValueId out : g.outputs) {
    if (!g.value(out).constant || !done.insert(out).second) continue;
    graph::Value c = g.value(out);
    c.name = unused_name(g, c.name + "/value");
    g.value(out).constant.reset();
    graph::Node n;
    n.op = "Identity";
    n.name = g.value(out).name;
    n.inputs = {g.add_value(std::move(c))};
    n.outputs = {out};
    // First in the program: other nodes may read the output (an initializer
    // that is both a weight and a graph output), and must see it defined.
    g.nodes.insert(g.nodes.begin(), std::move(n));
  }
}

// Keeps graph inputs and every value a node or output refers to, in order.
void compact_values(graph::Graph& g) {
  std::vector<bool> used(g.values.size(), false);
  auto mark = [&](ValueId v) {
    if (v != kNoValue) used[v] = true;
  };
  for (ValueId v : g.inputs) mark(v);
  for (ValueId v : g.outputs) mark(v);
  for (const graph::Node& n : g.nodes) {
    for (ValueId v : n.inputs) mark(v);
    for (ValueId v : n.outputs) mark(v);
  }
  std::vector<ValueId> remap(g.values.size(), kNoValue);
  std::vector<graph::Value> values;
  for (size_t i = 0; i < g.values.size(); ++i) {
    if (!used[i]) continue;
    remap[i] = static_cast<ValueId>(values.size());
    values.push_back(std::move(g.values[i]));
  }
  g.values = std::move(values);
  auto fix = [&](ValueId& v) {
    if (v != kNoValue) v = remap[v];
  };
  for (ValueId& v : g.inputs) fix(v);
  for (ValueId& v : g.outputs) fix(v);
  for (graph::Node& n : g.nodes) {
    for (ValueId& v : n.inputs) fix(v);
    for (ValueId& v : n.outputs) fix(v);
  }
}

}  // namespace

void finalize_graph(graph::Graph& g) {
  materialize_constant_outputs(g);
  graph::remove_dead_nodes(g);
  compact_values(g);
}

}  // namespace tessera::frontend
