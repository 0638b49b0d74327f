#include "tessera/data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <memory>

#include "tessera/support/error.h"

namespace tessera::data {
namespace {

constexpr uint8_t kUnsignedByte = 0x08;
constexpr int kMaxRank = 4;  // MNIST-style files have rank 1 (labels) or 3 (images)

// A gzip stream (or, as zlib does transparently, a plain file) read in order.
class GzReader {
 public:
  explicit GzReader(const std::string& path) : path_(path), file_(gzopen(path.c_str(), "rb"), gzclose) {
    if (!file_) fail("cannot open IDX file '{}': not readable", path);
  }

  // Reads up to `n` bytes; fewer only at the end of the data.
  int64_t read(void* into, int64_t n) {
    int64_t done = 0;
    while (done < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<int64_t>(n - done, 1 << 20));
      const int got = gzread(file_.get(), static_cast<char*>(into) + done, chunk);
      if (got < 0) corrupt();
      if (got == 0) break;
      done += got;
    }
    return done;
  }

  // After the last read: zlib reports a gzip stream cut short (its data or
  // its CRC trailer) as Z_BUF_ERROR rather than as a failed read.
  void expect_complete() {
    int err = Z_OK;
    gzerror(file_.get(), &err);
    if (err == Z_BUF_ERROR) fail("'{}': truncated gzip data (the stream ends early); download the file again", path_);
    if (err != Z_OK) corrupt();
  }

 private:
  [[noreturn]] void corrupt() {
    int err = Z_OK;
    const char* why = gzerror(file_.get(), &err);
    fail("'{}': corrupt gzip data ({}); download the file again, or gunzip it and check it", path_,
         why && *why ? why : "zlib error");
  }

  const std::string& path_;
  std::unique_ptr<gzFile_s, int (*)(gzFile)> file_;
};

uint32_t big_endian(const unsigned char* b) {
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}

Shape read_header(GzReader& in, const std::string& path) {
  unsigned char magic[4];
  if (in.read(magic, 4) < 4) fail("'{}': truncated IDX file (no 4-byte magic number)", path);
  if (magic[0] != 0 || magic[1] != 0)
    fail("'{}' is not an IDX file (bad magic {:02x}{:02x}{:02x}{:02x}; expected 0000TTRR)", path, magic[0], magic[1],
         magic[2], magic[3]);
  if (magic[2] != kUnsignedByte)
    fail("'{}': IDX element type 0x{:02x} is not supported; Tessera reads unsigned-byte (0x08) IDX files", path,
         magic[2]);
  const int rank = magic[3];
  if (rank < 1 || rank > kMaxRank) fail("'{}': IDX rank {} is not supported (1 to {})", path, rank, kMaxRank);
  unsigned char dims[4 * kMaxRank];
  if (in.read(dims, 4 * rank) < 4 * rank) fail("'{}': truncated IDX header ({} dimensions expected)", path, rank);
  Shape shape;
  for (int i = 0; i < rank; ++i) shape.push_back(big_endian(dims + 4 * i));
  return shape;
}

}  // namespace

Tensor read_idx(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) fail("cannot open IDX file '{}': no such file", path);
  GzReader in(path);
  const Shape shape = read_header(in, path);
  // Dimensions are below 2^32 and at most 4: the double product is exact
  // enough to compare with the limit and to print.
  double claimed = 1;
  for (int64_t d : shape) claimed *= static_cast<double>(d);
  if (claimed > static_cast<double>(kMaxIdxBytes))
    fail("'{}': IDX shape {} holds {:.0f} bytes, over Tessera's limit of {} (1 GiB); the header is corrupt or the "
         "dataset too large to load at once",
         path, shape_str(shape), claimed, kMaxIdxBytes);
  const auto bytes = static_cast<int64_t>(claimed);
  // Read in slices before allocating the whole tensor, so that a header that
  // claims more than the file holds fails without a large allocation.
  std::vector<unsigned char> data;
  constexpr int64_t kSlice = 1 << 22;
  while (static_cast<int64_t>(data.size()) < bytes) {
    const int64_t have = static_cast<int64_t>(data.size());
    const int64_t want = std::min(kSlice, bytes - have);
    data.resize(static_cast<size_t>(have + want));
    const int64_t got = in.read(data.data() + have, want);
    if (got < want)
      fail("'{}': truncated IDX file (shape {} needs {} bytes of data, the file has {})", path, shape_str(shape), bytes,
           have + got);
  }
  unsigned char extra;
  if (in.read(&extra, 1) != 0)
    fail("'{}': IDX size mismatch (the file has more data than shape {} needs: {} bytes)", path, shape_str(shape),
         bytes);
  in.expect_complete();
  Tensor t(DType::U8, shape);
  if (bytes > 0) std::memcpy(t.raw(), data.data(), static_cast<size_t>(bytes));
  return t;
}

}  // namespace tessera::data
