// IDX files, the format of MNIST and Fashion-MNIST (LeCun et al.): a 4-byte
// magic (0, 0, type, rank), `rank` big-endian 32-bit dimensions, then the
// elements in row-major order. Tessera reads the unsigned-byte type (0x08),
// the only one those datasets use, plain or gzip-compressed.
#pragma once

#include <cstdint>
#include <string>

#include "tessera/support/tensor.h"

namespace tessera::data {

// The most element bytes an IDX file may hold once decompressed (1 GiB; the
// Fashion-MNIST training images are 47 MB). Checked against the header
// before reading, so neither a hostile header nor a gzip bomb can exhaust memory.
inline constexpr int64_t kMaxIdxBytes = int64_t{1} << 30;

// Reads `path` (gzip-compressed or not) as a u8 tensor of the file's
// dimensions. Throws Error naming the file and the problem: missing, not
// gzip or corrupt, bad magic, unsupported type, a dimension count or size
// the data does not match (truncated, or trailing bytes).
Tensor read_idx(const std::string& path);

}  // namespace tessera::data
