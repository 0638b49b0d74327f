// Mini-batches: a deterministic shuffle of sample indices and a gather of
// the chosen samples into a caller-owned batch tensor. The shuffle is
// Fisher-Yates driven by splitmix64 (not std::shuffle, whose algorithm each
// standard library picks), so one seed gives one order on every machine.
#pragma once

#include <cstdint>
#include <vector>

#include "tessera/support/tensor.h"

namespace tessera::data {

// A permutation of 0..n-1, the same for the same (n, seed) everywhere.
std::vector<int64_t> shuffled_order(int64_t n, uint64_t seed);

// Copies samples x[order[start]], ..., x[order[start + batch - 1]] (x is
// [N, ...]; a sample is x[i]) into `out`, one after another. `out` is
// preallocated by the caller in any shape holding exactly batch x (elements
// per sample) elements of x's dtype, e.g. [batch, 784] for images
// [N, 1, 28, 28]. Throws Error when the dtype or element count differs, when
// start + batch passes the end of `order`, or an index is outside 0..N-1.
void gather_batch(const Tensor& x, const std::vector<int64_t>& order, int64_t start, int64_t batch, Tensor& out);

}  // namespace tessera::data
