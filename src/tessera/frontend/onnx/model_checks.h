// Internal to the ONNX frontend: whole-model checks that run before any node
// is converted, so a user sees every unsupported operator at once and
// structural faults (dangling inputs, unordered nodes) before any inference.
#pragma once

#include <string>

#include "tessera/frontend/onnx/onnx_proto.h"

namespace tessera::frontend {

// The default-domain opset; Error unless it is within the supported range.
int64_t check_opset(const onnx::ModelProto& model, const std::string& path);
// One Error listing every unsupported op type once, with its first node.
void check_supported_ops(const onnx::GraphProto& graph);
// Error for a dangling input, a node before its producer, a value produced
// twice, or a graph output nothing produces.
void check_structure(const onnx::GraphProto& graph);

constexpr int64_t kMinOpset = 1;  // opsets 1-6 go through canonicalize_pre7
constexpr int64_t kMaxOpset = 17;

}  // namespace tessera::frontend
