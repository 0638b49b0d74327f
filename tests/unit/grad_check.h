// Test helper for gradient rules: builds a one-node graph from OpInputs
// (op_test_util.h), appends its backward pass with autodiff::backward and a
// random upstream gradient, runs it, and compares every float input's
// gradient with central finite differences of sum(y * upstream), computed by
// running the forward graph alone. Use F64 inputs where the op allows: the
// executor computes in double, so differences are accurate to ~1e-8.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "op_test_util.h"

namespace tessera::testing {

struct GradCheck {
  double eps = 1e-6;        // finite-difference step
  double tolerance = 1e-5;  // max|analytic - numeric| <= tolerance * max(1, max|numeric|)
  size_t num_outputs = 1;
  uint64_t seed = 7;
};

// Gtest-asserts the comparison; returns the worst relative error seen.
double check_gradients(const std::string& op, const std::vector<OpInput>& inputs,
                       const std::map<std::string, graph::Attr>& attrs = {}, const GradCheck& opt = {});

// Random tensors for property tests (uniform in [lo, hi)).
Tensor random_tensor(DType dtype, Shape shape, uint64_t seed, double lo = -1.0, double hi = 1.0);

}  // namespace tessera::testing
