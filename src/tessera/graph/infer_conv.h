// Sliding-window geometry of Conv, ConvTranspose and the pools, computed once
// from the node's attributes (strides, dilations, pads, auto_pad, ceil_mode,
// output_padding, output_shape) and input shapes. Shape inference uses `out`;
// lowering uses the rest to write index expressions.
#pragma once

#include <vector>

#include "tessera/graph/graph.h"

namespace tessera::graph {

// One spatial dim. For Conv and pools, output o reads input o*stride +
// k*dilation - pad_begin. For ConvTranspose, input i writes output
// i*stride + k*dilation - pad_begin.
struct Window {
  int64_t in = 0, out = 0, kernel = 1, stride = 1, dilation = 1, pad_begin = 0, pad_end = 0;
  int64_t span() const { return (kernel - 1) * dilation + 1; }
};

// Each throws Error naming the node for bad attributes or shapes.
std::vector<Window> conv_windows(const Graph& g, const Node& n);
std::vector<Window> conv_transpose_windows(const Graph& g, const Node& n);
std::vector<Window> pool_windows(const Graph& g, const Node& n);

}  // namespace tessera::graph
