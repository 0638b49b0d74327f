// Internal to the ONNX frontend: the state of one import. It maps ONNX value
// names to Graph IR values (several names may alias one value once Identity
// and Dropout are removed), hands out fresh unique names for values the
// canonicaliser creates, and appends nodes: each appended node is inferred at
// once and, when all its inputs are constant and its outputs small, folded
// into constant payloads instead of being kept.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tessera/frontend/onnx/importer.h"
#include "tessera/graph/graph.h"

namespace tessera::frontend {

// Folded results larger than this (in elements, all outputs together) stay nodes.
constexpr int64_t kMaxFoldElements = int64_t{1} << 24;

class ImportContext {
 public:
  ImportContext(graph::Graph& g, const FoldFn& fold, int64_t opset, std::string base_dir);

  graph::Graph& graph() { return graph_; }
  int64_t opset() const { return opset_; }
  const std::string& base_dir() const { return base_dir_; }

  // Names of the model that fresh names must avoid (all inputs, initializers,
  // node outputs), and the graph outputs (which keep their own value).
  void reserve_name(const std::string& name) { used_names_.insert(name); }
  void mark_graph_output(const std::string& name) { graph_outputs_.insert(name); }
  bool is_graph_output(const std::string& name) const { return graph_outputs_.count(name) != 0; }

  // The value an ONNX name refers to (names are checked before conversion).
  graph::ValueId lookup(const std::string& name) const;
  // Makes `name` refer to an existing value (used when a node is removed).
  void alias(const std::string& name, graph::ValueId id) { by_name_[name] = id; }
  // A new value called `name` (an ONNX name), bound to that name.
  graph::ValueId add_named(const std::string& name, graph::Value v);
  // A new constant value: `onnx_name` is bound to it; the fresh variant gets a
  // unique name derived from `hint`.
  graph::ValueId bind_constant(const std::string& onnx_name, Tensor t);
  graph::ValueId fresh_constant(const std::string& hint, Tensor t);

  // Appends `n` with outputs named `out_names` ("" for an omitted optional
  // output), infers it and folds it when possible. Returns the output ids.
  std::vector<graph::ValueId> emit(graph::Node n, const std::vector<std::string>& out_names);
  // One-output node whose output gets a fresh name derived from the node name.
  graph::ValueId emit_temp(const std::string& op, const std::string& node_name, std::vector<graph::ValueId> inputs,
                           std::map<std::string, graph::Attr> attrs = {});
  // One-output node whose output is the ONNX value `out_name`.
  graph::ValueId emit_named(const std::string& op, const std::string& node_name, std::vector<graph::ValueId> inputs,
                            std::map<std::string, graph::Attr> attrs, const std::string& out_name);

 private:
  std::string fresh_name(const std::string& hint);
  bool try_fold(const graph::Node& n);

  graph::Graph& graph_;
  const FoldFn& fold_;
  int64_t opset_;
  std::string base_dir_;
  std::set<std::string> used_names_;
  std::set<std::string> graph_outputs_;
  std::map<std::string, graph::ValueId> by_name_;
};

}  // namespace tessera::frontend
