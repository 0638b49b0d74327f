// A real-model test case exported by scripts/gen_models.py: a directory with
// model.onnx, input_K.npy / output_K.npy (PyTorch's outputs) and meta.json
// naming them. check_output applies the real-model tolerance:
// max|tessera - torch| <= 1e-4 * max|torch| for floats, exact for integers.
#pragma once

#include <string>
#include <vector>

#include "tessera/support/tensor.h"

namespace tessera::models {

struct NamedFile {
  std::string name;  // graph input/output name
  std::string path;  // .npy file
};

struct ModelCase {
  std::string name;  // directory name, e.g. "resnet18_op17"
  std::string dir;
  std::vector<NamedFile> inputs;
  std::vector<NamedFile> outputs;
};

constexpr double kMaxErrorRatio = 1e-4;

// Model directories (those with a meta.json) under `root`, by name. Empty when
// `root` does not exist.
std::vector<std::string> list_model_dirs(const std::string& root);

// Reads dir/meta.json. Throws Error naming the file when it is missing or malformed.
ModelCase read_model_case(const std::string& dir);

struct OutputCheck {
  bool ok = false;
  double error_ratio = 0;  // floats: max|a-e|/max|e|; integers: mismatch count
  std::string message;     // why it is not ok
};

OutputCheck check_output(const Tensor& expected, const Tensor& actual);

}  // namespace tessera::models
