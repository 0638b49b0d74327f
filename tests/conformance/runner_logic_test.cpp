// Known-answer tests for the conformance harness itself: the ONNX-style
// output comparison, the model-test error ratio, the known-failures file
// format and the "unsupported" classification.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "known_failures.h"
#include "node_test.h"
#include "tensor_compare.h"
#include "tessera/support/error.h"

namespace tessera::conformance {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(CompareAllclose, WithinRtolPlusAtolPasses) {
  // |1.0009 - 1| = 9e-4 <= 1e-7 + 1e-3 * 1
  EXPECT_EQ(compare_allclose(Tensor::from_f32({1.0f, 2.0f}, {2}), Tensor::from_f32({1.0009f, 2.0f}, {2})), "");
}

TEST(CompareAllclose, BeyondToleranceReportsWorstElement) {
  std::string d = compare_allclose(Tensor::from_f32({1, 2, 3, 4}, {2, 2}), Tensor::from_f32({1, 2, 3, 4.5f}, {2, 2}));
  EXPECT_NE(d.find("1 of 4 elements differ"), std::string::npos) << d;
  EXPECT_NE(d.find("[1,1]"), std::string::npos) << d;
  EXPECT_NE(d.find("got 4.5, expected 4"), std::string::npos) << d;
}

TEST(CompareAllclose, AtolMattersNearZero) {
  // expected 0: allowed error is atol = 1e-7 only.
  EXPECT_EQ(compare_allclose(Tensor::from_f32({0}, {1}), Tensor::from_f32({5e-8f}, {1})), "");
  EXPECT_NE(compare_allclose(Tensor::from_f32({0}, {1}), Tensor::from_f32({1e-6f}, {1})), "");
}

TEST(CompareAllclose, NaNEqualsNaNAndInfinitiesMustMatch) {
  Tensor e(DType::F64, {3}), a(DType::F64, {3});
  e.set_f64(0, kNaN), a.set_f64(0, kNaN);
  e.set_f64(1, kInf), a.set_f64(1, kInf);
  e.set_f64(2, -kInf), a.set_f64(2, -kInf);
  EXPECT_EQ(compare_allclose(e, a), "");
  a.set_f64(2, kInf);
  EXPECT_NE(compare_allclose(e, a), "");
  a.set_f64(2, -kInf);
  a.set_f64(0, 1.0);
  EXPECT_NE(compare_allclose(e, a), "");
}

TEST(CompareAllclose, IntegersAreExact) {
  // 1000 vs 1001 would pass rtol 1e-3 as floats; integers must match exactly.
  EXPECT_NE(compare_allclose(Tensor::from_i64({1000}, {1}), Tensor::from_i64({1001}, {1})), "");
  EXPECT_EQ(compare_allclose(Tensor::from_i64({-3, 7}, {2}), Tensor::from_i64({-3, 7}, {2})), "");
}

TEST(CompareAllclose, DtypeAndShapeMustMatch) {
  EXPECT_EQ(compare_allclose(Tensor::from_f32({1}, {1}), Tensor::from_i64({1}, {1})), "dtype i64 != expected f32");
  EXPECT_EQ(compare_allclose(Tensor::from_f32({1, 2}, {2}), Tensor::from_f32({1, 2}, {1, 2})),
            "shape [1,2] != expected [2]");
}

TEST(CompareAllclose, EmptyTensorsMatch) {
  EXPECT_EQ(compare_allclose(Tensor(DType::F32, {0, 3}), Tensor(DType::F32, {0, 3})), "");
}

TEST(MaxErrorRatio, IsMaxAbsErrorOverMaxAbsReference) {
  // max|diff| = 0.5, max|ref| = 4  -> 0.125
  EXPECT_DOUBLE_EQ(max_error_ratio(Tensor::from_f32({-4, 1, 2}, {3}), Tensor::from_f32({-4, 1.5f, 2}, {3})), 0.125);
  EXPECT_DOUBLE_EQ(max_error_ratio(Tensor::from_f32({0, 0}, {2}), Tensor::from_f32({0, 0}, {2})), 0.0);
  EXPECT_TRUE(std::isinf(max_error_ratio(Tensor::from_f32({0}, {1}), Tensor::from_f32({1}, {1}))));
}

TEST(MaxErrorRatio, NaNInOutputIsInfinitelyWrong) {
  Tensor a = Tensor::from_f32({1, 2}, {2}).clone();
  a.set_f64(1, kNaN);
  EXPECT_TRUE(std::isinf(max_error_ratio(Tensor::from_f32({1, 2}, {2}), a)));
}

TEST(KnownFailures, ParsesNamesAndReasons) {
  auto k = parse_known_failures("# header\n\ntest_a  # too slow\n  test_b # needs f16  \n", "kf.txt");
  ASSERT_EQ(k.size(), 2u);
  EXPECT_EQ(k.at("test_a"), "too slow");
  EXPECT_EQ(k.at("test_b"), "needs f16");
}

TEST(KnownFailures, EntryWithoutReasonIsAnError) {
  try {
    parse_known_failures("test_a  # ok\ntest_b\n", "kf.txt");
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("kf.txt:2: 'test_b' has no reason"), std::string::npos) << e.what();
  }
}

