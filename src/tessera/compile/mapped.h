// The mapped form of a kernel: what the chip actually executes. Each
// top-level map is split into the pieces the plan chose — its tiles times its
// parallel copies — and each piece runs as its own statement over its own
// range of the outermost variable. A contraction's multiply-adds unroll over
// the PCU's stages: each stage accumulates a contiguous part of the
// reduction (of its longest variable) and the partial sums meet in an adder
// tree, in that order. A folded reduction (mean, pooling, argmax...) splits
// every outermost reduce the same way, its parts meeting in a tree of the
// reduce's own operation (add, multiply, max, min). `sim --check` executes this form and compares it with
// the reference executor, so a mapping that drops, repeats or misplaces a
// tile or a partial sum computes different numbers and fails.
#pragma once

#include "tessera/compile/spatial.h"
#include "tessera/pattern/ir.h"

namespace tessera::compile {

struct MappedOptions {
  // Partial results a contraction's (or folded kernel's) reduction is split into: the stages of the
  // PCU it unrolls over (0 or 1: reductions stay whole).
  int reduction_parts = 0;
  // Test hook: every piece skips its last index (what an off-by-one in the
  // tiling would do); the check must catch it.
  bool fault_tile_gap = false;
  // Test hook: the adder tree drops the last partial sum; the check must catch it.
  bool fault_drop_partial = false;
};

// At most this many pieces per statement (beyond it, pieces group tiles).
constexpr int64_t kMaxPieces = 256;

pattern::Kernel mapped_kernel(const pattern::Kernel& k, const KernelPlan& plan, const MappedOptions& options);

}  // namespace tessera::compile
