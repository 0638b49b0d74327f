// Datasets: IDX files (plain and gzip) and .npy folders loaded with known
// answers, every malformed input rejected with a message naming the file and
// the problem, the deterministic shuffle and the batch gather, and (where
// Debian's dataset-fashion-mnist is installed) the real Fashion-MNIST.
#include <gtest/gtest.h>
#include <zlib.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>

#include "tessera/data/dataset.h"
#include "tessera/data/idx.h"
#include "tessera/support/error.h"
#include "tessera/support/npy.h"
#include "../errors/user_error.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;
using testing::user_error;

#define EXPECT_HAS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << (text)

// A fresh folder per test, removed afterwards.
class DataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("tessera_data_test_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

std::string idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data, uint8_t type = 0x08) {
  std::string s = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int shift : {24, 16, 8, 0}) s.push_back(static_cast<char>((d >> shift) & 0xff));
  s.append(data.begin(), data.end());
  return s;
}

std::string gzip(const std::string& bytes) {
  uLongf size = compressBound(static_cast<uLong>(bytes.size())) + 64;
  std::string out(size, '\0');
  // deflateInit2 with windowBits 16 + 15 writes a gzip (not zlib) stream.
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::vector<uint8_t> iota_bytes(size_t n, uint8_t step) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * step);
  return v;
}

// An MNIST-layout folder: `n_train` and `n_test` images of side x side.
void write_idx_folder(const fs::path& dir, uint32_t n_train, uint32_t n_test, uint32_t side, bool gz,
                      std::vector<uint8_t> train_labels = {}, std::vector<uint8_t> test_labels = {}) {
  if (train_labels.empty()) train_labels = iota_bytes(n_train, 1);
  if (test_labels.empty()) test_labels = iota_bytes(n_test, 1);
  const std::string ext = gz ? ".gz" : "";
  auto put = [&](const std::string& name, const std::string& bytes) {
    write_file((dir / (name + ext)).string(), gz ? gzip(bytes) : bytes);
  };
  put("train-images-idx3-ubyte", idx_bytes({n_train, side, side}, iota_bytes(size_t{n_train} * side * side, 5)));
  put("train-labels-idx1-ubyte", idx_bytes({n_train}, train_labels));
  put("t10k-images-idx3-ubyte", idx_bytes({n_test, side, side}, iota_bytes(size_t{n_test} * side * side, 7)));
  put("t10k-labels-idx1-ubyte", idx_bytes({n_test}, test_labels));
}

// ---- IDX --------------------------------------------------------------------

