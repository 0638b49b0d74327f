#include "tessera/support/npy.h"

#include <cstring>
#include <fstream>
#include <optional>

#include "tessera/support/checked.h"
#include "tessera/support/error.h"
#include "tessera/support/output.h"

namespace tessera {
namespace {

struct NpyType {
  const char* descr;
  DType dtype;
};
constexpr NpyType kTypes[] = {{"<f4", DType::F32}, {"<f8", DType::F64}, {"<i8", DType::I64},
                              {"<i4", DType::I32}, {"<i2", DType::I16}, {"|i1", DType::I8},
                              {"|u1", DType::U8},  {"|b1", DType::Bool}};

// NumPy itself refuses headers over 10,000 bytes unless told otherwise; a
// header this long is corrupt or hostile, and is rejected before it is read.
constexpr uint32_t kMaxHeaderBytes = 1 << 16;

// The header is a Python dict literal: {'descr': '<f4', 'fortran_order': False,
// 'shape': (2, 3), }. A small hand-written scanner reads it in one pass (a
// std::regex recursed once per character and overflowed the stack on long
// headers).
struct NpyHeader {
  std::optional<std::string> descr;
  std::optional<bool> fortran_order;
  std::optional<Shape> shape;
};

class HeaderScanner {
 public:
  HeaderScanner(const std::string& path, const std::string& text) : path_(path), text_(text) {}

  NpyHeader scan() {
    NpyHeader h;
    expect('{');
    while (true) {
      if (peek() == '}') break;
      std::string key = string_literal();
      expect(':');
      if (key == "descr") h.descr = string_literal();
      else if (key == "fortran_order") h.fortran_order = boolean();
      else if (key == "shape") h.shape = tuple();
      else bad(fmt::format("unknown key '{}'", key));
      if (peek() == ',') ++pos_;
      else if (peek() != '}') bad("expected ',' or '}'");
    }
    return h;
  }

 private:
  [[noreturn]] void bad(const std::string& why) const {
    fail("'{}': corrupt .npy header ({} at byte {}); save tensors with numpy.save", path_, why, pos_);
  }
  char peek() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }
  void expect(char c) {
    if (peek() != c) bad(fmt::format("expected '{}'", c));
    ++pos_;
  }
  std::string string_literal() {
    char q = peek();
    if (q != '\'' && q != '"') bad("expected a quoted string");
    size_t end = text_.find(q, ++pos_);
    if (end == std::string::npos) bad("unterminated string");
    std::string s = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return s;
  }
  bool boolean() {
    peek();
    for (auto [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      size_t n = std::strlen(word);
      if (text_.compare(pos_, n, word) == 0) {
        pos_ += n;
        return value;
      }
    }
    bad("expected True or False");
  }
  Shape tuple() {
    Shape shape;
    expect('(');
    while (peek() != ')') {
      if (shape.size() >= 64) bad("more than 64 dimensions");
      shape.push_back(integer());
      if (peek() == ',') ++pos_;
      else if (peek() != ')') bad("expected ',' or ')' in the shape");
    }
    ++pos_;
    return shape;
  }
  int64_t integer() {
    peek();
    int64_t v = 0;
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, text_[pos_] - '0', &v))
        bad("a dimension over 2^63");
      ++pos_;
    }
    if (pos_ == start) bad("expected a non-negative integer");
    if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;  // Python 2 longs
    return v;
  }

  const std::string& path_;
  const std::string& text_;
  size_t pos_ = 0;
};

const NpyType& npy_type(const std::string& path, std::string descr) {
  if (descr == "<b1" || descr == "|b1") descr = "|b1";
  if (descr == "<i1") descr = "|i1";
  if (descr == "<u1") descr = "|u1";
  for (const auto& t : kTypes)
    if (descr == t.descr) return t;
  fail("'{}': unsupported .npy dtype '{}'; use float32, float64, int64, int32, int16, int8, uint8 or bool",
       path, descr);
}

uint32_t read_header_len(std::ifstream& in, const std::string& path) {
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    fail("'{}' is not a .npy file (bad magic); save tensors with numpy.save", path);
  if (magic[6] < 1 || magic[6] > 3)
    fail("'{}': .npy format version {} is not supported (1, 2 or 3)", path, static_cast<int>(magic[6]));
  unsigned char b[4] = {0, 0, 0, 0};
  if (!in.read(reinterpret_cast<char*>(b), magic[6] == 1 ? 2 : 4)) fail("'{}': truncated .npy header", path);
  return b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
}

}  // namespace

Tensor read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open '{}': no such file or not readable", path);
  in.seekg(0, std::ios::end);
  const auto file_size = static_cast<int64_t>(in.tellg());
  in.seekg(0);
  const uint32_t header_len = read_header_len(in, path);
  if (header_len > kMaxHeaderBytes || static_cast<int64_t>(header_len) > file_size)
    fail("'{}': corrupt .npy header (it claims {} bytes; the file has {}); save tensors with numpy.save", path,
         header_len, file_size);
  std::string header(header_len, '\0');
  if (!in.read(header.data(), header_len)) fail("'{}': truncated .npy header", path);
  while (!header.empty() && (header.back() == '\n' || header.back() == ' ' || header.back() == '\0'))
    header.pop_back();

  NpyHeader h = HeaderScanner(path, header).scan();
  if (!h.descr) fail("'{}': corrupt .npy header (no descr)", path);
  if (!h.shape) fail("'{}': corrupt .npy header (no shape)", path);
  const NpyType& type = npy_type(path, *h.descr);
  if (h.fortran_order.value_or(false))
    fail("'{}': Fortran-order arrays are not supported; save with numpy.ascontiguousarray", path);
  // Validate the size against the file before allocating anything.
  const int64_t count = num_elements(*h.shape);
  const int64_t bytes = checked_mul(count, static_cast<int64_t>(dtype_size(type.dtype)),
                                    fmt::format("'{}': the byte size of shape {}", path, shape_str(*h.shape)));
  const int64_t data_bytes = file_size - static_cast<int64_t>(in.tellg());
  if (data_bytes < bytes)
    fail("'{}': truncated .npy data (expected {} bytes for shape {}, the file has {})", path, bytes,
         shape_str(*h.shape), data_bytes);
  Tensor t(type.dtype, *h.shape);
  if (!in.read(static_cast<char*>(t.raw()), static_cast<std::streamsize>(t.nbytes())))
    fail("'{}': truncated .npy data (expected {} bytes for shape {})", path, t.nbytes(), shape_str(t.shape()));
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
  std::string head("\x93NUMPY\x01\x00", 8);
  head.push_back(static_cast<char>(header.size() & 0xff));
  head.push_back(static_cast<char>(header.size() >> 8));
  head += header;
  write_output_file(path, head,
                    std::string_view(static_cast<const char*>(t.raw()), static_cast<size_t>(t.nbytes())));
}

}  // namespace tessera
