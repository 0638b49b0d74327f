#include "tessera/support/tensor.h"

#include <cmath>
#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tessera/support/checked.h"
#include "tessera/support/error.h"

namespace tessera {
namespace {

// Float -> integer with NaN as 0 and out-of-range values saturated: ONNX leaves
// the result undefined, C++ makes the plain cast undefined behaviour.
int64_t saturate_to_i64(double v) {
  if (!(v == v)) return 0;
  if (v >= 9.2233720368547758e18) return INT64_MAX;
  if (v <= -9.2233720368547758e18) return INT64_MIN;
  return static_cast<int64_t>(v);
}

}  // namespace

int64_t num_elements(const Shape& shape) {
  int64_t n = 1;
  bool overflow = false;
  for (int64_t d : shape) overflow |= __builtin_mul_overflow(n, d, &n) || n > kMaxCount || n < -kMaxCount;
  if (overflow) {
    for (int64_t d : shape)
      if (d == 0) return 0;
    fail_overflow(fmt::format("the element count of shape {}", shape_str(shape)));
  }
  return n;
}

std::string shape_str(const Shape& shape) { return fmt::format("[{}]", fmt::join(shape, ",")); }

std::vector<int64_t> row_major_strides(const Shape& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

Tensor::Tensor(DType dtype, Shape shape) : Tensor(dtype, std::move(shape), true) {}

Tensor Tensor::uninitialized(DType dtype, Shape shape) { return Tensor(dtype, std::move(shape), false); }

Tensor::Tensor(DType dtype, Shape shape, bool zero) : dtype_(dtype), shape_(std::move(shape)) {
  for (int64_t d : shape_)
    if (d < 0) fail("tensor shape {} has a negative dimension", shape_str(shape_));
  // nbytes() cannot wrap: the element count is at most 2^62 and checked_mul
  // bounds the product with the element size the same way.
  checked_mul(size(), static_cast<int64_t>(dtype_size(dtype_)), fmt::format("the byte size of a tensor of shape {}", shape_str(shape_)));
  const size_t bytes = std::max<size_t>(nbytes(), 1);
  buffer_ = std::make_shared_for_overwrite<std::byte[]>(bytes);
  if (zero) std::memset(buffer_.get(), 0, bytes);
}

#define TESSERA_DISPATCH(DT, EXPR)                       \
  switch (DT) {                                          \
    case DType::F32: { using T = float; EXPR; } break;   \
    case DType::F64: { using T = double; EXPR; } break;  \
    case DType::I64: { using T = int64_t; EXPR; } break; \
    case DType::I32: { using T = int32_t; EXPR; } break; \
    case DType::I16: { using T = int16_t; EXPR; } break; \
    case DType::I8: { using T = int8_t; EXPR; } break;   \
    case DType::U8: { using T = uint8_t; EXPR; } break;  \
    case DType::Bool: { using T = bool; EXPR; } break;   \
  }

double Tensor::get_f64(int64_t i) const {
  double r = 0;
  TESSERA_DISPATCH(dtype_, r = static_cast<double>(data<T>()[i]));
  return r;
}

int64_t Tensor::get_i64(int64_t i) const {
  // A float read as an integer (a shape or index from a float tensor) saturates:
  // NaN is 0 and out-of-range values clamp, never undefined behaviour.
  if (is_float(dtype_)) return saturate_to_i64(get_f64(i));
  int64_t r = 0;
  TESSERA_DISPATCH(dtype_, r = static_cast<int64_t>(data<T>()[i]));
  return r;
}

void Tensor::set_f64(int64_t i, double v) {
  if (dtype_ == DType::Bool) { data<bool>()[i] = v != 0; return; }
  TESSERA_DISPATCH(dtype_, data<T>()[i] = static_cast<T>(v));
}

void Tensor::set_i64(int64_t i, int64_t v) {
  if (dtype_ == DType::Bool) { data<bool>()[i] = v != 0; return; }
  TESSERA_DISPATCH(dtype_, data<T>()[i] = static_cast<T>(v));
}

Tensor Tensor::clone() const {
  Tensor t(dtype_, shape_);
  if (nbytes() > 0) std::memcpy(t.raw(), raw(), nbytes());
  return t;
}

Tensor Tensor::reshaped(Shape shape) const {
  TESSERA_CHECK(num_elements(shape) == size(), "reshape {} -> {}", shape_str(shape_), shape_str(shape));
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::cast(DType to) const {
  Tensor t(to, shape_);
  const int64_t n = size();
  if (is_float(dtype_)) {
    for (int64_t i = 0; i < n; ++i) {
      double v = get_f64(i);
      if (is_float(to) || to == DType::Bool) t.set_f64(i, v);
      else t.set_i64(i, saturate_to_i64(v));
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      if (is_float(to)) t.set_f64(i, static_cast<double>(get_i64(i)));
      else t.set_i64(i, get_i64(i));
    }
  }
  return t;
}

Tensor Tensor::scalar_f32(float v) {
  Tensor t(DType::F32, {});
  t.data<float>()[0] = v;
  return t;
}

Tensor Tensor::scalar_i64(int64_t v) {
  Tensor t(DType::I64, {});
  t.data<int64_t>()[0] = v;
  return t;
}

Tensor Tensor::from_i64(const std::vector<int64_t>& values, Shape shape) {
  Tensor t(DType::I64, std::move(shape));
  TESSERA_CHECK(static_cast<int64_t>(values.size()) == t.size(), "from_i64 size");
  std::copy(values.begin(), values.end(), t.data<int64_t>());
  return t;
}

Tensor Tensor::from_f32(const std::vector<float>& values, Shape shape) {
  Tensor t(DType::F32, std::move(shape));
  TESSERA_CHECK(static_cast<int64_t>(values.size()) == t.size(), "from_f32 size");
  std::copy(values.begin(), values.end(), t.data<float>());
  return t;
}

std::vector<int64_t> Tensor::to_i64_vector() const {
  std::vector<int64_t> v(static_cast<size_t>(size()));
  for (int64_t i = 0; i < size(); ++i) v[i] = get_i64(i);
  return v;
}

}  // namespace tessera