TEST(KnownFailures, DuplicateIsAnError) {
  EXPECT_THROW(parse_known_failures("test_a # x\ntest_a # y\n", "kf.txt"), Error);
}

TEST(KnownFailures, MissingFileIsAnError) {
  EXPECT_THROW(read_known_failures("/nonexistent/known_failures.txt"), Error);
}

TEST(Classify, UnsupportedOperatorOrDtypeIsASkip) {
  EXPECT_TRUE(is_unsupported_error("unsupported operators: Foo (node 'n0')"));
  EXPECT_TRUE(is_unsupported_error("x.pb: tensor 'x' has unsupported dtype FLOAT16"));
  EXPECT_TRUE(is_unsupported_error("Resize node 'r': mode 'cubic' is not supported"));
  EXPECT_TRUE(is_unsupported_error("input 'x' has element type float16, which Tessera does not support; ..."));
  EXPECT_TRUE(is_unsupported_error("NonZero (node 'n') has a data-dependent output shape, which Tessera does not "
                                   "support (static shapes only)"));
  EXPECT_FALSE(is_unsupported_error("Add node 'a': shapes [2] and [3] do not broadcast"));
  EXPECT_FALSE(is_unsupported_error("see: unsupported operators"));  // must be the message's start
}

NodeTest reshape_like_test() {
  NodeTest t;
  t.name = "test_reshape_example";
  t.input_names = {"data", "shape"};
  t.input_is_float = {true, false};
  t.output_names = {"reshaped"};
  return t;
}

TEST(InputsToFreeze, FreezesTheNamedGraphInput) {
  NodeTest t = reshape_like_test();
  std::string msg = "Reshape node 'r': input 'shape' must be a constant (it decides an output shape, ...)";
  EXPECT_EQ(inputs_to_freeze(msg, t, {}), std::vector<std::string>{"shape"});
  EXPECT_TRUE(inputs_to_freeze(msg, t, {"shape"}).empty());  // already frozen: give up, report the error
}

TEST(InputsToFreeze, InternalValueFreezesIntegerInputs) {
  // The named value is computed inside the graph: freeze the integer inputs it may come from.
  NodeTest t = reshape_like_test();
  EXPECT_EQ(inputs_to_freeze("Range node 'n': input 'tmp_7' must be a constant", t, {}),
            std::vector<std::string>{"shape"});
}

TEST(InputsToFreeze, OtherErrorsFreezeNothing) {
  EXPECT_TRUE(inputs_to_freeze("Add node 'a': shapes [2] and [3] do not broadcast", reshape_like_test(), {}).empty());
}

}  // namespace
}  // namespace tessera::conformance
