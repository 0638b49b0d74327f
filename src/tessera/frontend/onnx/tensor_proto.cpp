// TensorProto -> Tensor: element types, raw little-endian bytes, the typed
// repeated fields (narrow integers and bools travel in int32_data), and
// external data files next to the model.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "tessera/frontend/onnx/onnx_proto.h"
#include "tessera/support/checked.h"
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

// The file an external tensor names, confined to the model's folder: ONNX's
// checker rejects absolute locations and ones that climb out with '..', and so
// does Tessera (otherwise a model could read any file and, through an
// Identity, write it to an output). Symlinks that lead outside are refused too.
std::filesystem::path external_file(const std::string& location, const std::string& base_dir,
                                    const std::string& what) {
  namespace fs = std::filesystem;
  if (location.empty()) fail("{} is stored externally but names no 'location'", what);
  const fs::path rel(location);
  bool climbs = false;
  for (const auto& part : rel) climbs |= part == "..";
  if (rel.is_absolute() || rel.has_root_name() || rel.has_root_directory() || climbs ||
      location.find('\0') != std::string::npos)
    fail("{}: external data location '{}' must be a relative path inside the model's folder (no absolute path, "
         "no '..'); move the data file next to the .onnx file",
         what, location);
  std::error_code ec;
  const fs::path base = fs::weakly_canonical(fs::absolute(base_dir.empty() ? "." : base_dir, ec), ec);
  const fs::path file = fs::weakly_canonical(base / rel, ec);
  auto [b, f] = std::mismatch(base.begin(), base.end(), file.begin(), file.end());
  if (ec || b != base.end())
    fail("{}: external data location '{}' leads outside the model's folder (through a symlink?); copy the data "
         "file next to the .onnx file",
         what, location);
  if (!fs::is_regular_file(file, ec))
    fail(
        "{} keeps its data in external file '{}', which was not found at '{}'; keep the model's data "
        "files next to the .onnx file",
        what, location, file.string());
  return file;
}

void copy_external(const TensorProto& tp, const std::string& base_dir, Tensor& t, const std::string& what) {
  const std::filesystem::path file = external_file(external_key(tp, "location"), base_dir, what);
  std::ifstream in(file, std::ios::binary);
  const int64_t offset = std::max<int64_t>(external_number(tp, "offset", what), 0);
  in.seekg(offset);
  const auto needed = static_cast<std::streamsize>(t.nbytes());
  if (needed > 0) in.read(static_cast<char*>(t.raw()), needed);
  if (!in) fail("{}: cannot read external file '{}'", what, file.string());
  if (t.dtype() == DType::Bool)
    for (int64_t i = 0; i < t.size(); ++i) t.data<bool>()[i] = reinterpret_cast<const uint8_t*>(t.raw())[i] != 0;
}

// The number of data bytes (raw, external) or values (typed fields) the proto
// carries, checked against what its shape needs before anything is allocated.
void check_data_size(const TensorProto& tp, const std::string& base_dir, DType dtype, const Shape& shape,
                     const std::string& what) {
  const int64_t count = num_elements(shape);
  const int64_t needed = checked_mul(count, static_cast<int64_t>(dtype_size(dtype)),
                                     fmt::format("the byte size of {}", what));
  if (tp.data_location() == TensorProto::EXTERNAL) {
    const std::filesystem::path file = external_file(external_key(tp, "location"), base_dir, what);
    const int64_t offset = std::max<int64_t>(external_number(tp, "offset", what), 0);
    const int64_t length = external_number(tp, "length", what);
    if (length >= 0 && length != needed)
      fail("{}: external data length is {} bytes, but {}{} needs {}", what, length, dtype_name(dtype),
           shape_str(shape), needed);
    std::error_code ec;
    const auto file_size = static_cast<int64_t>(std::filesystem::file_size(file, ec));
    if (ec || offset > file_size || needed > file_size - offset)
      fail("{}: external file '{}' has {} bytes, too short for {} bytes at offset {}", what, file.string(),
           file_size, needed, offset);
    return;
  }
  if (tp.has_raw_data()) {
    const auto n = static_cast<int64_t>(tp.raw_data().size());
    if (n != needed)
      fail("{} has {} bytes of data, but {}{} needs {}", what, n, dtype_name(dtype), shape_str(shape), needed);
    return;
  }
  int64_t values = 0;
  switch (dtype) {
    case DType::F32: values = tp.float_data_size(); break;
    case DType::F64: values = tp.double_data_size(); break;
    case DType::I64: values = tp.int64_data_size(); break;
    default: values = tp.int32_data_size(); break;
  }
  if (values != count)
    fail("{} has {} values, but its shape {} needs {}", what, values, shape_str(shape), count);
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
  check_data_size(tp, base_dir, *dtype, shape, what);
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
