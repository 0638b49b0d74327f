// Resolved parameters of Resize and Upsample, shared by inference (output
// shape) and lowering (coordinate transform), so the two agree. Throws Error
// naming the node for unsupported modes or non-constant scales/sizes.
#pragma once

#include <cstdint>
#include <vector>

#include "tessera/graph/graph.h"

namespace tessera::graph {

// coordinate_transformation_mode: how an output coordinate maps to the input.
enum class ResizeCoord : uint8_t {
  HalfPixel, HalfPixelSymmetric, PytorchHalfPixel, AlignCorners, Asymmetric, TfHalfPixelForNearest
};
// nearest_mode: how a fractional input coordinate picks a pixel. Plain floor
// is what Upsample does.
enum class NearestMode : uint8_t { RoundPreferFloor, RoundPreferCeil, Floor, Ceil };

struct ResizeParams {
  bool linear = false;  // else nearest
  ResizeCoord coord = ResizeCoord::HalfPixel;
  NearestMode nearest = NearestMode::RoundPreferFloor;
  Shape out_shape;
  std::vector<double> scales;  // per axis, as used by the coordinate transform
  // Per axis, the resized length align_corners divides by: the size when sizes
  // are given, else input * scale unrounded (as ONNX's reference computes it).
  std::vector<double> lengths;
};

ResizeParams resize_params(const Graph& g, const Node& n);  // Resize (opset 11+) or Upsample

}  // namespace tessera::graph
