// The functional check (`tessera sim --check`): executes the *mapped*
// program — every kernel split into the tiles and parallel copies its plan
// chose (compile/mapped.h), every tensor stored in the simulated precision
// (bf16 keeps 8 bits of mantissa; arithmetic accumulates in fp32 or wider) —
// and compares its outputs with a reference run of the unmapped program.
//
// Reference: the executor in fp32, except for a training step (a program
// with "bwd" or "opt" calls) in bf16 or fp16. Its gradients carry the
// precision's own error, compounded through forward and backward — ReLU masks
// and max-pool choices flip on rounding, gradients that are analytically
// zero come out as pure rounding noise — and that error is no property of the
// mapping. So a step is compared with the unmapped program run at the same
// storage precision: the same rounded inputs and weights, every kernel output
// rounded the same way. What differs is only what the mapping changes (tiles,
// parallel copies, the order of partial sums), and each rounding difference
// it causes still compounds through the step.
//
// Tolerance, per output: |mapped - reference| <= tol * max|reference|, with
// tol 1e-4 for fp32 (only the order of additions may differ) and 5e-2 for
// bf16 and fp16 (storage rounding compounds through the layers). Integer
// outputs must match exactly in fp32. A training step's narrow-precision
// outputs may also differ by up to 2 * noise, noise = max|same-precision
// reference - fp32 reference| of that output: the mapped run and the
// reference are two roundings of one computation, each about noise from the
// exact value. That is the floor for an output that is rounding noise
// (an analytically zero bias gradient has nothing else to be relative to);
// a wrong mapping (a tile's missing row, a dropped partial sum) moves its
// outputs by a share of their size, far past both bounds (unit tests).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "tessera/arch/spec.h"
#include "tessera/compile/mapped.h"
#include "tessera/compile/spatial.h"
#include "tessera/pattern/ir.h"
#include "tessera/support/tensor.h"

namespace tessera::sim {

struct CheckResult {
  bool passed = false;
  // The output nearest its bound (or furthest past it), and its figures.
  std::string worst_output;
  double max_abs_err = 0;   // |mapped - reference|
  double max_ref = 0;       // max |reference|
  double bound = 0;         // the absolute error it is allowed
  double tolerance = 0;     // relative, see above
  // The precision the reference ran in: the simulated one for a training
  // step in bf16 or fp16 ("bf16", "fp16"), else "fp32".
  std::string reference = "fp32";
  // For information: the mapped run against fp32, on the float output
  // furthest from it relative to its own size (max|fp32|, at least 1e-6) —
  // the output the fp32-referenced check would judge first.
  double fp32_max_abs_err = 0;
  double fp32_max_ref = 0;
  std::string fp32_worst_output;
};

double check_tolerance(arch::Precision p);

// Inputs are `given` where named there, else deterministic pseudo-random
// values from `seed` (check_inputs.h: floats in [-1, 1), integers in [0, 4),
// an index input within the dimension it indexes). The program's weights
// must be materialised.
// Contractions are split into the chip's PCU stages' partial sums unless
// `options.reduction_parts` says otherwise (compile/mapped.h).
CheckResult check_mapping(const pattern::Program& p, const compile::SpatialProgram& sp, arch::Precision precision,
                          uint64_t seed = 0, const compile::MappedOptions& options = {},
                          const std::map<std::string, Tensor>& given = {});

}  // namespace tessera::sim
