// The zoo at Fashion-MNIST's settings (28x28, 1 channel, 10 classes): cnn,
// mlp, mixer and vit build, infer [batch, 10] logits, execute on
// materialised weights, and get PyTorch's default initialisation; on the
// installed dataset, a gathered batch runs through the cnn and the mlp.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "tessera/data/dataset.h"
#include "tessera/exec/executor.h"
#include "tessera/lower/lower.h"
#include "tessera/support/error.h"
#include "tessera/zoo/zoo.h"
#include "../errors/user_error.h"

namespace tessera {
namespace {

using testing::user_error;

#define EXPECT_HAS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << (text)

// Small but complete: every model family at Fashion-MNIST's input.
const std::vector<std::string> kFashionSpecs = {
    "zoo:cnn,batch=3",
    "zoo:mlp,batch=3",
    "zoo:mixer,preset=s16,image=28,channels=1,patch=7,classes=10,layers=1,batch=3",
    "zoo:vit,preset=tiny,image=28,channels=1,patch=7,classes=10,layers=1,batch=3",
};

// Deterministic pixels in [0, 1), like Fashion-MNIST's after ToTensor.
Tensor pixels(const Shape& shape) {
  Tensor t(DType::F32, shape);
  uint64_t s = 7;
  for (int64_t i = 0; i < t.size(); ++i) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    t.data<float>()[i] = static_cast<float>(s >> 40) / 16777216.0f;
  }
  return t;
}

Tensor run(const graph::Graph& g, const Tensor& input) {
  const auto out = exec::run_program(lower::lower(g), {{g.value(g.inputs[0]).name, input}});
  EXPECT_EQ(out.size(), 1u);
  return out.begin()->second;
}

TEST(ZooFashion, ModelsBuildInferAndExecute) {
  for (const auto& spec : kFashionSpecs) {
    SCOPED_TRACE(spec);
    graph::Graph g = zoo::load(spec);
    ASSERT_EQ(g.inputs.size(), 1u);
    ASSERT_EQ(g.outputs.size(), 1u);
    const Shape in = g.value(g.inputs[0]).shape;
    EXPECT_EQ(in, spec.find("mlp") != std::string::npos ? (Shape{3, 784}) : (Shape{3, 1, 28, 28}));
    EXPECT_EQ(g.value(g.outputs[0]).shape, (Shape{3, 10}));
    zoo::materialize(g);
    const Tensor logits = run(g, pixels(in));
    ASSERT_EQ(logits.shape(), (Shape{3, 10}));
    double spread = 0;
    for (int64_t i = 0; i < logits.size(); ++i) {
      ASSERT_TRUE(std::isfinite(logits.get_f64(i)));
      spread += std::abs(logits.get_f64(i) - logits.get_f64(i % 10));  // samples differ
    }
    EXPECT_GT(spread, 0);
  }
}

TEST(ZooFashion, CnnLayersAndParameters) {
  graph::Graph g = zoo::load("zoo:cnn");
  EXPECT_EQ(g.value(g.inputs[0]).shape, (Shape{1, 1, 28, 28}));
  // conv1 1->32, conv2 32->64 (3x3, bias), fc1 64*7*7->128, fc2 128->10.
  EXPECT_EQ(zoo::count_parameters(g), (32 * 9 + 32) + (64 * 32 * 9 + 64) + (64 * 7 * 7 * 128 + 128) + (128 * 10 + 10));
  EXPECT_EQ(g.value(*g.find("flatten")).shape, (Shape{1, 3136}));
  graph::Graph wide = zoo::load("zoo:cnn,image=32,channels=3,width=8,hidden=16,classes=100,batch=2");
  EXPECT_EQ(wide.value(*wide.find("flatten")).shape, (Shape{2, 16 * 8 * 8}));
  EXPECT_EQ(wide.value(wide.outputs[0]).shape, (Shape{2, 100}));
  // Odd sizes floor like torch.nn.MaxPool2d: 5 -> 2 -> 1.
  EXPECT_EQ(zoo::load("zoo:cnn,image=5").value(*zoo::load("zoo:cnn,image=5").find("flatten")).shape, (Shape{1, 64}));
}

TEST(ZooFashion, SettingErrors) {
  EXPECT_HAS(user_error([] { zoo::load("zoo:cnn,image=3"); }), "zoo model 'cnn': image=3: must be at least 4");
  EXPECT_HAS(user_error([] { zoo::load("zoo:cnn,width=0"); }), "width=0: must be at least 1");
  EXPECT_HAS(user_error([] { zoo::load("zoo:cnn,patch=4"); }), "zoo model 'cnn' has no setting 'patch'");
  // The default patch (16) does not divide 28: the message suggests ones that do.
  EXPECT_HAS(user_error([] { zoo::load("zoo:vit,image=28,channels=1,classes=10"); }),
             "zoo model 'vit': image=28: must be a multiple of patch=16 (e.g. patch=14, 7 or 4)");
  EXPECT_HAS(user_error([] { zoo::load("zoo:mixer,image=28,patch=5"); }),
             "image=28: must be a multiple of patch=5 (e.g. patch=4 or 2)");
  EXPECT_HAS(user_error([] { zoo::load("zoo:mixer,image=29,patch=5"); }),
             "image=29: must be a multiple of patch=5 (no patch from 2 to 4 divides it: change image or patch)");
  EXPECT_HAS(user_error([] { zoo::load("zoo:vit,image=6,patch=16"); }), "(e.g. patch=6, 3 or 2)");
}

// zoo::materialize gives conv and linear weights and biases PyTorch's
// default uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in x k x k.
TEST(ZooFashion, CnnGetsPyTorchDefaultInit) {
  graph::Graph g = zoo::load("zoo:cnn");
  zoo::materialize(g, 3);
  const struct {
    const char* name;
    double fan_in;
  } params[] = {{"conv1.weight", 1 * 9},    {"conv1.bias", 1 * 9}, {"conv2.weight", 32 * 9},
                {"conv2.bias", 32 * 9},     {"fc1.weight", 3136},  {"fc1.bias", 3136},
                {"fc2.weight", 128},        {"fc2.bias", 128}};
  for (const auto& p : params) {
    SCOPED_TRACE(p.name);
    const Tensor& t = *g.value(*g.find(p.name)).constant;
    const double bound = 1 / std::sqrt(p.fan_in);
    double max_abs = 0, sq = 0;
    for (int64_t i = 0; i < t.size(); ++i) {
      max_abs = std::max(max_abs, std::abs(t.get_f64(i)));
      sq += t.get_f64(i) * t.get_f64(i);
    }
    EXPECT_LE(max_abs, bound);
    if (t.size() >= 288) {  // enough draws to see the bound and the variance bound^2 / 3
      EXPECT_GT(max_abs, 0.97 * bound);
      EXPECT_NEAR(sq / static_cast<double>(t.size()), bound * bound / 3, 0.2 * bound * bound / 3);
    }
  }
}

// The real dataset through the models: gather_batch fills the cnn's
// [batch, 1, 28, 28] input and, from the same samples, the mlp's [batch, 784].
TEST(ZooFashion, InstalledDatasetBatchRuns) {
  if (!std::filesystem::exists(data::kFashionMnistDir)) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const data::Dataset d = data::load_dataset("fashion-mnist");
  const std::vector<int64_t> order = data::shuffled_order(d.x_train.shape()[0], 1);
  for (const char* spec : {"zoo:cnn,batch=8", "zoo:mlp,batch=8"}) {
    SCOPED_TRACE(spec);
    graph::Graph g = zoo::load(spec);
    zoo::materialize(g);
    Tensor batch(DType::F32, g.value(g.inputs[0]).shape);
    data::gather_batch(d.x_train, order, 16, 8, batch);
    Tensor labels(DType::I64, {8});
    data::gather_batch(d.y_train, order, 16, 8, labels);
    for (int64_t label : labels.to_i64_vector()) EXPECT_LT(label, d.classes);
    const Tensor logits = run(g, batch);
    EXPECT_EQ(logits.shape(), (Shape{8, d.classes}));
  }
}

}  // namespace
}  // namespace tessera
