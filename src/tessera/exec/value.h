// Values of the vectorised interpreter. An expression evaluated over a chunk
// of the vectorised variable is either uniform (one scalar for the whole
// chunk) or a vector of `n` elements. Float dtypes live in the double domain,
// integer and bool dtypes in the int64 domain.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "tessera/support/dtype.h"

namespace tessera::exec {

constexpr int64_t kChunk = 1024;

struct Val {
  bool uniform = true;
  bool fp = true;
  double f = 0;
  int64_t i = 0;
  double* fv = nullptr;
  int64_t* iv = nullptr;

  double fat(int64_t k) const { return uniform ? f : fv[k]; }
  int64_t iat(int64_t k) const { return uniform ? i : iv[k]; }
  static Val scalar_f(double v) { Val r; r.fp = true; r.f = v; return r; }
  static Val scalar_i(int64_t v) { Val r; r.fp = false; r.i = v; return r; }
};

inline bool float_domain(DType t) { return is_float(t); }

// Bump allocator for chunk buffers; mark()/release() bracket a scope.
class Arena {
 public:
  double* alloc_f() { return reinterpret_cast<double*>(alloc()); }
  int64_t* alloc_i() { return reinterpret_cast<int64_t*>(alloc()); }
  size_t mark() const { return used_; }
  void release(size_t m) { used_ = m; }

 private:
  void* alloc() {
    const size_t block = used_ / kPerBlock, slot = used_ % kPerBlock;
    if (block == blocks_.size()) blocks_.push_back(std::make_unique<int64_t[]>(kPerBlock * kChunk));
    ++used_;
    return blocks_[block].get() + slot * kChunk;
  }
  static constexpr size_t kPerBlock = 64;
  std::vector<std::unique_ptr<int64_t[]>> blocks_;
  size_t used_ = 0;
};

}  // namespace tessera::exec
