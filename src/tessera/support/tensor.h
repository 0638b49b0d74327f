// A dense, row-major tensor with shared storage. Copies share the buffer
// (cheap); use clone() for a deep copy. Rank-0 tensors have one element.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tessera/support/dtype.h"

namespace tessera {

using Shape = std::vector<int64_t>;

int64_t num_elements(const Shape& shape);
std::string shape_str(const Shape& shape);  // "[2,3]"
// Row-major strides in elements.
std::vector<int64_t> row_major_strides(const Shape& shape);

class Tensor {
 public:
  Tensor() = default;
  Tensor(DType dtype, Shape shape);  // zero-filled
  // Contents left unset: for a buffer the caller overwrites entirely.
  static Tensor uninitialized(DType dtype, Shape shape);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t size() const { return num_elements(shape_); }
  size_t nbytes() const { return static_cast<size_t>(size()) * dtype_size(dtype_); }
  bool valid() const { return buffer_ != nullptr; }

  void* raw() { return buffer_.get(); }
  const void* raw() const { return buffer_.get(); }
  template <typename T> T* data() { return static_cast<T*>(raw()); }
  template <typename T> const T* data() const { return static_cast<const T*>(raw()); }

  // Element access converting to/from double or int64, for slow paths and tests.
  double get_f64(int64_t i) const;
  int64_t get_i64(int64_t i) const;
  void set_f64(int64_t i, double v);
  void set_i64(int64_t i, int64_t v);

  Tensor clone() const;
  // Same storage, new shape with the same element count.
  Tensor reshaped(Shape shape) const;
  // Elementwise conversion to another dtype (ONNX Cast semantics).
  Tensor cast(DType to) const;

  static Tensor scalar_f32(float v);
  static Tensor scalar_i64(int64_t v);
  static Tensor from_i64(const std::vector<int64_t>& values, Shape shape);
  static Tensor from_f32(const std::vector<float>& values, Shape shape);
  std::vector<int64_t> to_i64_vector() const;

 private:
  DType dtype_ = DType::F32;
  Shape shape_;
  Tensor(DType dtype, Shape shape, bool zero);
  std::shared_ptr<std::byte[]> buffer_;
};

}  // namespace tessera
