// Producer-into-consumer fusion of Pattern IR programs, for execution.
//
// A kernel call is inlined into the one call that reads its output when
//   - it is an elementwise map: one `map` over exactly its output's shape
//     holding one plain store `y[i0,...,in] = <expr>` (no lets, no reduces,
//     no combiner), and the stored value has the output's dtype;
//   - its output is an intermediate (not a program input, output or
//     constant) read by exactly one later call, which is not a view;
//   - inlining does not multiply work: a producer that computes anything
//     (not a plain read such as a Transpose or an Expand) is inlined only at
//     a single read site that runs at most once per element it reads;
//   - a contraction keeps its BLAS form: only a permutation (a Transpose)
//     is inlined into one, as a transposed operand.
// Each read `t[e0,...,en]` of the producer's output becomes the producer's
// expression with its map variables replaced by e0..en. The consumer gains
// the producer's inputs as parameters; the producer's call disappears.
// Chains fuse transitively (a Mul feeding an Add feeding a Sub become one
// kernel), which saves a full pass over memory per fused kernel.
//
// The compiler does not use this: a section maps kernels as the graph has
// them. The executor's results change only where an intermediate was
// rounded to f32 between two float operations.
#pragma once

#include "tessera/pattern/ir.h"

namespace tessera::pattern {

// Returns the program with producers fused into their consumers, and the
// number of calls removed in `removed` if given.
Program fuse_elementwise(const Program& p, size_t* removed = nullptr);

}  // namespace tessera::pattern
