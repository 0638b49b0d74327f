// Checked integer arithmetic for sizes that come from user input: element
// counts, byte sizes, grid cells, work (FLOP) counts. A model or arch file can
// name any 64-bit dimension, so every product or sum of such numbers goes
// through these helpers; an overflow is a user error that names the quantity,
// never a wrapped figure or a buffer sized from one.
#pragma once

#include <cstdint>
#include <string_view>

#include "tessera/support/error.h"

namespace tessera {

// The largest count Tessera accepts for any one quantity (2^62): far above
// any real model, and low enough that a sum of two such counts cannot wrap.
inline constexpr int64_t kMaxCount = int64_t{1} << 62;

[[noreturn]] inline void fail_overflow(std::string_view what) {
  fail("{} is too large (over 2^62); check the model's or arch file's dimensions", what);
}

inline int64_t checked_mul(int64_t a, int64_t b, std::string_view what) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r) || r > kMaxCount || r < -kMaxCount) fail_overflow(what);
  return r;
}

inline int64_t checked_add(int64_t a, int64_t b, std::string_view what) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r) || r > kMaxCount || r < -kMaxCount) fail_overflow(what);
  return r;
}

// A double (a work or byte estimate) converted to an integer count, failing
// rather than invoking undefined behaviour on NaN or out-of-range values.
inline int64_t checked_count(double v, std::string_view what) {
  if (!(v >= -static_cast<double>(kMaxCount) && v <= static_cast<double>(kMaxCount))) fail_overflow(what);
  return static_cast<int64_t>(v);
}

}  // namespace tessera
