// Graph IR: a tensor-level DAG. Values carry a name, dtype and static shape
// (and a constant payload for initializers and folded values); nodes carry a
// canonical op name (ONNX spelling, see docs/ops.md), typed attributes and value
// ids. Nodes are kept in topological order.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "tessera/support/tensor.h"

namespace tessera::graph {

using ValueId = int32_t;
constexpr ValueId kNoValue = -1;  // an omitted optional input

struct Value {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
  bool shape_known = false;
  std::optional<Tensor> constant;  // initializers and folded values
  // A weight known by dtype and shape only (built-in zoo models compile and
  // simulate without materialising their weights). zoo::materialize()
  // fills such values deterministically before execution.
  bool parameter = false;
  // An ONNX initializer (set by the importer): a trainable weight when float.
  bool initializer = false;
};

using Attr = std::variant<int64_t, double, std::string, std::vector<int64_t>,
                          std::vector<double>, std::vector<std::string>, Tensor>;

struct Node {
  std::string op;    // canonical op name, e.g. "MatMul"
  std::string name;  // the model's node name (for messages)
  std::vector<ValueId> inputs;
  std::vector<ValueId> outputs;
  std::map<std::string, Attr> attrs;
  // Which part of a training step the node belongs to: "" (a plain model),
  // "fwd", "bwd" or "opt". Carried to Pattern IR calls and compiled sections.
  std::string phase;

  bool has(const std::string& key) const { return attrs.count(key) != 0; }
  int64_t attr_int(const std::string& key, int64_t fallback) const;
  double attr_float(const std::string& key, double fallback) const;
  std::string attr_str(const std::string& key, const std::string& fallback) const;
  std::vector<int64_t> attr_ints(const std::string& key, std::vector<int64_t> fallback = {}) const;
  std::vector<double> attr_floats(const std::string& key, std::vector<double> fallback = {}) const;
  // Printable identity for messages: "MatMul node 'name'".
  std::string describe() const;
};

struct Graph {
  std::string name;
  int64_t opset = 17;
  std::vector<Value> values;
  std::vector<Node> nodes;
  std::vector<ValueId> inputs;   // runtime inputs (no constant payload)
  std::vector<ValueId> outputs;
  // Aliased state of a training step: each pair is (input, output) where the
  // output is the input's updated value (parameters, optimiser moments,
  // BatchNorm running statistics). A caller feeds the output back as the input
  // of the next step.
  std::vector<std::pair<ValueId, ValueId>> state;

  ValueId add_value(Value v);
  std::optional<ValueId> find(const std::string& name) const;
  Value& value(ValueId id) { return values.at(static_cast<size_t>(id)); }
  const Value& value(ValueId id) const { return values.at(static_cast<size_t>(id)); }
  // Input k of a node, or nullptr when absent/omitted.
  const Value* input(const Node& n, size_t k) const;
  bool has_input(const Node& n, size_t k) const { return input(n, k) != nullptr; }
};

// Text form, one node per line:  %y: f32[1,8] = Relu(%x) {alpha=0.1}
std::string print(const Graph& g);
// Structural checks (ids in range, single definition, topological order,
// every used value defined or an input/constant). Throws InternalError.
void verify(const Graph& g);

// Removes the nodes no graph output depends on (e.g. gradients a rule
// computed for an input that needs none). Values stay; they are just unused.
void remove_dead_nodes(Graph& g);

// Normalises a possibly negative axis against a rank; throws Error naming the node.
int64_t normalize_axis(int64_t axis, int64_t rank, const Node& n);

}  // namespace tessera::graph
