// TensorProto -> Tensor: element types, raw little-endian bytes, the typed
// repeated fields (narrow integers and bools travel in int32_data), and
// external data files next to the model.
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "tessera/frontend/onnx/onnx_proto.h"
#include "tessera/support/error.h"

namespace tessera::frontend {
namespace {

using onnx::TensorProto;

// Copies `values` (a repeated typed field) into t, converting element-wise.
template <typename Field>
void copy_typed(const Field& values, Tensor& t, const std::string& what) {
  if (values.size() != t.size())
    fail("{} has {} values, but its shape {} needs {}", what, values.size(), shape_str(t.shape()), t.size());
  for (int64_t i = 0; i < t.size(); ++i) {
    if (is_float(t.dtype()))
      t.set_f64(i, static_cast<double>(values.Get(static_cast<int>(i))));
    else
      t.set_i64(i, static_cast<int64_t>(values.Get(static_cast<int>(i))));
  }
}

// Fills t from little-endian bytes; bools are normalised to 0/1.
void copy_bytes(const char* bytes, size_t n, Tensor& t, const std::string& what) {
  if (n != t.nbytes())
    fail("{} has {} bytes of data, but {}{} needs {}", what, n, dtype_name(t.dtype()), shape_str(t.shape()),
         t.nbytes());
  if (t.dtype() == DType::Bool) {
    for (size_t i = 0; i < n; ++i) t.data<bool>()[i] = bytes[i] != 0;
  } else if (n > 0) {
    std::memcpy(t.raw(), bytes, n);
  }
}

void copy_typed_fields(const TensorProto& tp, Tensor& t, const std::string& what) {
  switch (t.dtype()) {
    case DType::F32:
      return copy_typed(tp.float_data(), t, what);
    case DType::F64:
      return copy_typed(tp.double_data(), t, what);
    case DType::I64:
      return copy_typed(tp.int64_data(), t, what);
    default:
      return copy_typed(tp.int32_data(), t, what);  // i32, i16, i8, u8, bool
  }
}

std::string external_key(const TensorProto& tp, const std::string& key) {
  for (const auto& kv : tp.external_data())
    if (kv.key() == key) return kv.value();
  return "";
}

int64_t external_number(const TensorProto& tp, const std::string& key, const std::string& what) {
  std::string text = external_key(tp, key);
  if (text.empty()) return -1;
  try {
    size_t used = 0;
    int64_t v = std::stoll(text, &used);
    if (used == text.size() && v >= 0) return v;
  } catch (const std::exception&) {
  }
  fail("{}: external data '{}' is '{}', not a non-negative integer", what, key, text);
}

void copy_external(const TensorProto& tp, const std::string& base_dir, Tensor& t, const std::string& what) {
  std::string location = external_key(tp, "location");
  if (location.empty()) fail("{} is stored externally but names no 'location'", what);
  std::filesystem::path file = std::filesystem::path(base_dir) / location;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    fail(
        "{} keeps its data in external file '{}', which was not found at '{}'; keep the model's data "
        "files next to the .onnx file",
        what, location, file.string());
  int64_t offset = std::max<int64_t>(external_number(tp, "offset", what), 0);
  int64_t length = external_number(tp, "length", what);
  const auto needed = static_cast<int64_t>(t.nbytes());
  if (length >= 0 && length != needed)
    fail("{}: external data length is {} bytes, but {}{} needs {}", what, length, dtype_name(t.dtype()),
         shape_str(t.shape()), needed);
  const auto file_size = static_cast<int64_t>(std::filesystem::file_size(file, ec));
  if (offset + needed > file_size)
    fail("{}: external file '{}' has {} bytes, too short for {} bytes at offset {}", what, file.string(), file_size,
         needed, offset);
  std::ifstream in(file, std::ios::binary);
  in.seekg(offset);
  std::string bytes(static_cast<size_t>(needed), '\0');
  in.read(bytes.data(), needed);
  if (!in) fail("{}: cannot read external file '{}'", what, file.string());
  copy_bytes(bytes.data(), bytes.size(), t, what);
}

}  // namespace

std::optional<DType> dtype_from_onnx(int32_t onnx_type) {
  switch (onnx_type) {
    case TensorProto::FLOAT:
      return DType::F32;
    case TensorProto::DOUBLE:
      return DType::F64;
    case TensorProto::INT64:
      return DType::I64;
    case TensorProto::INT32:
      return DType::I32;
    case TensorProto::INT16:
      return DType::I16;
    case TensorProto::INT8:
      return DType::I8;
    case TensorProto::UINT8:
      return DType::U8;
    case TensorProto::BOOL:
      return DType::Bool;
    default:
      return std::nullopt;
  }
}

int32_t onnx_from_dtype(DType t) {
  switch (t) {
    case DType::F32:
      return TensorProto::FLOAT;
    case DType::F64:
      return TensorProto::DOUBLE;
    case DType::I64:
      return TensorProto::INT64;
    case DType::I32:
      return TensorProto::INT32;
    case DType::I16:
      return TensorProto::INT16;
    case DType::I8:
      return TensorProto::INT8;
    case DType::U8:
      return TensorProto::UINT8;
    case DType::Bool:
      return TensorProto::BOOL;
  }
  return TensorProto::UNDEFINED;
}

std::string onnx_type_name(int32_t onnx_type) {
  if (!onnx::TensorProto_DataType_IsValid(onnx_type)) return fmt::format("type code {}", onnx_type);
  std::string name = onnx::TensorProto_DataType_Name(static_cast<TensorProto::DataType>(onnx_type));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

Tensor tensor_from_proto(const TensorProto& tp, const std::string& base_dir, const std::string& what) {
  std::optional<DType> dtype = dtype_from_onnx(tp.data_type());
  if (!dtype)
    fail(
        "{} has element type {}, which Tessera does not support (supported: float, double, int64, int32, "
        "int16, int8, uint8, bool); convert it to float32 before export",
        what, onnx_type_name(tp.data_type()));
  Shape shape(tp.dims().begin(), tp.dims().end());
  for (int64_t d : shape)
    if (d < 0) fail("{} has a negative dimension in its shape {}", what, shape_str(shape));
  Tensor t(*dtype, shape);
  if (tp.data_location() == TensorProto::EXTERNAL)
    copy_external(tp, base_dir, t, what);
  else if (tp.has_raw_data())
    copy_bytes(tp.raw_data().data(), tp.raw_data().size(), t, what);
  else
    copy_typed_fields(tp, t, what);
  return t;
}

}  // namespace tessera::frontend
