#include "tessera/support/dtype.h"

#include <array>

namespace tessera {
namespace {
constexpr std::array<std::string_view, 8> kNames = {"f32", "f64", "i64", "i32",
                                                    "i16", "i8",  "u8",  "bool"};
constexpr std::array<size_t, 8> kSizes = {4, 8, 8, 4, 2, 1, 1, 1};
}  // namespace

size_t dtype_size(DType t) { return kSizes[static_cast<size_t>(t)]; }
std::string_view dtype_name(DType t) { return kNames[static_cast<size_t>(t)]; }

std::optional<DType> parse_dtype(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<DType>(i);
  return std::nullopt;
}

}  // namespace tessera
