#include "tessera/support/npy.h"

#include <cstring>
#include <fstream>
#include <regex>

#include "tessera/support/error.h"

namespace tessera {
namespace {

struct NpyType {
  const char* descr;
  DType dtype;
};
constexpr NpyType kTypes[] = {{"<f4", DType::F32}, {"<f8", DType::F64}, {"<i8", DType::I64},
                              {"<i4", DType::I32}, {"<i2", DType::I16}, {"|i1", DType::I8},
                              {"|u1", DType::U8},  {"|b1", DType::Bool}};

Shape parse_shape(const std::string& path, const std::string& text) {
  Shape shape;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',')) ++i;
    if (i >= text.size()) break;
    size_t used = 0;
    try {
      shape.push_back(std::stoll(text.substr(i), &used));
    } catch (const std::exception&) {
      fail("{}: corrupt .npy header (bad shape '({})')", path, text);
    }
    i += used;
  }
  return shape;
}

}  // namespace

Tensor read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open '{}': no such file or not readable", path);
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    fail("'{}' is not a .npy file (bad magic); save tensors with numpy.save", path);
  uint32_t header_len = 0;
  if (magic[6] == 1) {
    unsigned char b[2];
    in.read(reinterpret_cast<char*>(b), 2);
    header_len = b[0] | (b[1] << 8);
  } else {
    unsigned char b[4];
    in.read(reinterpret_cast<char*>(b), 4);
    header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
  }
  std::string header(header_len, '\0');
  if (!in.read(header.data(), header_len)) fail("'{}': truncated .npy header", path);

  std::smatch m;
  if (!std::regex_search(header, m, std::regex(R"('descr'\s*:\s*'([^']*)')")))
    fail("'{}': corrupt .npy header (no descr)", path);
  std::string descr = m[1];
  if (descr == "<b1" || descr == "|b1") descr = "|b1";
  if (descr == "<i1") descr = "|i1";
  if (descr == "<u1") descr = "|u1";
  const NpyType* type = nullptr;
  for (const auto& t : kTypes)
    if (descr == t.descr) type = &t;
  if (!type)
    fail("'{}': unsupported .npy dtype '{}'; use float32, float64, int64, int32, int16, int8, uint8 or bool",
         path, descr);
  if (std::regex_search(header, m, std::regex(R"('fortran_order'\s*:\s*True)")))
    fail("'{}': Fortran-order arrays are not supported; save with numpy.ascontiguousarray", path);
  if (!std::regex_search(header, m, std::regex(R"('shape'\s*:\s*\(([^)]*)\))")))
    fail("'{}': corrupt .npy header (no shape)", path);
  Tensor t(type->dtype, parse_shape(path, m[1]));
  if (!in.read(static_cast<char*>(t.raw()), static_cast<std::streamsize>(t.nbytes())))
    fail("'{}': truncated .npy data (expected {} bytes for shape {})", path, t.nbytes(),
         shape_str(t.shape()));
  return t;
}

void write_npy(const std::string& path, const Tensor& t) {
  const char* descr = nullptr;
  for (const auto& ty : kTypes)
    if (ty.dtype == t.dtype()) descr = ty.descr;
  std::string shape;
  for (int64_t d : t.shape()) shape += std::to_string(d) + ", ";
  if (t.rank() > 1) shape.resize(shape.size() - 1);
  if (t.rank() > 1) shape.pop_back();
  std::string header =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr, shape);
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::ofstream out(path, std::ios::binary);
  if (!out) fail("cannot write '{}': check that the directory exists and is writable", path);
  out.write("\x93NUMPY\x01\x00", 8);
  const unsigned char len[2] = {static_cast<unsigned char>(header.size() & 0xff),
                                static_cast<unsigned char>(header.size() >> 8)};
  out.write(reinterpret_cast<const char*>(len), 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(static_cast<const char*>(t.raw()), static_cast<std::streamsize>(t.nbytes()));
  if (!out) fail("failed writing '{}' (disk full?)", path);
}

}  // namespace tessera