TEST_F(DataTest, IdxKnownAnswerPlainAndGzip) {
  for (bool gz : {false, true}) {
    SCOPED_TRACE(gz ? "gzip" : "plain");
    write_idx_folder(dir_, 3, 2, 2, gz, {0, 4, 1}, {2, 3});
    const data::Dataset d = data::load_dataset(dir_.string());
    EXPECT_EQ(d.name, dir_.string());
    ASSERT_EQ(d.x_train.shape(), (Shape{3, 1, 2, 2}));
    ASSERT_EQ(d.x_test.shape(), (Shape{2, 1, 2, 2}));
    EXPECT_EQ(d.x_train.dtype(), DType::F32);
    EXPECT_EQ(d.y_train.dtype(), DType::I64);
    for (int64_t i = 0; i < 12; ++i) EXPECT_FLOAT_EQ(d.x_train.data<float>()[i], static_cast<float>(i * 5 % 256) / 255);
    for (int64_t i = 0; i < 8; ++i) EXPECT_FLOAT_EQ(d.x_test.data<float>()[i], static_cast<float>(i * 7) / 255);
    EXPECT_EQ(d.y_train.to_i64_vector(), (std::vector<int64_t>{0, 4, 1}));
    EXPECT_EQ(d.y_test.to_i64_vector(), (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(d.classes, 5);  // the largest label + 1
    for (const auto& e : fs::directory_iterator(dir_)) fs::remove(e.path());
  }
}

TEST_F(DataTest, IdxPixelRangeEndsAtZeroAndOne) {
  write_file(path("p.idx"), idx_bytes({3}, {0, 128, 255}));
  const Tensor t = data::read_idx(path("p.idx"));
  EXPECT_EQ(t.dtype(), DType::U8);
  EXPECT_EQ(t.shape(), (Shape{3}));
  write_idx_folder(dir_, 1, 1, 1, false, {0}, {0});
  write_file(path("train-images-idx3-ubyte"), idx_bytes({1, 1, 2}, {0, 255}));
  write_file(path("t10k-images-idx3-ubyte"), idx_bytes({1, 1, 2}, {255, 0}));
  const data::Dataset d = data::load_dataset(dir_.string());
  EXPECT_EQ(d.x_train.data<float>()[0], 0.0f);
  EXPECT_EQ(d.x_train.data<float>()[1], 1.0f);
}

TEST_F(DataTest, FashionMnistLayoutHasTenClasses) {
  write_idx_folder(dir_, 4, 2, 28, true, {0, 1, 2, 9}, {3, 0});
  const data::Dataset d = data::load_fashion_mnist(dir_.string());
  EXPECT_EQ(d.name, "fashion-mnist");
  EXPECT_EQ(d.classes, 10);
  EXPECT_EQ(d.x_train.shape(), (Shape{4, 1, 28, 28}));
  write_idx_folder(dir_, 4, 2, 28, true, {0, 1, 2, 10}, {3, 0});
  const std::string e = user_error([&] { data::load_fashion_mnist(dir_.string()); });
  EXPECT_HAS(e, "train-labels-idx1-ubyte.gz': label 10 at index 3 is not a class of this dataset (0 to 9)");
  EXPECT_HAS(e, "apt-get install --reinstall dataset-fashion-mnist");
}

TEST_F(DataTest, FashionMnistMissingSaysHowToInstall) {
  const std::string e = user_error([&] { data::load_fashion_mnist(path("not_installed")); });
  EXPECT_HAS(e, "dataset 'fashion-mnist' is not installed");
  EXPECT_HAS(e, "apt-get install dataset-fashion-mnist");
  EXPECT_HAS(e, "scripts/bootstrap.sh");
  write_idx_folder(dir_, 1, 1, 2, true, {0}, {0});
  fs::remove(path("t10k-labels-idx1-ubyte.gz"));
  EXPECT_HAS(user_error([&] { data::load_fashion_mnist(dir_.string()); }), "has no t10k-labels-idx1-ubyte[.gz]");
}

TEST_F(DataTest, IdxHeaderErrors) {
  const struct {
    std::string bytes;
    const char* expected;
  } cases[] = {
      {"", "truncated IDX file (no 4-byte magic number)"},
      {std::string("\x00\x00\x08", 3), "truncated IDX file (no 4-byte magic number)"},
      {std::string("\x1f\x00\x08\x01\x00\x00\x00\x01\x05", 9), "is not an IDX file (bad magic 1f000801"},
      {idx_bytes({1}, {}, 0x0d), "IDX element type 0x0d is not supported"},
      {std::string("\x00\x00\x08\x00", 4), "IDX rank 0 is not supported"},
      {std::string("\x00\x00\x08\x09", 4), "IDX rank 9 is not supported"},
      {idx_bytes({4, 4}, {}).substr(0, 9), "truncated IDX header (2 dimensions expected)"},
      {idx_bytes({2, 3}, {1, 2, 3, 4, 5}), "truncated IDX file (shape [2,3] needs 6 bytes of data, the file has 5)"},
      {idx_bytes({2, 3}, {1, 2, 3, 4, 5, 6, 7}), "IDX size mismatch (the file has more data than shape [2,3] needs"},
      {idx_bytes({60000, 60000, 60000}, {}), "holds 216000000000000 bytes, over Tessera's limit"},
      {idx_bytes({0xffffffff, 0xffffffff, 0xffffffff}, {}), "bytes, over Tessera's limit of 1073741824 (1 GiB)"},
  };
  for (bool gz : {false, true}) {
    for (const auto& c : cases) {
      write_file(path("f.idx"), gz ? gzip(c.bytes) : c.bytes);
      const std::string e = user_error([&] { data::read_idx(path("f.idx")); });
      EXPECT_HAS(e, c.expected);
      EXPECT_HAS(e, path("f.idx"));
    }
  }
  EXPECT_HAS(user_error([&] { data::read_idx(path("absent.idx")); }), "absent.idx': no such file");
  EXPECT_HAS(user_error([&] { data::read_idx(dir_.string()); }), "no such file");
}

TEST_F(DataTest, IdxCorruptOrTruncatedGzip) {
  const std::string good = gzip(idx_bytes({100}, iota_bytes(100, 3)));
  write_file(path("cut.idx.gz"), good.substr(0, good.size() - 4));  // the length trailer cut off
  EXPECT_HAS(user_error([&] { data::read_idx(path("cut.idx.gz")); }), "truncated gzip data");
  write_file(path("half.idx.gz"), good.substr(0, good.size() / 2));
  EXPECT_HAS(user_error([&] { data::read_idx(path("half.idx.gz")); }), "truncated");
  std::string bad_crc = good;
  bad_crc[bad_crc.size() - 6] ^= 0x55;  // inside the CRC-32
  write_file(path("crc.idx.gz"), bad_crc);
  EXPECT_HAS(user_error([&] { data::read_idx(path("crc.idx.gz")); }), "corrupt gzip data");
}

TEST_F(DataTest, IdxShapeErrors) {
  write_idx_folder(dir_, 2, 2, 3, false);
  write_file(path("train-images-idx3-ubyte"), idx_bytes({6}, iota_bytes(6, 1)));
  EXPECT_HAS(user_error([&] { data::load_dataset(dir_.string()); }),
             "IDX images have shape [6]; expected [N, rows, cols]");
  write_idx_folder(dir_, 2, 2, 3, false);
  write_file(path("train-labels-idx1-ubyte"), idx_bytes({1, 2}, {0, 1}));
  EXPECT_HAS(user_error([&] { data::load_dataset(dir_.string()); }), "IDX labels have shape [1,2]; expected [N]");
  write_idx_folder(dir_, 2, 2, 3, false);
  write_file(path("train-labels-idx1-ubyte"), idx_bytes({3}, {0, 1, 2}));
  EXPECT_HAS(user_error([&] { data::load_dataset(dir_.string()); }),
             "train-images-idx3-ubyte' has 2 samples but '" + path("train-labels-idx1-ubyte") + "' has 3 labels");
  write_idx_folder(dir_, 2, 2, 3, false);
  write_file(path("t10k-images-idx3-ubyte"), idx_bytes({2, 4, 4}, iota_bytes(32, 1)));
  EXPECT_HAS(user_error([&] { data::load_dataset(dir_.string()); }),
             "has samples of shape [1,3,3] but '" + path("t10k-images-idx3-ubyte") + "' has [1,4,4]");
  write_idx_folder(dir_, 0, 2, 3, false);
  EXPECT_HAS(user_error([&] { data::load_dataset(dir_.string()); }), "is empty (0 samples)");
}

// Random byte edits of valid files: each load succeeds or is a user error.
TEST_F(DataTest, IdxMutationsNeverCrash) {
  const std::string plain = idx_bytes({4, 3, 3}, iota_bytes(36, 9));
  const std::string gz = gzip(plain);
  uint64_t s = 99;
  auto next = [&] { return s = s * 6364136223846793005ull + 1442695040888963407ull, s >> 33; };
  for (int round = 0; round < 400; ++round) {
    std::string bytes = round % 2 ? gz : plain;
    for (int k = 0, edits = 1 + static_cast<int>(next() % 4); k < edits; ++k) {
      const size_t at = next() % bytes.size();
      switch (next() % 3) {
        case 0: bytes[at] = static_cast<char>(next()); break;
        case 1: bytes.resize(at); break;
        default: bytes.insert(at, 1, static_cast<char>(next())); break;
      }
      if (bytes.empty()) break;
    }
    write_file(path("m.idx"), bytes);
    try {
      data::read_idx(path("m.idx"));
    } catch (const Error&) {
    }
  }
}

// ---- .npy folders -------------------------------------------------------------

void write_npy_folder(const fs::path& dir, const Tensor& x_train, const Tensor& y_train, const Tensor& x_test,
                      const Tensor& y_test) {
  write_npy((dir / "x_train.npy").string(), x_train);
  write_npy((dir / "y_train.npy").string(), y_train);
  write_npy((dir / "x_test.npy").string(), x_test);
  write_npy((dir / "y_test.npy").string(), y_test);
}

Tensor f32(Shape shape) {
  Tensor t(DType::F32, shape);
  for (int64_t i = 0; i < t.size(); ++i) t.data<float>()[i] = 0.5f * static_cast<float>(i);
  return t;
}

Tensor labels(const std::vector<int64_t>& v, DType dtype = DType::I64) {
  return Tensor::from_i64(v, {static_cast<int64_t>(v.size())}).cast(dtype);
}

TEST_F(DataTest, NpyKnownAnswer) {
  Tensor x_test(DType::F64, {2, 2, 3});
  for (int64_t i = 0; i < 12; ++i) x_test.set_f64(i, 0.25 * static_cast<double>(i));
  write_npy_folder(dir_, f32({3, 2, 3}), labels({1, 0, 1}, DType::I32), x_test, labels({6, 0}, DType::U8));
  const data::Dataset d = data::load_dataset(dir_.string());
  EXPECT_EQ(d.x_train.shape(), (Shape{3, 2, 3}));
  EXPECT_EQ(d.x_test.shape(), (Shape{2, 2, 3}));
  EXPECT_EQ(d.x_test.dtype(), DType::F32);  // float64 converted
  EXPECT_EQ(d.x_test.data<float>()[5], 1.25f);
  EXPECT_EQ(d.x_train.data<float>()[17], 8.5f);
  EXPECT_EQ(d.y_train.dtype(), DType::I64);
  EXPECT_EQ(d.y_train.to_i64_vector(), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(d.y_test.to_i64_vector(), (std::vector<int64_t>{6, 0}));
  EXPECT_EQ(d.classes, 7);  // the largest label over both splits + 1
}

TEST_F(DataTest, NpyErrors) {
  const Tensor x = f32({3, 4}), y = labels({0, 1, 2});
  const std::string spec = dir_.string();
  auto error_with = [&](const std::string& file, const Tensor& t) {
    write_npy_folder(dir_, x, y, x, y);
    write_npy(path(file), t);
    return user_error([&] { data::load_dataset(spec); });
  };
  EXPECT_HAS(error_with("y_train.npy", labels({0, 1})),
             "x_train.npy' has 3 samples but '" + path("y_train.npy") + "' has 2 labels");
  EXPECT_HAS(error_with("x_test.npy", f32({3, 5})),
             "x_train.npy' has samples of shape [4] but '" + path("x_test.npy") + "' has [5]");
  EXPECT_HAS(error_with("y_test.npy", f32({3})), "y_test.npy': labels are f32, not integers");
  EXPECT_HAS(error_with("y_test.npy", labels({0, 1, 1}, DType::Bool)), "labels are bool, not integers");
  EXPECT_HAS(error_with("y_test.npy", labels({0, -1, 1})), "y_test.npy': label -1 at index 1 is negative");
  EXPECT_HAS(error_with("y_test.npy", labels({0, int64_t{1} << 40, 1})), "is over 1048576 classes");
  EXPECT_HAS(error_with("y_train.npy", Tensor(DType::I64, {3, 1})),
             "labels have shape [3,1]; expected a 1-D array [N] of class indices (y.reshape(-1))");
  EXPECT_HAS(error_with("x_train.npy", Tensor(DType::I64, {3, 4})),
             "x_train.npy': features are i64; save them as float32");
  EXPECT_HAS(error_with("x_train.npy", f32({3})), "features have shape [3]; expected [N, ...]");
  EXPECT_HAS(error_with("x_test.npy", f32({3, 0})), "samples of shape [0] have no elements");
  write_npy_folder(dir_, f32({0, 4}), labels({}), x, y);
  EXPECT_HAS(user_error([&] { data::load_dataset(spec); }), "x_train.npy' is empty (0 samples)");
  Tensor nan = f32({3, 4});
  nan.data<float>()[6] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_HAS(error_with("x_test.npy", nan), "x_test.npy': element 6 (sample 1) is nan; features must be finite");
  Tensor huge(DType::F64, {3, 4});
  huge.set_f64(11, 1e300);  // finite in float64, inf in float32
  EXPECT_HAS(error_with("x_train.npy", huge), "element 11 (sample 2) is 1e+300, beyond float32's range");
  for (const char* name : {"x_train.npy", "y_train.npy", "x_test.npy", "y_test.npy"}) {
    write_npy_folder(dir_, x, y, x, y);
    fs::remove(path(name));
    const std::string e = user_error([&] { data::load_dataset(spec); });
    EXPECT_HAS(e, std::string("has no ") + name);
    EXPECT_HAS(e, "x_train.npy, y_train.npy, x_test.npy and y_test.npy (numpy.save");
  }
  write_npy_folder(dir_, x, y, x, y);
  write_file(path("y_test.npy"), "garbage");
  EXPECT_HAS(user_error([&] { data::load_dataset(spec); }), "y_test.npy' is not a .npy file");
}

TEST_F(DataTest, SpecErrors) {
  EXPECT_HAS(user_error([&] { data::load_dataset(path("absent")); }), "absent': no such folder; use fashion-mnist");
  EXPECT_HAS(user_error([] { data::load_dataset(""); }), "no dataset given");
  EXPECT_HAS(user_error([&] { data::load_dataset(dir_.string()); }), "has no x_train.npy");
}

// ---- batching -----------------------------------------------------------------

TEST(DataBatch, ShuffledOrderIsADeterministicPermutation) {
  for (int64_t n : {0, 1, 2, 7, 1000}) {
    std::vector<int64_t> order = data::shuffled_order(n, 5);
    EXPECT_EQ(order, data::shuffled_order(n, 5));
    std::vector<int64_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int64_t> iota(static_cast<size_t>(n));
    std::iota(iota.begin(), iota.end(), 0);
    EXPECT_EQ(sorted, iota) << n;
  }
  EXPECT_NE(data::shuffled_order(1000, 5), data::shuffled_order(1000, 6));
  // Pinned: the same seed gives this order on every machine and library.
  EXPECT_EQ(data::shuffled_order(10, 42), (std::vector<int64_t>{0, 9, 5, 8, 6, 4, 7, 2, 1, 3}));
  // Roughly uniform: each of 0..3 lands first about a quarter of the time.
  std::vector<int> first(4);
  for (uint64_t seed = 0; seed < 4000; ++seed) ++first[static_cast<size_t>(data::shuffled_order(4, seed)[0])];
  for (int f : first) EXPECT_NEAR(f, 1000, 120);
  EXPECT_HAS(user_error([] { data::shuffled_order(-1, 0); }), "cannot shuffle -1 samples");
}

TEST(DataBatch, GatherCopiesSamplesIntoAnyBatchShape) {
  const Tensor x = f32({4, 1, 2, 2});  // sample i holds 2i, 2i + 0.5, 2i + 1, 2i + 1.5
  Tensor out(DType::F32, {2, 4});
  data::gather_batch(x, {3, 0, 2, 1}, 1, 2, out);  // samples 0 and 2
  const std::vector<float> want = {0, 0.5f, 1, 1.5f, 4, 4.5f, 5, 5.5f};
  for (int64_t i = 0; i < 8; ++i) EXPECT_EQ(out.data<float>()[i], want[static_cast<size_t>(i)]);
  const Tensor y = labels({7, 8, 9, 6});
  Tensor y_out(DType::I64, {3});
  data::gather_batch(y, {3, 0, 2, 1}, 0, 3, y_out);
  EXPECT_EQ(y_out.to_i64_vector(), (std::vector<int64_t>{6, 7, 9}));

  Tensor wrong(DType::F32, {3, 4});
  EXPECT_HAS(user_error([&] { data::gather_batch(x, {0, 1}, 0, 2, wrong); }),
             "a batch of 2 samples of shape [1,2,2] needs 8 elements, but the batch tensor [3,4] holds 12");
  Tensor ints(DType::I64, {2, 4});
  EXPECT_HAS(user_error([&] { data::gather_batch(x, {0, 1}, 0, 2, ints); }),
             "the batch tensor is i64 but the samples are f32");
  EXPECT_HAS(user_error([&] { data::gather_batch(x, {0, 1, 2}, 2, 2, out); }),
             "samples 2 to 4 of the order are out of range (it has 3)");
  EXPECT_HAS(user_error([&] { data::gather_batch(x, {0, 4}, 0, 2, out); }),
             "sample index 4 (order position 1) is outside 0..3");
  EXPECT_HAS(user_error([&] { data::gather_batch(x, {0, -1}, 0, 2, out); }), "sample index -1");
}

// ---- the real Fashion-MNIST (Debian's dataset-fashion-mnist) --------------------

TEST(DataFashionMnist, InstalledPackageLoads) {
  if (!fs::exists(data::kFashionMnistDir)) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const data::Dataset d = data::load_dataset("fashion-mnist");
  EXPECT_EQ(d.name, "fashion-mnist");
  EXPECT_EQ(d.classes, 10);
  EXPECT_EQ(d.x_train.shape(), (Shape{60000, 1, 28, 28}));
  EXPECT_EQ(d.x_test.shape(), (Shape{10000, 1, 28, 28}));
  EXPECT_EQ(d.y_train.shape(), (Shape{60000}));
  EXPECT_EQ(d.y_test.shape(), (Shape{10000}));
  const auto [lo, hi] = std::minmax_element(d.x_train.data<float>(), d.x_train.data<float>() + d.x_train.size());
  EXPECT_EQ(*lo, 0.0f);
  EXPECT_EQ(*hi, 1.0f);
  std::vector<int64_t> train_counts(10), test_counts(10);
  for (int64_t label : d.y_train.to_i64_vector()) ++train_counts.at(static_cast<size_t>(label));
  for (int64_t label : d.y_test.to_i64_vector()) ++test_counts.at(static_cast<size_t>(label));
  EXPECT_EQ(train_counts, std::vector<int64_t>(10, 6000));
  EXPECT_EQ(test_counts, std::vector<int64_t>(10, 1000));
}

}  // namespace
}  // namespace tessera
