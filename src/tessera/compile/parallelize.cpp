// parallelize: chooses each kernel's chain length and parallel copies so that
// the stages of a section are throughput-balanced. The slowest kernel sets a
// section's rate, so the pass looks for the smallest cycle count T that the
// chip's PCUs can reach with every kernel at or under T, and gives each kernel
// just the copies it needs for T: no units for stages that would wait. T never
// goes below the section's streamed DRAM time (bytes / DRAM bytes per cycle,
// resident weights excluded: they load before the first tile), since compute
// faster than memory would only wait too.
// Needs: tile. Guarantees: chain, par, compute_cycles on every kernel;
// section PCU totals within the chip.
#include <algorithm>
#include <cmath>

#include "tessera/compile/compile.h"
#include "tessera/compile/cost_model.h"
#include "tessera/support/checked.h"
#include "tessera/support/error.h"

namespace tessera::compile {
namespace {

// Copies kernel k needs to finish within T cycles (capped at its useful
// parallelism, and at one more than the chip's PCUs: more never fit, and the
// count stays an int).
int64_t par_for(const KernelPlan& k, const Chip& chip, int64_t T, int64_t pcus) {
  const int64_t cap = std::min<int64_t>(max_parallelism(k, chip), pcus + 1);
  const int64_t at_one = compute_cycles(k, chip, 1);
  int64_t par = std::max<int64_t>(1, (at_one + T - 1) / T);
  par = std::min(par, cap);
  while (par < cap && compute_cycles(k, chip, static_cast<int>(par)) > T) ++par;
  return par;
}

int64_t pcus_for(const SpatialProgram& sp, const Section& s, int64_t T, int64_t pcus) {
  int64_t total = 0;
  for (int k : s.kernels) {
    const KernelPlan& kp = sp.kernels[k];
    if (!kp.view) total += chain_length(kp, sp.chip) * par_for(kp, sp.chip, T, pcus);
  }
  return total;
}

}  // namespace

void parallelize(PassContext& ctx) {
  SpatialProgram& sp = ctx.out;
  const int64_t pcus = sp.chip.count(UnitKind::PCU);
  for (Section& s : sp.sections) {
    int64_t hi = 1;
    for (int k : s.kernels) hi = std::max(hi, compute_cycles(sp.kernels[k], sp.chip, 1));
    // Resident weights load before the first tile; only the streamed traffic
    // overlaps with compute, so only it sets the floor.
    const double dram_bytes =
        static_cast<double>(std::max<int64_t>(0, s.dram_read_bytes + s.dram_write_bytes - resident_weight_bytes(sp, s)));
    const int64_t dram_floor =
        sp.chip.dram_bytes_per_cycle > 0
            ? checked_count(std::ceil(dram_bytes / sp.chip.dram_bytes_per_cycle), "the DRAM cycles of section " + s.name)
            : 1;
    // Smallest feasible T by bisection (pcus_for is monotone in T).
    int64_t lo = 1;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (pcus_for(sp, s, mid, pcus) <= pcus) hi = mid;
      else lo = mid + 1;
    }
    const int64_t T = std::max(lo, dram_floor);
    s.pcus = 0;
    for (int k : s.kernels) {
      KernelPlan& kp = sp.kernels[k];
      kp.chain = chain_length(kp, sp.chip);
      kp.par = kp.view ? 0 : static_cast<int>(par_for(kp, sp.chip, std::max<int64_t>(T, 1), pcus));
      kp.compute_cycles = kp.view ? 0 : compute_cycles(kp, sp.chip, kp.par);
      s.pcus += kp.pcus();
    }
    TESSERA_CHECK(s.pcus <= pcus, "section {} uses {} PCUs of {}", s.name, s.pcus, pcus);
  }
}

}  // namespace tessera::compile
