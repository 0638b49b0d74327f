// The inputs `sim --check` runs the model on: the user's own (`--input
// NAME=FILE.npy`) where given, else deterministic pseudo-random values —
// floats in [-1, 1), integers in [0, 4), except that an integer input used as
// an index draws from [0, n), n the smallest dimension it indexes anywhere in
// the program (a 2-row token-type table gets only 0 and 1).
//
// Index use is read from the Pattern IR, so every index-taking op (Gather,
// GatherElements, GatherND, Scatter*, OneHot...) counts, and it follows the
// value through kernels that pass it on unchanged or cast (Cast, Reshape,
// Transpose, Concat, Slice...): a tensor stored from a read of another, with
// at most casts and selects in between, hands its bound back to that one.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "tessera/pattern/ir.h"
#include "tessera/support/tensor.h"

namespace tessera::sim {

constexpr int64_t kNoIndexBound = std::numeric_limits<int64_t>::max();

// Per program tensor: the exclusive upper bound of the values it may hold as
// an index (kNoIndexBound when no use bounds it).
std::vector<int64_t> index_bounds(const pattern::Program& p);

// Every program input: `given[name]` where present, else drawn from `seed`
// as described above. Error for a given name that is no input of the program.
std::map<std::string, Tensor> check_inputs(const pattern::Program& p, uint64_t seed,
                                           const std::map<std::string, Tensor>& given = {});

}  // namespace tessera::sim
