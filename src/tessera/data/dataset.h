// Training datasets: samples and integer class labels, split into train and
// test, loaded whole into memory and validated once, so a training loop can
// trust their shapes and labels. Two sources:
//   - `fashion-mnist`: the Debian package dataset-fashion-mnist (IDX files,
//     gzip-compressed) -> images f32 [N, 1, 28, 28] in [0, 1] (pixel / 255,
//     like torchvision's ToTensor, no normalisation), labels i64 [N], 10 classes;
//   - any other spec is a folder: x_train.npy, y_train.npy, x_test.npy,
//     y_test.npy (x float32 or float64 [N, ...], y integer [N]; classes =
//     the largest label + 1), or MNIST-style IDX files (train-images-idx3-ubyte,
//     train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte,
//     each optionally .gz), read like Fashion-MNIST.
// Every problem is an Error naming the file and the fix; see docs/zoo.md.
#pragma once

#include <cstdint>
#include <string>

#include "tessera/data/batch.h"
#include "tessera/support/tensor.h"

namespace tessera::data {

struct Dataset {
  std::string name;  // the spec it was loaded from
  Tensor x_train, y_train, x_test, y_test;  // x f32 [N, ...], y i64 [N]
  int64_t classes = 0;  // labels lie in 0..classes-1
};

// Where Debian's dataset-fashion-mnist installs its files.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
// The most classes a dataset may have (the zoo's limit for `classes`): a
// larger label is a corrupt file, not a real class.
inline constexpr int64_t kMaxClasses = int64_t{1} << 20;

// Loads `spec` ("fashion-mnist" or a folder, as above). Throws Error for a
// missing package, file or folder, a corrupt file, x and y of different
// lengths, an empty split, train and test samples of different shapes,
// non-integer, negative or too-large labels, or non-finite features.
Dataset load_dataset(const std::string& spec);

// Fashion-MNIST's four IDX files from `dir` (load_dataset("fashion-mnist")
// reads kFashionMnistDir): 10 classes, labels checked to be 0..9.
Dataset load_fashion_mnist(const std::string& dir = kFashionMnistDir);

}  // namespace tessera::data
