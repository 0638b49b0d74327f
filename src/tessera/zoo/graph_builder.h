// GraphBuilder: how zoo models write Graph IR. Each added node has its
// outputs' shapes inferred at once (graph::infer_node), so a builder can read
// shapes as it goes and a wrong wiring fails where it is made. Weights are
// shape-only parameters; small constants (shapes, axes, scalars) are real and
// shared between the nodes that use the same one.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tessera/graph/graph.h"

namespace tessera::zoo {

using graph::ValueId;
using Attrs = std::map<std::string, graph::Attr>;

class GraphBuilder {
 public:
  explicit GraphBuilder(std::string graph_name) { g_.name = std::move(graph_name); }

  ValueId input(const std::string& name, DType dtype, Shape shape);
  // A weight: dtype and shape only, values come from zoo::materialize.
  ValueId param(const std::string& name, Shape shape, DType dtype = DType::F32);
  ValueId constant(const std::string& name, Tensor t);
  ValueId ints(const std::vector<int64_t>& values);  // 1-D i64 constant, shared
  ValueId scalar(float value);                        // rank-0 f32 constant, shared

  // Adds a node named `name`; its single output is named `name` too (outputs
  // of multi-output nodes get "/0", "/1"...). Float attributes are rounded to
  // float32, the precision an ONNX file keeps, so an exported model computes
  // exactly what the built graph does.
  std::vector<ValueId> op_n(const std::string& op, const std::string& name, std::vector<ValueId> inputs,
                            size_t num_outputs, Attrs attrs = {});
  ValueId op(const std::string& op, const std::string& name, std::vector<ValueId> inputs, Attrs attrs = {});

  void output(ValueId v) { g_.outputs.push_back(v); }
  const Shape& shape(ValueId v) const { return g_.value(v).shape; }
  int64_t dim(ValueId v, int64_t axis) const;  // negative axes count from the end
  graph::Graph finish();

 private:
  ValueId add(graph::Value v);
  std::string unique(const std::string& name);

  graph::Graph g_;
  std::set<std::string> names_;
  std::map<std::vector<int64_t>, ValueId> ints_;
  std::map<float, ValueId> scalars_;
};

}  // namespace tessera::zoo
