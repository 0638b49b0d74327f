// How a kernel's PCU lanes read its input buffers, and what that costs the
// PMU banks. The lanes of a vector take successive values of the kernel's
// vectorised variable (the innermost iterator of the map around each store);
// a read whose flattened address moves by `s` elements per lane is
//   s = 0         a broadcast: one word serves every lane
//   affine s != 0 the lanes' words fall on banks (word mod banks); the busiest
//                 bank sets the cycles per vector (a stride that is a multiple
//                 of the bank count serialises every lane). A PMU that can
//                 transpose serves any affine stride conflict-free.
//   otherwise     data-dependent (gather) or non-affine: kRandomConflictFactor.
// The conflict factor is cycles per vector over the conflict-free cycles;
// a tensor read several ways takes its worst factor.
#pragma once

#include <optional>
#include <vector>

#include "tessera/arch/spec.h"
#include "tessera/compile/spatial.h"
#include "tessera/pattern/ir.h"
#include "tessera/sim/sim.h"

namespace tessera::sim {

struct AccessFacts {
  // Per KernelPlan, per entry of KernelPlan::inputs: the bank-conflict factor (>= 1).
  std::vector<std::vector<double>> conflict;
};

// `sp` must have been compiled from `p` (same calls, same order).
AccessFacts analyze_access(const pattern::Program& p, const compile::SpatialProgram& sp, const arch::ArchSpec& a);

// The factor for one read whose address moves `stride_elements` per lane
// (nullopt: not affine in the vectorised variable). Exposed for tests.
double conflict_factor(std::optional<int64_t> stride_elements, int element_bytes, int lanes, int banks,
                       int word_bytes, bool transpose);

// Like sim::simulate, with conflict estimates from `access` (nullptr: none).
SimResult simulate_with_access(const compile::SpatialProgram& sp, const arch::ArchSpec& a, const SimOptions& o,
                               const AccessFacts* access);

}  // namespace tessera::sim
