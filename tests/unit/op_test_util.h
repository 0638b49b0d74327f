// Test helper: build a one-node graph, infer its shapes, lower it and run it.
#pragma once

#include <string>
#include <vector>

#include "tessera/graph/graph.h"
#include "tessera/support/tensor.h"

namespace tessera::testing {

struct OpInput {
  Tensor value;
  bool constant = false;  // constant inputs are visible to shape inference
  bool absent = false;    // an omitted optional input
};

inline OpInput in(Tensor t) { return {std::move(t), false, false}; }
inline OpInput cin(Tensor t) { return {std::move(t), true, false}; }
inline OpInput none() { return {Tensor(), false, true}; }

// Runs `op` on `inputs` and returns its `num_outputs` outputs.
std::vector<Tensor> run_op(const std::string& op, const std::vector<OpInput>& inputs,
                           const std::map<std::string, graph::Attr>& attrs = {}, size_t num_outputs = 1);

// The graph the helper builds (after shape inference), for shape-only checks.
graph::Graph infer_op(const std::string& op, const std::vector<OpInput>& inputs,
                      const std::map<std::string, graph::Attr>& attrs = {}, size_t num_outputs = 1);

// Adds a value named `name` with a known `shape` (no data) to `g`.
inline graph::ValueId known_value(graph::Graph& g, const std::string& name, Shape shape) {
  graph::Value v;
  v.name = name;
  v.shape = std::move(shape);
  v.shape_known = true;
  return g.add_value(v);
}

Tensor f32(std::vector<float> v, Shape s);
Tensor i64(std::vector<int64_t> v, Shape s);
Tensor boolean(std::vector<bool> v, Shape s);
std::vector<float> values_f32(const Tensor& t);    // converts any dtype
std::vector<int64_t> values_i64(const Tensor& t);  // converts any dtype

}  // namespace tessera::testing
