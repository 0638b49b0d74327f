#include "tessera/data/batch.h"

#include <cstring>

#include "tessera/support/checked.h"
#include "tessera/support/error.h"

namespace tessera::data {
namespace {

// splitmix64 (Steele, Lea and Flood 2014) as a stream: small, fast, and
// fully specified, so the order it gives is the same on every platform.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound), without modulo bias (rejection sampling).
  uint64_t below(uint64_t bound) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t r = next();
    while (r >= limit) r = next();
    return r % bound;
  }

 private:
  uint64_t state_;
};

}  // namespace

std::vector<int64_t> shuffled_order(int64_t n, uint64_t seed) {
  if (n < 0 || n > kMaxCount) fail("cannot shuffle {} samples (expected 0 to 2^62)", n);
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
  SplitMix64 rng(seed);
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(rng.below(static_cast<uint64_t>(i) + 1));
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(j)]);
  }
  return order;
}

void gather_batch(const Tensor& x, const std::vector<int64_t>& order, int64_t start, int64_t batch, Tensor& out) {
  if (!x.valid() || x.rank() < 1) fail("gather_batch: the samples must be a tensor [N, ...], got rank {}", x.rank());
  if (!out.valid()) fail("gather_batch: the batch tensor is not allocated");
  if (out.dtype() != x.dtype())
    fail("gather_batch: the batch tensor is {} but the samples are {}", dtype_name(out.dtype()), dtype_name(x.dtype()));
  const int64_t n = x.shape()[0];
  const int64_t per_sample = n == 0 ? num_elements(Shape(x.shape().begin() + 1, x.shape().end())) : x.size() / n;
  const auto total = static_cast<int64_t>(order.size());
  if (batch < 0 || start < 0 || start > total || batch > total - start)
    fail("gather_batch: samples {} to {} of the order are out of range (it has {})", start,
         checked_add(start, batch, "the batch end"), total);
  if (out.size() != checked_mul(batch, per_sample, "the batch's element count"))
    fail("gather_batch: a batch of {} samples of shape {} needs {} elements, but the batch tensor {} holds {}", batch,
         shape_str(Shape(x.shape().begin() + 1, x.shape().end())), batch * per_sample, shape_str(out.shape()),
         out.size());
  const size_t row_bytes = static_cast<size_t>(per_sample) * dtype_size(x.dtype());
  const auto* src = static_cast<const std::byte*>(x.raw());
  auto* dst = static_cast<std::byte*>(out.raw());
  for (int64_t k = 0; k < batch; ++k) {
    const int64_t i = order[static_cast<size_t>(start + k)];
    if (i < 0 || i >= n)
      fail("gather_batch: sample index {} (order position {}) is outside 0..{}", i, start + k, n - 1);
    if (row_bytes > 0)
      std::memcpy(dst + static_cast<size_t>(k) * row_bytes, src + static_cast<size_t>(i) * row_bytes, row_bytes);
  }
}

}  // namespace tessera::data
