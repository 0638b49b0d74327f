#include "tessera/data/dataset.h"

#include <cmath>
#include <filesystem>
#include <limits>

#include "tessera/data/idx.h"
#include "tessera/support/error.h"
#include "tessera/support/npy.h"

namespace tessera::data {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFolderHint =
    "a dataset folder holds x_train.npy, y_train.npy, x_test.npy and y_test.npy (numpy.save; x float [N, ...], "
    "y integer [N]) or MNIST-style IDX files";
// MNIST's file names: train, then test ("t10k"); images, then labels.
constexpr const char* kIdxImages[2] = {"train-images-idx3-ubyte", "t10k-images-idx3-ubyte"};
constexpr const char* kIdxLabels[2] = {"train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"};

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

Shape sample_shape(const Tensor& x) { return Shape(x.shape().begin() + 1, x.shape().end()); }

// A dataset with a fixed number of classes (Fashion-MNIST's 10), or 0 for
// one whose classes are the largest label + 1 (up to kMaxClasses).
struct Classes {
  int64_t fixed = 0;
  std::string fix;  // what to do about a label out of range
};

// One split's features and labels: same length, not empty, labels in
// range, features finite. Returns the largest label.
int64_t check_split(const Tensor& x, const Tensor& y, const std::string& x_file, const std::string& y_file,
                    const Classes& classes) {
  const int64_t n = x.shape()[0];
  if (y.shape()[0] != n)
    fail("'{}' has {} samples but '{}' has {} labels; x and y must have the same length", x_file, n, y_file,
         y.shape()[0]);
  if (n == 0) fail("'{}' is empty (0 samples); a dataset needs at least one training and one test sample", x_file);
  if (num_elements(sample_shape(x)) == 0)
    fail("'{}': samples of shape {} have no elements", x_file, shape_str(sample_shape(x)));
  int64_t max_label = 0;
  const int64_t* labels = y.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    if (labels[i] < 0)
      fail("'{}': label {} at index {} is negative; labels are class indices 0, 1, 2, ...", y_file, labels[i], i);
    if (classes.fixed > 0 && labels[i] >= classes.fixed)
      fail("'{}': label {} at index {} is not a class of this dataset (0 to {}); {}", y_file, labels[i], i,
           classes.fixed - 1, classes.fix);
    if (labels[i] >= kMaxClasses)
      fail("'{}': label {} at index {} is over {} classes, Tessera's limit; labels are class indices 0, 1, 2, ...",
           y_file, labels[i], i, kMaxClasses);
    max_label = std::max(max_label, labels[i]);
  }
  const float* v = x.data<float>();
  for (int64_t i = 0; i < x.size(); ++i)
    if (!std::isfinite(v[i]))
      fail("'{}': element {} (sample {}) is {}; features must be finite float32 values", x_file, i,
           i / num_elements(sample_shape(x)), v[i]);
  return max_label;
}

// Both splits checked, and their samples of one shape. Returns the largest label.
int64_t check_dataset(const Dataset& d, const std::string (&files)[4], const Classes& classes = {}) {
  const int64_t max_label = std::max(check_split(d.x_train, d.y_train, files[0], files[1], classes),
                                     check_split(d.x_test, d.y_test, files[2], files[3], classes));
  if (sample_shape(d.x_train) != sample_shape(d.x_test))
    fail("'{}' has samples of shape {} but '{}' has {}; train and test samples must have the same shape", files[0],
         shape_str(sample_shape(d.x_train)), files[2], shape_str(sample_shape(d.x_test)));
  return max_label;
}

// --- .npy folders ---

Tensor npy_features(const std::string& file) {
  Tensor t = read_npy(file);
  if (t.dtype() == DType::F64) {
    // Checked here: a double beyond float's range has no float32 value
    // (converting it is undefined behaviour in C++).
    const double* v = t.data<double>();
    const int64_t per_sample = t.rank() > 0 && t.shape()[0] > 0 ? t.size() / t.shape()[0] : 1;
    for (int64_t i = 0; i < t.size(); ++i)
      if (std::isfinite(v[i]) && std::abs(v[i]) > std::numeric_limits<float>::max())
        fail("'{}': element {} (sample {}) is {}, beyond float32's range; scale the features", file, i,
             i / per_sample, v[i]);
    t = t.cast(DType::F32);
  }
  if (t.dtype() != DType::F32)
    fail("'{}': features are {}; save them as float32 (x.astype(numpy.float32))", file, dtype_name(t.dtype()));
  if (t.rank() < 2)
    fail("'{}': features have shape {}; expected [N, ...] with the sample axes after N (e.g. [N, 784])", file,
         shape_str(t.shape()));
  return t;
}

