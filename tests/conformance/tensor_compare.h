// Output checks shared by the conformance runner and the real-model tests.
// compare_allclose follows ONNX's backend tests (numpy assert_allclose with
// equal_nan: |actual - expected| <= atol + rtol * |expected|, NaN == NaN,
// infinities must match exactly; integers and bools exact; dtype and shape
// must match). max_error_ratio is the real-model metric: max|a - e| / max|e|.
#pragma once

#include <string>

#include "tessera/support/tensor.h"

namespace tessera::conformance {

struct Tolerance {
  double rtol = 1e-3;
  double atol = 1e-7;
};

// Empty when `actual` matches `expected`; otherwise one line saying how it
// differs (dtype, shape, or the number of mismatches and the worst one).
std::string compare_allclose(const Tensor& expected, const Tensor& actual, Tolerance tol = {});

// max|actual - expected| / max|expected| over all elements (0 when both are
// all zero; infinity when a NaN/inf appears where the other has none).
// Requires equal shapes and float dtypes (checked by the caller).
double max_error_ratio(const Tensor& expected, const Tensor& actual);

// Number of elements that differ (integer/bool exact comparison).
int64_t count_mismatches_exact(const Tensor& expected, const Tensor& actual);

}  // namespace tessera::conformance
