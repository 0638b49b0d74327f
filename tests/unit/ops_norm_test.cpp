// Known-answer tests for normalisations and the softmax family, run end to end
// (infer -> lower -> exec). Expected values come from the ONNX formulas,
// evaluated here in plain double arithmetic.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "op_test_util.h"
#include "tessera/support/error.h"

namespace tessera {
namespace {

using graph::Attr;
using testing::f32;
using testing::i64;
using testing::in;
using testing::none;
using testing::run_op;

void expect_tensor(const Tensor& t, DType dtype, const Shape& shape, const std::vector<double>& want,
                   double tol = 1e-5) {
  EXPECT_EQ(dtype_name(t.dtype()), dtype_name(dtype));
  EXPECT_EQ(shape_str(t.shape()), shape_str(shape));
  ASSERT_EQ(t.size(), static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i) {
    const double got = t.get_f64(static_cast<int64_t>(i));
    EXPECT_NEAR(got, want[i], tol * std::max(1.0, std::abs(want[i]))) << "element " << i;
  }
}

void expect_error(const std::function<void()>& f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "expected an Error mentioning '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

// Softmax of one group of values, the textbook way (inputs here are small).
std::vector<double> softmax(const std::vector<double>& x) {
  double sum = 0;
  for (double v : x) sum += std::exp(v);
  std::vector<double> y;
  for (double v : x) y.push_back(std::exp(v) / sum);
  return y;
}

std::vector<double> concat(std::initializer_list<std::vector<double>> parts) {
  std::vector<double> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// ---------- softmax family ----------

TEST(OpsNorm, SoftmaxLastAxisDefault) {
  Tensor y = run_op("Softmax", {in(f32({1, 2, 3, 1, 1, 1}, {2, 3}))})[0];
  expect_tensor(y, DType::F32, {2, 3}, concat({softmax({1, 2, 3}), {1.0 / 3, 1.0 / 3, 1.0 / 3}}));
}

TEST(OpsNorm, SoftmaxOfAVectorAndOfAnEmptyBatch) {
  expect_tensor(run_op("Softmax", {in(f32({0, 1, 2}, {3}))})[0], DType::F32, {3}, softmax({0, 1, 2}));
  expect_tensor(run_op("Softmax", {in(f32({}, {0, 3}))})[0], DType::F32, {0, 3}, {});
}

TEST(OpsNorm, SoftmaxSubtractsTheMax) {
  Tensor y = run_op("Softmax", {in(f32({1000, 1001, 1002, -1000, -1001, -1002}, {2, 3}))})[0];
  expect_tensor(y, DType::F32, {2, 3}, concat({softmax({0, 1, 2}), softmax({0, -1, -2})}));
}

TEST(OpsNorm, SoftmaxAxisZeroAndNegative) {
  Tensor x = f32({1, 2, 3, 4, 6, 8}, {2, 3});
  std::vector<double> c0 = softmax({1, 4}), c1 = softmax({2, 6}), c2 = softmax({3, 8});
  std::vector<double> want = {c0[0], c1[0], c2[0], c0[1], c1[1], c2[1]};
  expect_tensor(run_op("Softmax", {in(x)}, {{"axis", int64_t{0}}})[0], DType::F32, {2, 3}, want);
  expect_tensor(run_op("Softmax", {in(x)}, {{"axis", int64_t{-2}}})[0], DType::F32, {2, 3}, want);
}

TEST(OpsNorm, SoftmaxLegacyFlattensFromAxis) {
  Tensor x = f32({0, 1, 2, 3, 1, 1, 1, 1}, {2, 2, 2});
  // legacy, default axis 1: each batch entry's 4 values form one group.
  expect_tensor(run_op("Softmax", {in(x)}, {{"legacy", int64_t{1}}})[0], DType::F32, {2, 2, 2},
                concat({softmax({0, 1, 2, 3}), {0.25, 0.25, 0.25, 0.25}}));
  // opset 13 with axis 1: groups are pairs along dim 1.
  std::vector<double> a = softmax({0, 2}), b = softmax({1, 3});
  expect_tensor(run_op("Softmax", {in(x)}, {{"axis", int64_t{1}}})[0], DType::F32, {2, 2, 2},
                {a[0], b[0], a[1], b[1], 0.5, 0.5, 0.5, 0.5});
}

TEST(OpsNorm, LogSoftmax) {
  Tensor y = run_op("LogSoftmax", {in(f32({1, 2, 3, 1000, 1000, 1000}, {2, 3}))})[0];
  std::vector<double> s = softmax({1, 2, 3});
  const double third = std::log(1.0 / 3);
  expect_tensor(y, DType::F32, {2, 3}, {std::log(s[0]), std::log(s[1]), std::log(s[2]), third, third, third});
  Tensor legacy = run_op("LogSoftmax", {in(f32({0, 0, 0, 0}, {1, 2, 2}))}, {{"legacy", int64_t{1}}})[0];
  expect_tensor(legacy, DType::F32, {1, 2, 2}, {std::log(0.25), std::log(0.25), std::log(0.25), std::log(0.25)});
}

TEST(OpsNorm, HardmaxFirstMaximum) {
  Tensor y = run_op("Hardmax", {in(f32({1, 3, 3, 2, 5, 0, 5, -1}, {2, 4}))})[0];
  expect_tensor(y, DType::F32, {2, 4}, {0, 1, 0, 0, 1, 0, 0, 0});
  Tensor legacy = run_op("Hardmax", {in(f32({0, 1, 7, 3, 4, 4, 4, 4}, {2, 2, 2}))}, {{"legacy", int64_t{1}}})[0];
  expect_tensor(legacy, DType::F32, {2, 2, 2}, {0, 0, 1, 0, 1, 0, 0, 0});
  Tensor axis0 = run_op("Hardmax", {in(f32({1, 9, 2, 3}, {2, 2}))}, {{"axis", int64_t{0}}})[0];
  expect_tensor(axis0, DType::F32, {2, 2}, {0, 1, 1, 0});
}

// ---------- layer, batch, instance norm ----------

TEST(OpsNorm, LayerNormWithBiasAndStatistics) {
  // The second row is the first plus 10000: a two-pass variance gets it exactly.
  Tensor x = f32({1, 2, 3, 10001, 10002, 10003}, {2, 3});
  Tensor scale = f32({1, 2, 0.5}, {3}), bias = f32({0, 1, -1}, {3});
  auto ys = run_op("LayerNormalization", {in(x), in(scale), in(bias)}, {}, 3);
  const double inv = 1 / std::sqrt(2.0 / 3 + 1e-5);
  const std::vector<double> row = {-inv * 1 + 0, 0 * 2 + 1, inv * 0.5 - 1};
  expect_tensor(ys[0], DType::F32, {2, 3}, concat({row, row}), 1e-4);
  expect_tensor(ys[1], DType::F32, {2, 1}, {2, 10002});
  expect_tensor(ys[2], DType::F32, {2, 1}, {inv, inv}, 1e-4);
}

TEST(OpsNorm, LayerNormOverTwoAxesWithoutBias) {
  Tensor x = f32({1, 2, 3, 4, 0, 0, 2, 2}, {2, 2, 2});
  Tensor scale = f32({1, 1, 1, 1}, {2, 2});
  const double inv0 = 1 / std::sqrt(1.25 + 1e-5), inv1 = 1 / std::sqrt(1.0 + 1e-5);
  std::vector<double> want = {-1.5 * inv0, -0.5 * inv0, 0.5 * inv0, 1.5 * inv0, -inv1, -inv1, inv1, inv1};
  expect_tensor(run_op("LayerNormalization", {in(x), in(scale)}, {{"axis", int64_t{1}}})[0], DType::F32, {2, 2, 2},
                want, 1e-4);
  expect_tensor(run_op("LayerNormalization", {in(x), in(scale), none()}, {{"axis", int64_t{-2}}})[0], DType::F32,
                {2, 2, 2}, want, 1e-4);
}

TEST(OpsNorm, LayerNormOverEverything) {
  Tensor x = f32({1, 2, 3, 6}, {2, 2});
  const double inv = 1 / std::sqrt(3.5 + 1e-5);  // mean 3, var (4+1+0+9)/4
  auto ys = run_op("LayerNormalization", {in(x), in(f32({1, 1, 1, 1}, {2, 2})), in(f32({1}, {1}))},
                   {{"axis", int64_t{0}}}, 2);
  expect_tensor(ys[0], DType::F32, {2, 2}, {1 - 2 * inv, 1 - inv, 1, 1 + 3 * inv}, 1e-4);
  expect_tensor(ys[1], DType::F32, {1, 1}, {3});
}

TEST(OpsNorm, LayerNormEpsilonAndBroadcastScale) {
  Tensor x = f32({0, 2}, {1, 2});
  auto y = run_op("LayerNormalization", {in(x), in(f32({3}, {1}))}, {{"epsilon", 3.0}})[0];
  expect_tensor(y, DType::F32, {1, 2}, {-1.5, 1.5});  // var 1, (x-1)/sqrt(1+3)*3
}

TEST(OpsNorm, BatchNormInference) {
  Tensor x = f32({1, 2, 3, 4}, {1, 2, 1, 2});
  Tensor scale = f32({1, 2}, {2}), b = f32({0, 1}, {2}), mean = f32({1.5, 3}, {2}), var = f32({0.25, 1}, {2});
  Tensor y = run_op("BatchNormalization", {in(x), in(scale), in(b), in(mean), in(var)}, {{"epsilon", 0.0}})[0];
  expect_tensor(y, DType::F32, {1, 2, 1, 2}, {-1, 1, 1, 3});
  Tensor y2 = run_op("BatchNormalization", {in(f32({1, 3, 2, 5}, {2, 2})), in(scale), in(b), in(mean), in(var)})[0];
  const double i0 = 1 / std::sqrt(0.25 + 1e-5), i1 = 1 / std::sqrt(1 + 1e-5);
  expect_tensor(y2, DType::F32, {2, 2}, {-0.5 * i0, 1, 0.5 * i0, 2 * 2 * i1 + 1}, 1e-4);
}

TEST(OpsNorm, InstanceNorm) {
  Tensor x = f32({1, 3, 2, 4, 10, 10, 0, 20}, {2, 2, 2});
  Tensor scale = f32({1, 2}, {2}), b = f32({0, 5}, {2});
  const double i1 = 1 / std::sqrt(1 + 1e-5), i100 = 1 / std::sqrt(100 + 1e-5);
  Tensor y = run_op("InstanceNormalization", {in(x), in(scale), in(b)})[0];
  expect_tensor(y, DType::F32, {2, 2, 2}, {-i1, i1, 5 - 2 * i1, 5 + 2 * i1, 0, 0, 5 - 20 * i100, 5 + 20 * i100},
                1e-4);
}

TEST(OpsNorm, LpNormalization) {
  Tensor x = f32({3, 4, 1, -1}, {2, 2});
  const double r = 1 / std::sqrt(2.0);
  expect_tensor(run_op("LpNormalization", {in(x)})[0], DType::F32, {2, 2}, {0.6, 0.8, r, -r});
  expect_tensor(run_op("LpNormalization", {in(x)}, {{"p", int64_t{1}}, {"axis", int64_t{0}}})[0], DType::F32, {2, 2},
                {0.75, 0.8, 0.25, -0.2});
}

TEST(OpsNorm, MeanVarianceNormalization) {
  Tensor x = f32({1, 3, 5, 5, 3, 1, 5, 9}, {2, 2, 1, 2});
  // default axes [0,2,3]: per channel over batch and space. ch0: 1,3,3,1; ch1: 5,5,5,9.
  const double s0 = 1.0, s1 = std::sqrt(3.0);
  Tensor y = run_op("MeanVarianceNormalization", {in(x)})[0];
  expect_tensor(y, DType::F32, {2, 2, 1, 2}, {-1 / s0, 1 / s0, -1 / s1, -1 / s1, 1 / s0, -1 / s0, -1 / s1, 3 / s1});
  Tensor rows = run_op("MeanVarianceNormalization", {in(f32({1, 3, 2, 2}, {2, 2}))},
                       {{"axes", std::vector<int64_t>{-1}}})[0];
  expect_tensor(rows, DType::F32, {2, 2}, {-1, 1, 0, 0});
}

// ---------- errors ----------

TEST(OpsNormErrors, BadAxis) {
  expect_error([] { run_op("Softmax", {in(f32({1, 2}, {1, 2}))}, {{"axis", int64_t{2}}}); }, "out of range");
  expect_error([] { run_op("LayerNormalization", {in(f32({1, 2}, {1, 2})), in(f32({1, 1}, {2}))},
                           {{"axis", int64_t{-3}}}); },
               "out of range");
  expect_error([] { run_op("MeanVarianceNormalization", {in(f32({1, 2}, {1, 2}))}); }, "out of range");
  expect_error([] { run_op("MeanVarianceNormalization", {in(f32({1, 2}, {1, 2}))},
                           {{"axes", std::vector<int64_t>{1, -1}}}); },
               "twice");
}

TEST(OpsNormErrors, BadParameters) {
  Tensor x = f32({1, 2, 3, 4}, {1, 2, 2}), c = f32({1, 1}, {2}), c3 = f32({1, 1, 1}, {3});
  expect_error([&] { run_op("BatchNormalization", {in(x), in(c), in(c), in(c), in(c)},
                            {{"training_mode", int64_t{1}}}); },
               "eval mode");
  expect_error([&] { run_op("BatchNormalization", {in(x), in(c3), in(c), in(c), in(c)}); }, "one value per channel");
  expect_error([&] { run_op("InstanceNormalization", {in(x), in(c), in(c3)}); }, "one value per channel");
  expect_error([&] { run_op("LayerNormalization", {in(x), in(c3)}); }, "does not broadcast");
  expect_error([&] { run_op("LpNormalization", {in(x)}, {{"p", int64_t{3}}}); }, "p must be 1 or 2");
  expect_error([&] { run_op("Softmax", {in(i64({1, 2}, {2}))}); }, "insert a Cast");
}

}  // namespace
}  // namespace tessera
