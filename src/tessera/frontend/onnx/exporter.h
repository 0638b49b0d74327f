// The ONNX exporter: writes a Graph IR graph (canonical form = ONNX opset-17
// ops and conventions) as an opset-17, IR-version-8 ModelProto: graph inputs
// and outputs with static shapes, one NodeProto per node, every constant as an
// initializer. Large weights go to an external data file beside the model
// (FILE.onnx.data, ONNX's location/offset/length convention), so models over
// protobuf's 2 GiB limit still export. Parameters must be materialised first.
#pragma once

#include <cstdint>
#include <string>

#include "tessera/graph/graph.h"

namespace tessera::frontend {

struct ExportOptions {
  enum class External { Auto, Always, Never };
  // Auto: external data when the initializers total more than auto_threshold_bytes.
  External external = External::Auto;
  int64_t auto_threshold_bytes = int64_t{1} << 30;
  // With external data, initializers smaller than this stay inline.
  int64_t inline_below_bytes = 1024;
  std::string producer = "tessera";
};

// "auto", "always" or "never" (the CLI's --external-data); Error otherwise.
ExportOptions::External parse_external_mode(const std::string& text);

struct ExportSummary {
  std::string model_path;
  std::string data_path;  // empty when every initializer is inline
  int64_t initializer_bytes = 0;
  int64_t model_file_bytes = 0;
  int64_t data_file_bytes = 0;
};

// Throws Error: a parameter without values, an op with no opset-17 form
// (legacy Softmax), an unwritable path.
ExportSummary export_onnx(const graph::Graph& g, const std::string& path, const ExportOptions& options = {});

}  // namespace tessera::frontend
