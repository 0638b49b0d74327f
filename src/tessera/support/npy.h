// NumPy .npy files (format versions 1-3, little-endian, C order).
#pragma once

#include <string>

#include "tessera/support/tensor.h"

namespace tessera {

// Throws Error naming the file and the problem (missing, corrupt, unsupported dtype).
Tensor read_npy(const std::string& path);
void write_npy(const std::string& path, const Tensor& t);

}  // namespace tessera
