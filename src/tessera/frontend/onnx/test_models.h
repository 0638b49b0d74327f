// Test helper: writes small ONNX models (and TensorProto files) from a plain
// description, so tests can build models without including ONNX headers or
// needing Python. Models may be deliberately wrong (dangling inputs, odd
// dtypes, dynamic dims): the writer does no checking.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tessera/graph/graph.h"
#include "tessera/support/tensor.h"

namespace tessera::frontend::testing {

// A graph input or output. `symbolic` replaces dims by a dim_param name ("" for
// a dim with neither value nor name). `onnx_type`, when non-zero, overrides the
// element type with a raw ONNX code (e.g. 10 = float16).
struct ValueSpec {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
  std::map<int, std::string> symbolic;
  int onnx_type = 0;
  bool no_shape = false;  // declare the type without any shape
};

enum class Storage { Raw, Typed, External };

struct InitializerSpec {
  std::string name;
  Tensor value;
  Storage storage = Storage::Raw;
  int onnx_type = 0;                    // non-zero: override the element type code
  std::string external_file;            // Storage::External: file next to the model
  int64_t external_offset = 0;          // zero bytes written before the data
  bool write_external = true;           // false: reference a file that is never written
  bool also_input = false;              // list it among the graph inputs too
  std::optional<Shape> declared_shape;  // dims written instead of value's shape
};

struct NodeSpec {
  std::string op;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::map<std::string, graph::Attr> attrs;
  std::string name;
  std::string domain;
  bool subgraph = false;  // adds an empty GRAPH attribute 'body' (like Loop)
};

struct ModelSpec {
  int64_t opset = 17;
  std::string graph_name = "test";
  std::vector<ValueSpec> inputs;
  std::vector<InitializerSpec> initializers;
  std::vector<NodeSpec> nodes;
  std::vector<std::string> outputs;
};

// Short constructors (the structs have more fields than most tests set).
inline ValueSpec tensor_value(std::string name, DType dtype, Shape shape) {
  ValueSpec v;
  v.name = std::move(name);
  v.dtype = dtype;
  v.shape = std::move(shape);
  return v;
}
inline InitializerSpec initializer(std::string name, Tensor value, Storage storage = Storage::Raw) {
  InitializerSpec s;
  s.name = std::move(name);
  s.value = std::move(value);
  s.storage = storage;
  return s;
}
inline NodeSpec node(std::string op, std::vector<std::string> inputs, std::vector<std::string> outputs,
                     std::map<std::string, graph::Attr> attrs = {}, std::string name = "") {
  NodeSpec n;
  n.op = std::move(op);
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  n.attrs = std::move(attrs);
  n.name = std::move(name);
  return n;
}

// Serialises the model to `path` (external data files go beside it).
void write_model(const ModelSpec& m, const std::string& path);
// Serialises one tensor as an onnx.TensorProto file named `name`.
void write_tensor_pb(const Tensor& t, const std::string& name, const std::string& path, Storage storage = Storage::Raw);

}  // namespace tessera::frontend::testing
