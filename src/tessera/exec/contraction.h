// BLAS fast path. A map nest whose single store has the value
//   reduce add <K vars> { A * B }   (optionally + C outside the reduce)
// is a contraction: the loop variables split into batch (in A, B and the
// output), M (A only), N (B only) and K (the reduce). A and B are packed into
// dense [batch, M, K] and [batch, K, N] panels by the interpreter (so any
// expression works: padding selects, strided windows, transposes), multiplied
// with sgemm, and the store is then run as an ordinary map reading the product.
#pragma once

#include <vector>

#include "tessera/exec/interp.h"
#include "tessera/pattern/ir.h"

namespace tessera::exec {

// Runs the kernel body, sending recognised contractions to BLAS.
void run_with_contractions(const pattern::Kernel& k, std::vector<Binding> bindings);

}  // namespace tessera::exec
