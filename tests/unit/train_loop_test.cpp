// The training loop on a small synthetic dataset: it learns, the same seed
// gives identical numbers, the trained model exports and runs, and bad data
// is a clear error.
#include <gtest/gtest.h>

#include <filesystem>

#include "grad_check.h"
#include "tessera/driver/driver.h"
#include "tessera/frontend/onnx/exporter.h"
#include "tessera/support/npy.h"
#include "tessera/train/trainer.h"
#include "../errors/user_error.h"

namespace tessera::testing {
namespace {

namespace fs = std::filesystem;

// Two Gaussian-ish blobs per class in 8 dims: class = sign pattern of two features.
std::string make_dataset(const std::string& name, int64_t n_train, int64_t n_test) {
  const fs::path dir = fs::temp_directory_path() / ("tessera_train_" + name);
  fs::create_directories(dir);
  auto split = [&](const char* xs, const char* ys, int64_t n, uint64_t seed) {
    Tensor x = random_tensor(DType::F32, {n, 8}, seed);
    Tensor y(DType::I64, {n});
    for (int64_t i = 0; i < n; ++i) {
      const int64_t c = (x.get_f64(i * 8) > 0 ? 1 : 0) + (x.get_f64(i * 8 + 1) > 0 ? 2 : 0);
      y.set_i64(i, c);
      x.set_f64(i * 8 + 2, x.get_f64(i * 8 + 2) + 0.5 * static_cast<double>(c));
    }
    write_npy((dir / xs).string(), x);
    write_npy((dir / ys).string(), y);
  };
  split("x_train.npy", "y_train.npy", n_train, 1);
  split("x_test.npy", "y_test.npy", n_test, 2);
  return dir.string();
}

train::TrainOptions options(const std::string& data) {
  train::TrainOptions o;
  o.model = "zoo:mlp,widths=8-32-4";
  o.data = data;
  o.epochs = 3;
  o.batch = 16;
  o.step.optimizer = train::Optimizer::AdamW;
  o.step.lr = 0.01;
  return o;
}

TEST(TrainLoop, LearnsAndIsDeterministic) {
  const std::string data = make_dataset("blobs", 512, 256);
  const train::TrainResult a = train::train(options(data));
  const train::TrainResult b = train::train(options(data));
  ASSERT_EQ(a.epochs.size(), 3u);
  EXPECT_EQ(a.step_losses.size(), 3u * 32);
  EXPECT_LT(a.epochs.back().train_loss, 0.5 * a.step_losses.front());
  EXPECT_GT(a.epochs.back().test_accuracy, 0.9);
  for (size_t i = 0; i < a.step_losses.size(); ++i) ASSERT_EQ(a.step_losses[i], b.step_losses[i]) << i;
  EXPECT_EQ(a.epochs.back().test_accuracy, b.epochs.back().test_accuracy);
  train::TrainOptions other = options(data);
  other.seed = 1;
  EXPECT_NE(train::train(other).step_losses.front(), a.step_losses.front());
}

TEST(TrainLoop, TrainedModelExportsAndRuns) {
  const std::string data = make_dataset("export", 256, 64);
  train::TrainOptions o = options(data);
  o.normalize = true;
  o.epochs = 1;
  const train::TrainResult r = train::train(o);
  const std::string path = (fs::temp_directory_path() / "tessera_trained.onnx").string();
  frontend::export_onnx(r.trained, path);
  // The exported model reproduces the final test accuracy.
  const Tensor x = read_npy(data + "/x_test.npy"), y = read_npy(data + "/y_test.npy");
  int64_t correct = 0;
  for (int64_t s = 0; s < 64; s += 16) {
    Tensor xb(DType::F32, {16, 8});
    for (int64_t i = 0; i < 16 * 8; ++i) xb.set_f64(i, x.get_f64(s * 8 + i));
    const auto out = driver::run_model(path, {{"input", xb}});
    const Tensor& logits = out.begin()->second;
    for (int64_t i = 0; i < 16; ++i) {
      int64_t arg = 0;
      for (int64_t c = 1; c < 4; ++c)
        if (logits.get_f64(i * 4 + c) > logits.get_f64(i * 4 + arg)) arg = c;
      correct += arg == y.get_i64(s + i);
    }
  }
  EXPECT_NEAR(static_cast<double>(correct) / 64.0, r.epochs.back().test_accuracy, 1e-9);
}

TEST(TrainLoop, Errors) {
  const std::string data = make_dataset("errors", 64, 16);
  train::TrainOptions o = options(data);
  o.model = "zoo:mlp,widths=6-4";
  EXPECT_NE(user_error([&] { train::train(o); }).find("8 values"), std::string::npos);
  o = options(data);
  o.model = "zoo:mlp,widths=8-3";
  EXPECT_NE(user_error([&] { train::train(o); }).find("predicts 3 classes but"), std::string::npos);
  o = options(data);
  o.batch = 1000;
  EXPECT_NE(user_error([&] { train::train(o); }).find("larger than the 64 training samples"), std::string::npos);
  o = options(data);
  o.step.lr = 1e6;
  o.step.optimizer = train::Optimizer::Sgd;
  o.model = "zoo:mlp,widths=8-64-64-4";
  EXPECT_NE(user_error([&] { train::train(o); }).find("lower the learning rate"), std::string::npos);
}

}  // namespace
}  // namespace tessera::testing
