// Internal to the ONNX frontend: the one header that pulls in the ONNX protobuf
// classes, plus the protobuf-level helpers shared by the importer's files
// (file loading, TensorProto and attribute conversion). Only frontend/onnx .cpp
// files and the frontend's own test helpers include it.
#pragma once

#ifndef ONNX_ML
#define ONNX_ML 1
#endif
#ifndef ONNX_NAMESPACE
#define ONNX_NAMESPACE onnx
#endif
#include <onnx/onnx_pb.h>

#include <optional>
#include <string>

#include "tessera/graph/graph.h"
#include "tessera/support/tensor.h"

namespace tessera::frontend {

// Parses a serialized ModelProto. Errors name the file: missing, unreadable,
// truncated/corrupt, or without a graph.
onnx::ModelProto load_model_proto(const std::string& path);

// ONNX TensorProto element type <-> Tessera dtype; nullopt for types Tessera
// does not support (float16, bfloat16, string, complex, unsigned > 8 bits).
std::optional<DType> dtype_from_onnx(int32_t onnx_type);
int32_t onnx_from_dtype(DType t);
// Lower-case ONNX spelling for messages: "float16", "string", "type code 42".
std::string onnx_type_name(int32_t onnx_type);

// Converts a TensorProto (raw, typed or external data) to a Tensor. `what`
// names the tensor in messages ("initializer 'w'"); external data paths are
// relative to `base_dir`.
Tensor tensor_from_proto(const onnx::TensorProto& tp, const std::string& base_dir, const std::string& what);

// Converts one node attribute; `n` names the node in messages.
graph::Attr attr_from_proto(const onnx::AttributeProto& a, const graph::Node& n, const std::string& base_dir);
bool is_subgraph_attr(const onnx::AttributeProto& a);
// The inverse: one Graph IR attribute as an ONNX attribute (tensors as raw data).
void attr_to_proto(const std::string& name, const graph::Attr& attr, onnx::AttributeProto& a);

// The display name of node `index`: its own name, or "<op>_<index>" when empty.
std::string node_display_name(const onnx::NodeProto& np, size_t index);
// True for the default ONNX domain ("" or "ai.onnx").
bool is_default_domain(const std::string& domain);

}  // namespace tessera::frontend
