// Affine index analysis for the interpreter's fast paths. An index expression
// that is c + sum(coef * var) becomes a strided access; one clamped into a
// range with min/max (how lowering keeps padded reads in bounds) is strided
// wherever the clamp is inactive. A select condition that is a conjunction of
// affine comparisons holds on one interval of the vectorised variable, so the
// guarded arm can be evaluated on that interval alone.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "tessera/pattern/ir.h"

namespace tessera::exec {

// value = c + sum(coef * var), then clamped into [lo, hi].
struct Affine {
  int64_t c = 0;
  std::vector<std::pair<pattern::VarId, int64_t>> terms;
  int64_t lo = std::numeric_limits<int64_t>::min();
  int64_t hi = std::numeric_limits<int64_t>::max();
};

// Pure affine integer expressions (no clamps).
std::optional<Affine> affine_of(const pattern::Expr& e);
// An affine expression under any number of min/max with constants.
std::optional<Affine> clamped_affine_of(const pattern::Expr& e);

// A condition that holds exactly when every term is >= 0.
struct Guard {
  std::vector<Affine> terms;
};
std::optional<Guard> guard_of(const pattern::Expr& cond);

// The sub-range [lo, hi) of k in [0, n) where the guard holds, the vectorised
// variable `vvar` taking base + k and every other variable its value in `vars`.
std::pair<int64_t, int64_t> guard_interval(const Guard& g, const std::vector<int64_t>& vars, pattern::VarId vvar,
                                           int64_t base, int64_t n);

// True when the expression reads a let binding (its vectors live in the frame
// of the enclosing chunk, so it cannot be re-evaluated on a sub-range).
bool uses_lets(const pattern::Expr& e);

}  // namespace tessera::exec