Tensor npy_labels(const std::string& file) {
  Tensor t = read_npy(file);
  if (!is_integer(t.dtype()))
    fail("'{}': labels are {}, not integers; save class indices as integers (y.astype(numpy.int64))", file,
         dtype_name(t.dtype()));
  if (t.rank() != 1)
    fail("'{}': labels have shape {}; expected a 1-D array [N] of class indices (y.reshape(-1))", file,
         shape_str(t.shape()));
  return t.cast(DType::I64);
}

Dataset load_npy_folder(const std::string& spec, const fs::path& dir) {
  std::string files[4];
  const char* names[4] = {"x_train.npy", "y_train.npy", "x_test.npy", "y_test.npy"};
  for (int i = 0; i < 4; ++i) {
    files[i] = (dir / names[i]).string();
    if (!is_file(files[i])) fail("dataset folder '{}' has no {}; {}", spec, names[i], kFolderHint);
  }
  Dataset d;
  d.name = spec;
  d.x_train = npy_features(files[0]);
  d.y_train = npy_labels(files[1]);
  d.x_test = npy_features(files[2]);
  d.y_test = npy_labels(files[3]);
  d.classes = check_dataset(d, files) + 1;
  return d;
}

// --- IDX folders (MNIST layout) ---

// `stem` or `stem.gz` in `dir`; empty when neither exists.
std::string idx_file(const fs::path& dir, const std::string& stem) {
  for (const std::string& name : {stem, stem + ".gz"})
    if (is_file(dir / name)) return (dir / name).string();
  return {};
}

// u8 [N, rows, cols] -> f32 [N, 1, rows, cols] in [0, 1].
Tensor idx_images(const std::string& file) {
  const Tensor raw = read_idx(file);
  if (raw.rank() != 3)
    fail("'{}': IDX images have shape {}; expected [N, rows, cols] (an idx3 file)", file, shape_str(raw.shape()));
  Tensor t(DType::F32, {raw.shape()[0], 1, raw.shape()[1], raw.shape()[2]});
  const uint8_t* in = raw.data<uint8_t>();
  float* out = t.data<float>();
  for (int64_t i = 0; i < raw.size(); ++i) out[i] = static_cast<float>(in[i]) / 255.0f;
  return t;
}

Tensor idx_labels(const std::string& file) {
  const Tensor raw = read_idx(file);
  if (raw.rank() != 1)
    fail("'{}': IDX labels have shape {}; expected [N] (an idx1 file)", file, shape_str(raw.shape()));
  return raw.cast(DType::I64);
}

// Reads the four files named in kIdxImages/kIdxLabels; `missing` says what
// to do when one is absent.
Dataset load_idx_folder(const std::string& name, const fs::path& dir, const std::string& missing,
                        const Classes& classes = {}) {
  std::string files[4];
  for (int split = 0; split < 2; ++split) {
    files[2 * split] = idx_file(dir, kIdxImages[split]);
    files[2 * split + 1] = idx_file(dir, kIdxLabels[split]);
    for (int k : {0, 1}) {
      const char* stem = k == 0 ? kIdxImages[split] : kIdxLabels[split];
      if (files[2 * split + k].empty()) fail("'{}' has no {}[.gz]; {}", dir.string(), stem, missing);
    }
  }
  Dataset d;
  d.name = name;
  d.x_train = idx_images(files[0]);
  d.y_train = idx_labels(files[1]);
  d.x_test = idx_images(files[2]);
  d.y_test = idx_labels(files[3]);
  const int64_t max_label = check_dataset(d, files, classes);
  d.classes = classes.fixed > 0 ? classes.fixed : max_label + 1;
  return d;
}

}  // namespace

Dataset load_fashion_mnist(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    fail("dataset 'fashion-mnist' is not installed ({} is missing); install it with "
         "'apt-get install dataset-fashion-mnist' (or run ./scripts/bootstrap.sh)",
         dir);
  const std::string reinstall = "reinstall it with 'apt-get install --reinstall dataset-fashion-mnist'";
  return load_idx_folder("fashion-mnist", dir, reinstall, Classes{10, reinstall});
}

Dataset load_dataset(const std::string& spec) {
  if (spec == "fashion-mnist") return load_fashion_mnist(kFashionMnistDir);
  if (spec.empty()) fail("no dataset given; use fashion-mnist or a folder ({})", kFolderHint);
  const fs::path dir(spec);
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    fail("dataset '{}': no such folder; use fashion-mnist or a folder ({})", spec, kFolderHint);
  const bool has_npy = is_file(dir / "x_train.npy") || is_file(dir / "y_train.npy") || is_file(dir / "x_test.npy") ||
                       is_file(dir / "y_test.npy");
  if (!has_npy && !idx_file(dir, kIdxImages[0]).empty())
    return load_idx_folder(spec, dir, "an IDX dataset folder holds train-images-idx3-ubyte, train-labels-idx1-ubyte, "
                                      "t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each optionally .gz)");
  return load_npy_folder(spec, dir);
}

}  // namespace tessera::data
