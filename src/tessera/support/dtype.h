// Element types of tensors and scalar expressions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tessera {

enum class DType : uint8_t { F32, F64, I64, I32, I16, I8, U8, Bool };

size_t dtype_size(DType t);
// Short text name used by every IR printer: f32 f64 i64 i32 i16 i8 u8 bool.
std::string_view dtype_name(DType t);
std::optional<DType> parse_dtype(std::string_view name);
inline bool is_float(DType t) { return t == DType::F32 || t == DType::F64; }
inline bool is_integer(DType t) { return !is_float(t) && t != DType::Bool; }

}  // namespace tessera
