// Resolved parameters of shape-family ops whose lowering needs more than the
// inferred shapes: Split's chunk sizes, Slice's per-axis start/step and Pad's
// per-axis begin pads.
// Inference and lowering both call these, so the two can never disagree about
// clamping or axis normalisation. They throw Error naming the node on invalid
// or non-constant parameters.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/graph/graph.h"

namespace tessera::graph {

// Split's chunk sizes along its axis (of size `dim`): input 1 when given, else
// equal chunks with a smaller last one (opset 18), one per node output.
std::vector<int64_t> split_sizes(const Graph& g, const Node& n, int64_t dim);

// One axis of a Slice: output element i reads input element start + i * step.
struct SliceAxis {
  int64_t start = 0;
  int64_t step = 1;
  int64_t size = 0;  // output extent
};
// One entry per input axis (untouched axes: start 0, step 1, full size).
std::vector<SliceAxis> slice_params(const Graph& g, const Node& n);

enum class PadMode : uint8_t { Constant, Reflect, Edge, Wrap };

struct PadParams {
  PadMode mode = PadMode::Constant;
  std::vector<int64_t> begin, end;  // one per input axis; negative crops
};
PadParams pad_params(const Graph& g, const Node& n);

}  // namespace tessera::graph
