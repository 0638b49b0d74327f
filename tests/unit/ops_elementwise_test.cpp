// Known-answer tests for elementwise ops: each runs one node end to end
// (infer -> lower -> exec) and compares with values worked out by hand or by
// the NumPy/ONNX definition of the op.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <limits>
#include <numbers>

#include "op_test_util.h"
#include "tessera/support/error.h"

namespace tessera {
namespace {

using graph::Attr;
using testing::boolean;
using testing::cin;
using testing::f32;
using testing::i64;
using testing::in;
using testing::none;
using testing::run_op;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

Tensor typed(std::vector<int64_t> v, Shape s, DType t) { return i64(std::move(v), std::move(s)).cast(t); }

Tensor f64(const std::vector<double>& v, Shape s) {
  Tensor t(DType::F64, std::move(s));
  for (size_t i = 0; i < v.size(); ++i) t.set_f64(static_cast<int64_t>(i), v[i]);
  return t;
}

// Checks dtype, shape and values (relative tolerance for floats; NaN matches NaN).
void expect_tensor(const Tensor& t, DType dtype, const Shape& shape, const std::vector<double>& want,
                   double tol = 1e-5) {
  EXPECT_EQ(dtype_name(t.dtype()), dtype_name(dtype));
  EXPECT_EQ(shape_str(t.shape()), shape_str(shape));
  ASSERT_EQ(t.size(), static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i) {
    const double got = t.get_f64(static_cast<int64_t>(i));
    if (std::isnan(want[i])) EXPECT_TRUE(std::isnan(got)) << "element " << i << " is " << got;
    else if (std::isinf(want[i])) EXPECT_EQ(got, want[i]) << "element " << i;
    else EXPECT_NEAR(got, want[i], tol * std::max(1.0, std::abs(want[i]))) << "element " << i;
  }
}

// Runs a one-input op on f32 values and compares with f applied to each.
void expect_unary_f32(const std::string& op, const std::vector<float>& x, double (*f)(double),
                      const std::map<std::string, Attr>& attrs = {}) {
  std::vector<double> want;
  for (float v : x) want.push_back(f(v));
  Tensor y = run_op(op, {in(f32(x, {static_cast<int64_t>(x.size())}))}, attrs)[0];
  SCOPED_TRACE(op);
  expect_tensor(y, DType::F32, {static_cast<int64_t>(x.size())}, want);
}

void expect_error(const std::function<void()>& f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "expected an Error mentioning '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

// ---------- arithmetic and broadcasting ----------

TEST(OpsElementwise, AddBroadcastsRowVector) {
  Tensor y = run_op("Add", {in(f32({1, 2, 3, 4, 5, 6}, {2, 3})), in(f32({10, 20, 30}, {3}))})[0];
  expect_tensor(y, DType::F32, {2, 3}, {11, 22, 33, 14, 25, 36});
}

TEST(OpsElementwise, SubBroadcastsBothWays) {
  Tensor y = run_op("Sub", {in(f32({1, 2}, {2, 1})), in(f32({10, 20, 30}, {1, 3}))})[0];
  expect_tensor(y, DType::F32, {2, 3}, {-9, -19, -29, -8, -18, -28});
}

TEST(OpsElementwise, MulWithConstantScalar) {
  Tensor y = run_op("Mul", {in(f32({1, -2, 3}, {3})), cin(Tensor::scalar_f32(2.5f))})[0];
  expect_tensor(y, DType::F32, {3}, {2.5, -5, 7.5});
}

TEST(OpsElementwise, AddOfScalars) {
  Tensor y = run_op("Add", {in(Tensor::scalar_f32(1.5f)), in(Tensor::scalar_f32(2.0f))})[0];
  expect_tensor(y, DType::F32, {}, {3.5});
}

TEST(OpsElementwise, AddIntegers) {
  Tensor y = run_op("Add", {in(typed({1, 2, 120}, {3}, DType::I32)), in(typed({5}, {1}, DType::I32))})[0];
  expect_tensor(y, DType::I32, {3}, {6, 7, 125});
}

TEST(OpsElementwise, EmptyTensorBroadcast) {
  Tensor y = run_op("Add", {in(f32({}, {0, 3})), in(f32({1, 2, 3}, {3}))})[0];
  expect_tensor(y, DType::F32, {0, 3}, {});
}

TEST(OpsElementwise, DivFloatAndTruncatingIntegers) {
  Tensor y = run_op("Div", {in(f32({1, -3, 7}, {3})), in(f32({4, 2, -2}, {3}))})[0];
  expect_tensor(y, DType::F32, {3}, {0.25, -1.5, -3.5});
  Tensor yi = run_op("Div", {in(i64({7, -7, 7, -7}, {4})), in(i64({2, 2, -2, -2}, {4}))})[0];
  expect_tensor(yi, DType::I64, {4}, {3, -3, -3, 3});
  Tensor y32 = run_op("Div", {in(typed({9, -9}, {2}, DType::I32)), in(typed({4}, {1}, DType::I32))})[0];
  expect_tensor(y32, DType::I32, {2}, {2, -2});
}

TEST(OpsElementwise, PowFloatBaseIntExponent) {
  Tensor y = run_op("Pow", {in(f32({2, 3, 4}, {3})), in(i64({3, 2, -1}, {3}))})[0];
  expect_tensor(y, DType::F32, {3}, {8, 9, 0.25});
}

TEST(OpsElementwise, PowIntegerAndBroadcast) {
  Tensor y = run_op("Pow", {in(i64({2, 3, -2}, {3})), in(i64({3}, {1}))})[0];
  expect_tensor(y, DType::I64, {3}, {8, 27, -8});
  // An integer base with a float exponent: computed in float, truncated.
  Tensor yf = run_op("Pow", {in(i64({4, 9, 2}, {3})), in(f32({0.5}, {}))})[0];
  expect_tensor(yf, DType::I64, {3}, {2, 3, 1});
}

TEST(OpsElementwise, ModPythonAndFmod) {
  Tensor a = i64({-7, 7, -7, 7}, {4}), b = i64({3, -3, -3, 3}, {4});
  expect_tensor(run_op("Mod", {in(a), in(b)})[0], DType::I64, {4}, {2, -2, -1, 1});
  expect_tensor(run_op("Mod", {in(a), in(b)}, {{"fmod", int64_t{1}}})[0], DType::I64, {4}, {-1, 1, -1, 1});
  Tensor fa = f32({-7.5, 7.5, -7.5, 7.5}, {4}), fb = f32({2, -2, -2, 2}, {4});
  expect_tensor(run_op("Mod", {in(fa), in(fb)}, {{"fmod", int64_t{1}}})[0], DType::F32, {4},
                {-1.5, 1.5, -1.5, 1.5});
  expect_tensor(run_op("Mod", {in(typed({-7, 7}, {2}, DType::I32)), in(typed({3}, {1}, DType::I32))})[0],
                DType::I32, {2}, {2, 1});
  // ONNX wants fmod=1 for floats; like its reference implementation we accept 0 as Python's %.
  expect_tensor(run_op("Mod", {in(f32({-7.5, 7.5}, {2})), in(f32({2, -2}, {2}))})[0], DType::F32, {2}, {0.5, -0.5});
}

TEST(OpsElementwise, NegAbsSign) {
  expect_unary_f32("Neg", {1.5f, -2, 0}, [](double v) { return -v; });
  expect_unary_f32("Abs", {1.5f, -2, 0}, [](double v) { return std::abs(v); });
  expect_tensor(run_op("Abs", {in(typed({-3, 4, 0}, {3}, DType::I32))})[0], DType::I32, {3}, {3, 4, 0});
  expect_tensor(run_op("Neg", {in(i64({-3, 4}, {2}))})[0], DType::I64, {2}, {3, -4});
  expect_tensor(run_op("Sign", {in(f32({-2.5, 0, 3}, {3}))})[0], DType::F32, {3}, {-1, 0, 1});
  expect_tensor(run_op("Sign", {in(i64({-7, 0, 9}, {3}))})[0], DType::I64, {3}, {-1, 0, 1});
}

TEST(OpsElementwise, ExpLogSqrtReciprocal) {
  expect_unary_f32("Exp", {-1, 0, 2.5f}, [](double v) { return std::exp(v); });
  expect_unary_f32("Log", {0.5f, 1, 10}, [](double v) { return std::log(v); });
  expect_unary_f32("Sqrt", {0, 4, 2}, [](double v) { return std::sqrt(v); });
  expect_unary_f32("Reciprocal", {4, -0.5f, 3}, [](double v) { return 1 / v; });
  expect_tensor(run_op("Log", {in(f32({0, -1}, {2}))})[0], DType::F32, {2}, {-kInf, kNaN});
}

TEST(OpsElementwise, TanhSigmoidErf) {
  expect_unary_f32("Tanh", {-2, 0, 0.5f}, [](double v) { return std::tanh(v); });
  expect_unary_f32("Sigmoid", {-3, 0, 2}, [](double v) { return 1 / (1 + std::exp(-v)); });
  expect_unary_f32("Erf", {-1, 0, 0.5f}, [](double v) { return std::erf(v); });
}

TEST(OpsElementwise, Trigonometry) {
  expect_unary_f32("Sin", {-1, 0, 2}, [](double v) { return std::sin(v); });
  expect_unary_f32("Cos", {-1, 0, 2}, [](double v) { return std::cos(v); });
  expect_unary_f32("Tan", {-1, 0, 0.5f}, [](double v) { return std::tan(v); });
  expect_unary_f32("Asin", {-0.5f, 0, 1}, [](double v) { return std::asin(v); });
  expect_unary_f32("Acos", {-0.5f, 0, 1}, [](double v) { return std::acos(v); });
  expect_unary_f32("Atan", {-3, 0, 1}, [](double v) { return std::atan(v); });
  expect_unary_f32("Sinh", {-1, 0, 2}, [](double v) { return std::sinh(v); });
  expect_unary_f32("Cosh", {-1, 0, 2}, [](double v) { return std::cosh(v); });
  expect_unary_f32("Asinh", {-1, 0, 2}, [](double v) { return std::asinh(v); });
  expect_unary_f32("Acosh", {1, 2, 5}, [](double v) { return std::acosh(v); });
  expect_unary_f32("Atanh", {-0.5f, 0, 0.9f}, [](double v) { return std::atanh(v); });
}

TEST(OpsElementwise, FloorCeilRoundHalfToEven) {
  Tensor x = f32({0.5, 1.5, 2.5, -0.5, -1.5, 2.4, -2.6}, {7});
  expect_tensor(run_op("Round", {in(x)})[0], DType::F32, {7}, {0, 2, 2, 0, -2, 2, -3});
  expect_tensor(run_op("Floor", {in(x)})[0], DType::F32, {7}, {0, 1, 2, -1, -2, 2, -3});
  expect_tensor(run_op("Ceil", {in(x)})[0], DType::F32, {7}, {1, 2, 3, 0, -1, 3, -2});
}

TEST(OpsElementwise, Float64Arithmetic) {
  Tensor y = run_op("Mul", {in(f64({1e-300, 3}, {2})), in(f64({1e-10, 1.0 / 3}, {2}))})[0];
  expect_tensor(y, DType::F64, {2}, {1e-310, 1}, 1e-12);
}

// ---------- activations ----------

TEST(OpsElementwise, ReluFloatAndInt) {
  expect_tensor(run_op("Relu", {in(f32({-1, 0, 2.5}, {3}))})[0], DType::F32, {3}, {0, 0, 2.5});
  expect_tensor(run_op("Relu", {in(typed({-4, 5}, {2}, DType::I8))})[0], DType::I8, {2}, {0, 5});
}

TEST(OpsElementwise, LeakyReluEluSeluCelu) {
  expect_unary_f32("LeakyRelu", {-2, 3}, [](double v) { return v < 0 ? 0.1 * v : v; }, {{"alpha", 0.1}});
  expect_unary_f32("LeakyRelu", {-2, 3}, [](double v) { return v < 0 ? 0.01 * v : v; });
  expect_unary_f32("Elu", {-1, 0, 2}, [](double v) { return v < 0 ? 0.5 * (std::exp(v) - 1) : v; },
                   {{"alpha", 0.5}});
  const double a = 1.67326319217681884765625, g = 1.05070102214813232421875;
  expect_tensor(run_op("Selu", {in(f32({-1, 0, 2}, {3}))})[0], DType::F32, {3},
                {g * (a * std::exp(-1.0) - a), 0, g * 2});
  expect_tensor(run_op("Selu", {in(f32({-1, 2}, {2}))}, {{"alpha", 2.0}, {"gamma", 3.0}})[0], DType::F32, {2},
                {3 * (2 * std::exp(-1.0) - 2), 6});
  expect_unary_f32("Celu", {-1, 0, 2}, [](double v) { return v < 0 ? 2 * (std::exp(v / 2) - 1) : v; },
                   {{"alpha", 2.0}});
}

TEST(OpsElementwise, GeluExactAndTanh) {
  expect_unary_f32("Gelu", {-1, 0, 1.5f}, [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); });
  expect_unary_f32(
      "Gelu", {-1, 0, 1.5f},
      [](double v) {
        return 0.5 * v * (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (v + 0.044715 * v * v * v)));
      },
      {{"approximate", std::string("tanh")}});
}

TEST(OpsElementwise, HardSigmoidHardSwish) {
  expect_tensor(run_op("HardSigmoid", {in(f32({-5, 0, 1, 5}, {4}))})[0], DType::F32, {4}, {0, 0.5, 0.7, 1});
  expect_tensor(run_op("HardSigmoid", {in(f32({-1, 1}, {2}))}, {{"alpha", 0.5}, {"beta", 0.25}})[0], DType::F32,
                {2}, {0, 0.75});
  expect_tensor(run_op("HardSwish", {in(f32({-4, -1, 0, 1, 4}, {5}))})[0], DType::F32, {5},
                {0, -1.0 / 3, 0, 2.0 / 3, 4});
}

TEST(OpsElementwise, SoftplusSoftsignIsStable) {
  expect_tensor(run_op("Softplus", {in(f32({-100, 0, 1, 100, 1000}, {5}))})[0], DType::F32, {5},
                {std::log1p(std::exp(-100.0)), std::log(2.0), std::log1p(std::exp(1.0)), 100, 1000});
  expect_tensor(run_op("Softsign", {in(f32({-3, 0, 1}, {3}))})[0], DType::F32, {3}, {-0.75, 0, 0.5});
}

TEST(OpsElementwise, PReluBroadcastsSlope) {
  Tensor x = f32({-1, 2, -3, 4, -5, 6, -7, 8}, {1, 2, 2, 2});
  Tensor slope = f32({0.5, 0.25}, {2, 1, 1});
  expect_tensor(run_op("PRelu", {in(x), in(slope)})[0], DType::F32, {1, 2, 2, 2},
                {-0.5, 2, -1.5, 4, -1.25, 6, -1.75, 8});
}

TEST(OpsElementwise, ThresholdedReluAndShrink) {
  expect_tensor(run_op("ThresholdedRelu", {in(f32({0.5, 1, 2}, {3}))})[0], DType::F32, {3}, {0, 0, 2});
  expect_tensor(run_op("ThresholdedRelu", {in(f32({0.5, 1, 2}, {3}))}, {{"alpha", 0.25}})[0], DType::F32, {3},
                {0.5, 1, 2});
  Tensor x = f32({-2, -1, 0, 1, 2}, {5});
  expect_tensor(run_op("Shrink", {in(x)}, {{"lambd", 1.5}, {"bias", 1.5}})[0], DType::F32, {5},
                {-0.5, 0, 0, 0, 0.5});
  expect_tensor(run_op("Shrink", {in(x)})[0], DType::F32, {5}, {-2, -1, 0, 1, 2});
  expect_tensor(run_op("Shrink", {in(i64({-3, -1, 0, 2}, {4}))}, {{"lambd", 1.5}, {"bias", 1.0}})[0], DType::I64,
                {4}, {-2, 0, 0, 1});
}

// ---------- Clip, variadic, Where ----------

TEST(OpsElementwise, ClipConstantAndRuntimeBounds) {
  Tensor x = f32({-3, -1, 0.5, 2, 9}, {5});
  expect_tensor(run_op("Clip", {in(x), cin(Tensor::scalar_f32(-1.5f)), cin(Tensor::scalar_f32(1.0f))})[0],
                DType::F32, {5}, {-1.5, -1, 0.5, 1, 1});
  expect_tensor(run_op("Clip", {in(x), in(Tensor::scalar_f32(0.0f)), in(f32({3}, {1}))})[0], DType::F32, {5},
                {0, 0, 0.5, 2, 3});
  expect_tensor(run_op("Clip", {in(x), none(), cin(Tensor::scalar_f32(0.0f))})[0], DType::F32, {5},
                {-3, -1, 0, 0, 0});
  expect_tensor(run_op("Clip", {in(x)})[0], DType::F32, {5}, {-3, -1, 0.5, 2, 9});
  Tensor xi = i64({-5, 5, 50}, {3});
  expect_tensor(run_op("Clip", {in(xi), cin(Tensor::scalar_i64(0)), cin(Tensor::scalar_i64(10))})[0], DType::I64, {3},
                {0, 5, 10});
}

TEST(OpsElementwise, MinMaxSumMeanVariadic) {
  Tensor a = f32({1, 5, 3, 7}, {2, 2}), b = f32({4, 2}, {2}), c = f32({0}, {1});
  expect_tensor(run_op("Min", {in(a), in(b), in(c)})[0], DType::F32, {2, 2}, {0, 0, 0, 0});
  expect_tensor(run_op("Max", {in(a), in(b)})[0], DType::F32, {2, 2}, {4, 5, 4, 7});
  expect_tensor(run_op("Sum", {in(a), in(b), in(c)})[0], DType::F32, {2, 2}, {5, 7, 7, 9});
  expect_tensor(run_op("Mean", {in(a), in(b)})[0], DType::F32, {2, 2}, {2.5, 3.5, 3.5, 4.5});
  expect_tensor(run_op("Max", {in(a)})[0], DType::F32, {2, 2}, {1, 5, 3, 7});
  expect_tensor(run_op("Min", {in(i64({3, -4}, {2})), in(i64({1}, {1}))})[0], DType::I64, {2}, {1, -4});
  expect_tensor(run_op("Max", {in(f32({1, kNaN}, {2})), in(f32({kNaN, 2}, {2}))})[0], DType::F32, {2},
                {kNaN, kNaN});
}

TEST(OpsElementwise, WhereBroadcastsAllThree) {
  Tensor cond = boolean({true, false, true}, {3});
  Tensor x = f32({1, 2}, {2, 1}), y = f32({-1, -2, -3}, {3});
  expect_tensor(run_op("Where", {in(cond), in(x), in(y)})[0], DType::F32, {2, 3}, {1, -2, 1, 2, -2, 2});
  expect_tensor(run_op("Where", {in(cond), in(i64({7}, {1})), in(i64({0, 1, 2}, {3}))})[0], DType::I64, {3},
                {7, 1, 7});
}

// ---------- comparisons and logic ----------

TEST(OpsElementwise, Comparisons) {
  Tensor a = i64({1, 2, 3}, {3}), b = i64({2}, {1});
  expect_tensor(run_op("Equal", {in(a), in(b)})[0], DType::Bool, {3}, {0, 1, 0});
  expect_tensor(run_op("Less", {in(a), in(b)})[0], DType::Bool, {3}, {1, 0, 0});
  expect_tensor(run_op("Greater", {in(a), in(b)})[0], DType::Bool, {3}, {0, 0, 1});
  expect_tensor(run_op("LessOrEqual", {in(a), in(b)})[0], DType::Bool, {3}, {1, 1, 0});
  expect_tensor(run_op("GreaterOrEqual", {in(a), in(b)})[0], DType::Bool, {3}, {0, 1, 1});
  Tensor fa = f32({0.5, kNaN}, {2, 1}), fb = f32({0.5, 1}, {2});
  expect_tensor(run_op("Equal", {in(fa), in(fb)})[0], DType::Bool, {2, 2}, {1, 0, 0, 0});
  expect_tensor(run_op("Equal", {in(boolean({true, false}, {2})), in(boolean({true}, {1}))})[0], DType::Bool, {2},
                {1, 0});
}

TEST(OpsElementwise, LogicOps) {
  Tensor a = boolean({false, false, true, true}, {4}), b = boolean({false, true, false, true}, {4});
  expect_tensor(run_op("And", {in(a), in(b)})[0], DType::Bool, {4}, {0, 0, 0, 1});
  expect_tensor(run_op("Or", {in(a), in(b)})[0], DType::Bool, {4}, {0, 1, 1, 1});
  expect_tensor(run_op("Xor", {in(a), in(b)})[0], DType::Bool, {4}, {0, 1, 1, 0});
  expect_tensor(run_op("Not", {in(a)})[0], DType::Bool, {4}, {1, 1, 0, 0});
  expect_tensor(run_op("And", {in(boolean({true, false}, {2, 1})), in(boolean({true, true}, {2}))})[0], DType::Bool,
                {2, 2}, {1, 1, 0, 0});
}

TEST(OpsElementwise, IsNaNIsInf) {
  const float inf = std::numeric_limits<float>::infinity();
  Tensor x = f32({1, kNaN, inf, -inf}, {4});
  expect_tensor(run_op("IsNaN", {in(x)})[0], DType::Bool, {4}, {0, 1, 0, 0});
  expect_tensor(run_op("IsInf", {in(x)})[0], DType::Bool, {4}, {0, 0, 1, 1});
  expect_tensor(run_op("IsInf", {in(x)}, {{"detect_negative", int64_t{0}}})[0], DType::Bool, {4}, {0, 0, 1, 0});
  expect_tensor(run_op("IsInf", {in(x)}, {{"detect_positive", int64_t{0}}})[0], DType::Bool, {4}, {0, 0, 0, 1});
}

// ---------- casts ----------

TEST(OpsElementwise, CastFloatToIntTruncatesAndToBool) {
  Tensor x = f32({1.7, -1.7, 2.5, 0, -0.2}, {5});
  expect_tensor(run_op("Cast", {in(x)}, {{"to", int64_t{6}}})[0], DType::I32, {5}, {1, -1, 2, 0, 0});
  expect_tensor(run_op("Cast", {in(x)}, {{"to", int64_t{7}}})[0], DType::I64, {5}, {1, -1, 2, 0, 0});
  expect_tensor(run_op("Cast", {in(x)}, {{"to", int64_t{9}}})[0], DType::Bool, {5}, {1, 1, 1, 0, 1});
  expect_tensor(run_op("Cast", {in(x)}, {{"to", int64_t{11}}})[0], DType::F64, {5}, {1.7, -1.7, 2.5, 0, -0.2});
}

TEST(OpsElementwise, CastFromBoolAndInts) {
  expect_tensor(run_op("Cast", {in(boolean({true, false}, {2}))}, {{"to", int64_t{1}}})[0], DType::F32, {2}, {1, 0});
  expect_tensor(run_op("Cast", {in(i64({-3, 0, 200}, {3}))}, {{"to", int64_t{9}}})[0], DType::Bool, {3}, {1, 0, 1});
  expect_tensor(run_op("Cast", {in(i64({-3, 100}, {2}))}, {{"to", int64_t{3}}})[0], DType::I8, {2}, {-3, 100});
  expect_tensor(run_op("Cast", {in(i64({7, 300}, {2}))}, {{"to", int64_t{5}}})[0], DType::I16, {2}, {7, 300});
  expect_tensor(run_op("Cast", {in(i64({7, 255}, {2}))}, {{"to", int64_t{2}}})[0], DType::U8, {2}, {7, 255});
}

TEST(OpsElementwise, CastLikeAndIdentity) {
  Tensor y = run_op("CastLike", {in(f32({2.9, -2.9}, {2})), in(i64({0}, {1}))})[0];
  expect_tensor(y, DType::I64, {2}, {2, -2});
  expect_tensor(run_op("Identity", {in(i64({4, 5}, {2}))})[0], DType::I64, {2}, {4, 5});
  expect_tensor(run_op("Identity", {in(boolean({true}, {}))})[0], DType::Bool, {}, {1});
}

// ---------- errors ----------

TEST(OpsElementwiseErrors, CastToUnsupportedDtype) {
  expect_error([] { run_op("Cast", {in(f32({1}, {1}))}, {{"to", int64_t{10}}}); }, "float16");
  expect_error([] { run_op("Cast", {in(f32({1}, {1}))}, {{"to", int64_t{8}}}); }, "code 8");
  expect_error([] { run_op("Cast", {in(f32({1}, {1}))}); }, "'to'");
}

TEST(OpsElementwiseErrors, BroadcastMismatch) {
  expect_error([] { run_op("Add", {in(f32({1, 2, 3, 4, 5, 6}, {2, 3})), in(f32({1, 2, 3, 4}, {4}))}); },
               "cannot be broadcast");
  expect_error([] { run_op("Where", {in(boolean({true, false}, {2})), in(f32({1, 2, 3}, {3})), in(f32({0}, {1}))}); },
               "cannot be broadcast");
}

TEST(OpsElementwiseErrors, DtypeRules) {
  expect_error([] { run_op("Add", {in(f32({1}, {1})), in(i64({1}, {1}))}); }, "same dtype");
  expect_error([] { run_op("Sqrt", {in(i64({4}, {1}))}); }, "insert a Cast");
  expect_error([] { run_op("Not", {in(f32({1}, {1}))}); }, "dtype f32");
  expect_error([] { run_op("Relu", {in(boolean({true}, {1}))}); }, "dtype bool");
  expect_error([] { run_op("Where", {in(f32({1}, {1})), in(f32({1}, {1})), in(f32({1}, {1}))}); }, "dtype f32");
}

TEST(OpsElementwiseErrors, BadAttributesAndBounds) {
  expect_error([] { run_op("Mod", {in(i64({1}, {1})), in(i64({1}, {1}))}, {{"fmod", int64_t{2}}}); }, "fmod");
  expect_error([] { run_op("Gelu", {in(f32({1}, {1}))}, {{"approximate", std::string("fast")}}); }, "approximate");
  expect_error([] { run_op("Clip", {in(f32({1, 2}, {2})), in(f32({0, 1}, {2}))}); }, "must be scalars");
}

}  // namespace
}  // namespace tessera
