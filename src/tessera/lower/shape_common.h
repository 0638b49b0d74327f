// Small helpers shared by the shape- and index-family lowerings
// (lower/shape*.cpp, lower/index*.cpp). Defined in lower/shape.cpp.
#pragma once

#include <string>
#include <vector>

#include "tessera/pattern/builder.h"
#include "tessera/support/tensor.h"

// In their own namespace: other lowering files define helpers with the same
// names in tessera::lower.
namespace tessera::lower::shape_util {

// Kernel name for an op: snake case, "GatherND" -> "gather_nd".
std::string kernel_name(const std::string& op);
// A data-dependent index normalised ONNX-style: select(i < 0, i + n, i), as
// i64, with i bound by a Let (in the builder's open body) so it is read once.
pattern::E wrap_negative(pattern::KernelBuilder& b, pattern::E i, int64_t n);
// Element `flat` of a constant tensor as a constant expression of `dtype`.
pattern::E const_element(const Tensor& t, int64_t flat, DType dtype);
// Constant index expressions addressing element `flat` of a tensor of `shape`.
std::vector<pattern::E> const_index(const Shape& shape, int64_t flat);
// max(0, min(i, n - 1)) for an i64 expression.
pattern::E clamp_index(pattern::E i, int64_t n);

}  // namespace tessera::lower::shape_util
