// The functional check (`tessera sim --check`): executes the *mapped*
// program — every kernel split into the tiles and parallel copies its plan
// chose (compile/mapped.h), every tensor stored in the simulated precision
// (bf16 keeps 8 bits of mantissa; arithmetic accumulates in fp32 or wider) —
// and compares its outputs with the reference executor in fp32.
//
// Tolerance: |mapped - reference| <= tol * max|reference| per output, with
// tol 1e-4 for fp32 (only the order of additions may differ) and 5e-2 for
// bf16 and fp16 (storage rounding compounds through the layers). Integer
// outputs must match exactly in fp32.
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
  double max_abs_err = 0;
  double max_ref = 0;       // max |reference| of the worst output
  double tolerance = 0;     // relative, see above
  std::string worst_output;
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
