// The ONNX importer: the only code that knows ONNX/protobuf. Reads a model
// (initializers, external data next to the model, opsets 1-17; forms older than opset 7 are canonicalised or rejected by name), canonicalises
// every node into the Graph IR's op set (attribute-vs-input differences between
// opsets resolved, Gemm split, Identity/Dropout removed...), infers shapes node
// by node and folds constant sub-graphs (Shape, Constant, ConstantOfShape chains).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tessera/graph/graph.h"
#include "tessera/support/tensor.h"

namespace tessera::frontend {

// Evaluates a node whose inputs are all constant; returns one tensor per
// output, or none to keep the node (e.g. one that reads a trainable weight).
using FoldFn = std::function<std::vector<Tensor>(const graph::Graph& g, const graph::Node& n)>;

// Throws Error: missing/corrupt/truncated file, unsupported ops (all listed at
// once with the first node using each), dangling inputs, unresolved dynamic dims.
graph::Graph import_onnx(const std::string& path, const FoldFn& fold);

// A serialized onnx.TensorProto file (as in ONNX backend node tests).
Tensor read_tensor_pb(const std::string& path);

}  // namespace tessera::frontend
