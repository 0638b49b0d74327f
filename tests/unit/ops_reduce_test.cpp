// Known-answer tests for reductions, ArgMax/ArgMin, TopK and CumSum, run end
// to end (infer -> lower -> exec) against values worked out by hand with
// NumPy/ONNX semantics.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

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
using testing::run_op;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

Tensor typed(std::vector<int64_t> v, Shape s, DType t) { return i64(std::move(v), std::move(s)).cast(t); }
testing::OpInput axes(std::vector<int64_t> a) {
  const int64_t n = static_cast<int64_t>(a.size());
  return cin(i64(std::move(a), {n}));
}

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

void expect_error(const std::function<void()>& f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "expected an Error mentioning '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

const Tensor& x23() {
  static const Tensor x = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  return x;
}

// ---------- Reduce* ----------

TEST(OpsReduce, SumKeepdimsAndNegativeAxes) {
  expect_tensor(run_op("ReduceSum", {in(x23()), axes({1})})[0], DType::F32, {2, 1}, {6, 15});
  expect_tensor(run_op("ReduceSum", {in(x23()), axes({1})}, {{"keepdims", int64_t{0}}})[0], DType::F32, {2}, {6, 15});
  expect_tensor(run_op("ReduceSum", {in(x23()), axes({-2})})[0], DType::F32, {1, 3}, {5, 7, 9});
  Tensor x = f32({0, 1, 2, 3, 4, 5, 6, 7}, {2, 2, 2});
  expect_tensor(run_op("ReduceSum", {in(x), axes({0, -1})}, {{"keepdims", int64_t{0}}})[0], DType::F32, {2},
                {10, 18});
}

TEST(OpsReduce, SumAllAxesWhenAbsentOrEmpty) {
  expect_tensor(run_op("ReduceSum", {in(x23())})[0], DType::F32, {1, 1}, {21});
  expect_tensor(run_op("ReduceSum", {in(x23())}, {{"keepdims", int64_t{0}}})[0], DType::F32, {}, {21});
  expect_tensor(run_op("ReduceSum", {in(x23()), axes({})})[0], DType::F32, {1, 1}, {21});
}

TEST(OpsReduce, NoopWithEmptyAxes) {
  std::map<std::string, Attr> noop = {{"noop_with_empty_axes", int64_t{1}}};
  expect_tensor(run_op("ReduceSum", {in(x23())}, noop)[0], DType::F32, {2, 3}, {1, 2, 3, 4, 5, 6});
  expect_tensor(run_op("ReduceSum", {in(x23()), axes({})}, noop)[0], DType::F32, {2, 3}, {1, 2, 3, 4, 5, 6});
  expect_tensor(run_op("ReduceSumSquare", {in(x23())}, noop)[0], DType::F32, {2, 3}, {1, 4, 9, 16, 25, 36});
  expect_tensor(run_op("ReduceMean", {in(x23())}, noop)[0], DType::F32, {2, 3}, {1, 2, 3, 4, 5, 6});
  // noop only applies to empty axes: given axes still reduce.
  expect_tensor(run_op("ReduceSum", {in(x23()), axes({0})}, noop)[0], DType::F32, {1, 3}, {5, 7, 9});
}

TEST(OpsReduce, SumIntegersAndEmptyInput) {
  expect_tensor(run_op("ReduceSum", {in(typed({1, 2, 3, 4, 5, 6}, {2, 3}, DType::I32)), axes({0})})[0], DType::I32,
                {1, 3}, {5, 7, 9});
  expect_tensor(run_op("ReduceSum", {in(f32({}, {0, 3})), axes({0})}, {{"keepdims", int64_t{0}}})[0], DType::F32, {3},
                {0, 0, 0});
}

TEST(OpsReduce, Mean) {
  expect_tensor(run_op("ReduceMean", {in(x23()), axes({1})})[0], DType::F32, {2, 1}, {2, 5});
  expect_tensor(run_op("ReduceMean", {in(x23())}, {{"keepdims", int64_t{0}}})[0], DType::F32, {}, {3.5});
  // Integer means truncate toward zero (NumPy mean, cast back).
  expect_tensor(run_op("ReduceMean", {in(i64({1, 2, 3, 6, -1, -2}, {3, 2})), axes({1})})[0], DType::I64, {3, 1},
                {1, 4, -1});
}

TEST(OpsReduce, MaxMinProd) {
  Tensor x = f32({1, 5, 3, -2, -7, -1}, {2, 3});
  expect_tensor(run_op("ReduceMax", {in(x), axes({1})})[0], DType::F32, {2, 1}, {5, -1});
  expect_tensor(run_op("ReduceMin", {in(x), axes({1})})[0], DType::F32, {2, 1}, {1, -7});
  expect_tensor(run_op("ReduceMax", {in(x), axes({0})}, {{"keepdims", int64_t{0}}})[0], DType::F32, {3}, {1, 5, 3});
  expect_tensor(run_op("ReduceProd", {in(x23()), axes({1})})[0], DType::F32, {2, 1}, {6, 120});
  Tensor xi = typed({4, -9, 2, 8}, {2, 2}, DType::I32);
  expect_tensor(run_op("ReduceMin", {in(xi)})[0], DType::I32, {1, 1}, {-9});
  expect_tensor(run_op("ReduceMax", {in(xi), axes({1})})[0], DType::I32, {2, 1}, {4, 8});
  expect_tensor(run_op("ReduceProd", {in(i64({2, 3, 4}, {3}))}, {{"keepdims", int64_t{0}}})[0], DType::I64, {}, {24});
}

TEST(OpsReduce, NormsAndSquares) {
  Tensor x = f32({1, -2, 3, -4, 5, -6}, {2, 3});
  expect_tensor(run_op("ReduceL1", {in(x), axes({1})})[0], DType::F32, {2, 1}, {6, 15});
  expect_tensor(run_op("ReduceL2", {in(f32({3, 4, 5, -12}, {2, 2})), axes({1})})[0], DType::F32, {2, 1}, {5, 13});
  expect_tensor(run_op("ReduceL2", {in(i64({3, 4, 1, 1}, {2, 2})), axes({1})})[0], DType::I64, {2, 1}, {5, 1});
  expect_tensor(run_op("ReduceSumSquare", {in(f32({1, 2, 3, 4}, {2, 2})), axes({0})})[0], DType::F32, {1, 2},
                {10, 20});
  expect_tensor(run_op("ReduceL1", {in(i64({-1, 2, -3}, {3}))})[0], DType::I64, {1}, {6});
}

TEST(OpsReduce, LogSumExpIsStable) {
  Tensor x = f32({1000, 1000, 0, 0, 1, 2}, {3, 2});
  expect_tensor(run_op("ReduceLogSumExp", {in(x), axes({1})})[0], DType::F32, {3, 1},
                {1000 + std::log(2.0), std::log(2.0), std::log(std::exp(1.0) + std::exp(2.0))});
  expect_tensor(run_op("ReduceLogSumExp", {in(f32({1, 2, 3}, {3}))}, {{"keepdims", int64_t{0}}})[0], DType::F32, {},
                {std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0))});
  const float inf = std::numeric_limits<float>::infinity();
  expect_tensor(run_op("ReduceLogSumExp", {in(f32({-inf, -inf, -inf, 0}, {2, 2})), axes({1})})[0], DType::F32,
                {2, 1}, {-std::numeric_limits<double>::infinity(), 0});
}

// ---------- ArgMax / ArgMin ----------

TEST(OpsReduce, ArgMaxTiesAndLastIndex) {
  Tensor x = f32({1, 5, 5, 7, 0, 7}, {2, 3});
  expect_tensor(run_op("ArgMax", {in(x)}, {{"axis", int64_t{1}}})[0], DType::I64, {2, 1}, {1, 0});
  expect_tensor(run_op("ArgMax", {in(x)}, {{"axis", int64_t{-1}}, {"select_last_index", int64_t{1}}})[0], DType::I64,
                {2, 1}, {2, 2});
  expect_tensor(run_op("ArgMax", {in(x)}, {{"axis", int64_t{1}}, {"keepdims", int64_t{0}}})[0], DType::I64, {2},
                {1, 0});
  expect_tensor(run_op("ArgMax", {in(x)})[0], DType::I64, {1, 3}, {1, 0, 1});
}

TEST(OpsReduce, ArgMinIntsAndNaN) {
  Tensor x = typed({2, 1, 1, 0, 3, 0}, {2, 3}, DType::I32);
  expect_tensor(run_op("ArgMin", {in(x)}, {{"axis", int64_t{1}}, {"keepdims", int64_t{0}}})[0], DType::I64, {2},
                {1, 0});
  std::map<std::string, Attr> last = {{"axis", int64_t{1}}, {"keepdims", int64_t{0}}, {"select_last_index", int64_t{1}}};
  expect_tensor(run_op("ArgMin", {in(x)}, last)[0], DType::I64, {2}, {2, 2});
  expect_tensor(run_op("ArgMax", {in(f32({1, kNaN, 3, kNaN}, {4}))}, {{"keepdims", int64_t{0}}})[0], DType::I64, {},
                {1});
}

// ---------- TopK ----------

TEST(OpsReduce, TopKLargestWithTies) {
  auto ys = run_op("TopK", {in(f32({1, 3, 3, 2, 5}, {5})), cin(i64({3}, {1}))}, {}, 2);
  expect_tensor(ys[0], DType::F32, {3}, {5, 3, 3});
  expect_tensor(ys[1], DType::I64, {3}, {4, 1, 2});
}

TEST(OpsReduce, TopKSmallest) {
  auto ys = run_op("TopK", {in(f32({2, 1, 2, 1}, {4})), cin(i64({3}, {1}))}, {{"largest", int64_t{0}}}, 2);
  expect_tensor(ys[0], DType::F32, {3}, {1, 1, 2});
  expect_tensor(ys[1], DType::I64, {3}, {1, 3, 0});
}

TEST(OpsReduce, TopKAlongAxisZeroAndRows) {
  Tensor x = f32({1, 9, 4, 2, 3, 3}, {3, 2});
  auto ys = run_op("TopK", {in(x), cin(i64({2}, {1}))}, {{"axis", int64_t{0}}}, 2);
  expect_tensor(ys[0], DType::F32, {2, 2}, {4, 9, 3, 3});
  expect_tensor(ys[1], DType::I64, {2, 2}, {1, 0, 2, 2});
  auto rows = run_op("TopK", {in(typed({5, -1, 7, 0, 0, 2}, {2, 3}, DType::I32)), cin(i64({1}, {1}))}, {}, 2);
  expect_tensor(rows[0], DType::I32, {2, 1}, {7, 2});
  expect_tensor(rows[1], DType::I64, {2, 1}, {2, 2});
}

TEST(OpsReduce, TopKZeroAndNaN) {
  auto none = run_op("TopK", {in(f32({1, 2}, {2})), cin(i64({0}, {1}))}, {}, 2);
  expect_tensor(none[0], DType::F32, {0}, {});
  expect_tensor(none[1], DType::I64, {0}, {});
  auto nan = run_op("TopK", {in(f32({1, kNaN, 3}, {3})), cin(i64({2}, {1}))}, {}, 2);
  expect_tensor(nan[0], DType::F32, {2}, {std::numeric_limits<double>::quiet_NaN(), 3});
  expect_tensor(nan[1], DType::I64, {2}, {1, 2});
}

// Rows at least 4K long take the selection path; these repeat the cases above on it.
TEST(OpsReduce, TopKSmallKOfLongRows) {
  Tensor x = f32({4, 9, 1, 9, 0, 7, 7, 2, 9, 3, 5, 6}, {12});
  auto top = run_op("TopK", {in(x), cin(i64({3}, {1}))}, {}, 2);
  expect_tensor(top[0], DType::F32, {3}, {9, 9, 9});
  expect_tensor(top[1], DType::I64, {3}, {1, 3, 8});
  auto low = run_op("TopK", {in(x), cin(i64({2}, {1}))}, {{"largest", int64_t{0}}}, 2);
  expect_tensor(low[0], DType::F32, {2}, {0, 1});
  expect_tensor(low[1], DType::I64, {2}, {4, 2});
  auto ties = run_op("TopK", {in(x), cin(i64({3}, {1}))}, {{"largest", int64_t{0}}, {"axis", int64_t{0}}}, 2);
  expect_tensor(ties[0], DType::F32, {3}, {0, 1, 2});
}

TEST(OpsReduce, TopKSmallKOnAxisZeroIntsAndNaN) {
  // Shape [8,2]: column 0 is 5,1,5,0,2,5,3,4 and column 1 is 1..8.
  Tensor x = typed({5, 1, 1, 2, 5, 3, 0, 4, 2, 5, 5, 6, 3, 7, 4, 8}, {8, 2}, DType::I32);
  auto ys = run_op("TopK", {in(x), cin(i64({2}, {1}))}, {{"axis", int64_t{0}}}, 2);
  expect_tensor(ys[0], DType::I32, {2, 2}, {5, 8, 5, 7});
  expect_tensor(ys[1], DType::I64, {2, 2}, {0, 7, 2, 6});
  Tensor nan = f32({1, kNaN, 3, 0, kNaN, 2, 8, 1}, {8});
  auto big = run_op("TopK", {in(nan), cin(i64({2}, {1}))}, {}, 2);
  expect_tensor(big[0], DType::F32, {2}, {std::numeric_limits<double>::quiet_NaN(), kNaN});
  expect_tensor(big[1], DType::I64, {2}, {1, 4});
  auto small = run_op("TopK", {in(nan), cin(i64({2}, {1}))}, {{"largest", int64_t{0}}}, 2);
  expect_tensor(small[0], DType::F32, {2}, {0, 1});
  expect_tensor(small[1], DType::I64, {2}, {3, 0});
}

// ---------- CumSum ----------

TEST(OpsReduce, CumSumExclusiveReverse) {
  Tensor x = f32({1, 2, 3, 4}, {4});
  auto run = [&](int64_t exclusive, int64_t reverse) {
    return run_op("CumSum", {in(x), cin(Tensor::scalar_i64(0))},
                  {{"exclusive", exclusive}, {"reverse", reverse}})[0];
  };
  expect_tensor(run(0, 0), DType::F32, {4}, {1, 3, 6, 10});
  expect_tensor(run(1, 0), DType::F32, {4}, {0, 1, 3, 6});
  expect_tensor(run(0, 1), DType::F32, {4}, {10, 9, 7, 4});
  expect_tensor(run(1, 1), DType::F32, {4}, {9, 7, 4, 0});
}

TEST(OpsReduce, CumSumAxes) {
  expect_tensor(run_op("CumSum", {in(x23()), cin(Tensor::scalar_i64(0))})[0], DType::F32, {2, 3}, {1, 2, 3, 5, 7, 9});
  expect_tensor(run_op("CumSum", {in(x23()), cin(Tensor::scalar_i64(-1))})[0], DType::F32, {2, 3},
                {1, 3, 6, 4, 9, 15});
  Tensor xi = typed({1, 2, 3, 4, 5, 6}, {2, 3}, DType::I32);
  expect_tensor(run_op("CumSum", {in(xi), cin(typed({1}, {1}, DType::I32))}, {{"reverse", int64_t{1}}})[0],
                DType::I32, {2, 3}, {6, 5, 3, 15, 11, 6});
}

TEST(OpsReduce, CumSumRuntimeAxis) {
  expect_tensor(run_op("CumSum", {in(x23()), in(Tensor::scalar_i64(1))})[0], DType::F32, {2, 3}, {1, 3, 6, 4, 9, 15});
  expect_tensor(run_op("CumSum", {in(x23()), in(Tensor::scalar_i64(-2))},
                       {{"exclusive", int64_t{1}}, {"reverse", int64_t{1}}})[0],
                DType::F32, {2, 3}, {4, 5, 6, 0, 0, 0});
  expect_tensor(run_op("CumSum", {in(x23()), in(typed({0}, {1}, DType::I32))}, {{"exclusive", int64_t{1}}})[0],
                DType::F32, {2, 3}, {0, 0, 0, 1, 2, 3});
}

// ---------- errors ----------

TEST(OpsReduceErrors, BadAxes) {
  expect_error([] { run_op("ReduceSum", {in(x23()), axes({1, -1})}); }, "twice");
  expect_error([] { run_op("ReduceMax", {in(x23()), axes({2})}); }, "out of range");
  expect_error([] { run_op("ReduceSum", {in(x23()), in(i64({1}, {1}))}); }, "must be a constant");
  expect_error([] { run_op("ArgMax", {in(x23())}, {{"axis", int64_t{2}}}); }, "out of range");
  expect_error([] { run_op("TopK", {in(x23()), cin(i64({1}, {1}))}, {{"axis", int64_t{-3}}}, 2); }, "out of range");
  expect_error([] { run_op("CumSum", {in(x23()), cin(Tensor::scalar_i64(2))}); }, "out of range");
}

TEST(OpsReduceErrors, BadInputs) {
  expect_error([] { run_op("TopK", {in(x23()), cin(i64({4}, {1}))}, {}, 2); }, "K=4 is out of range");
  expect_error([] { run_op("TopK", {in(x23()), in(i64({1}, {1}))}, {}, 2); }, "must be a constant");
  expect_error([] { run_op("CumSum", {in(x23()), cin(Tensor::scalar_f32(0))}); }, "int32 or int64 scalar");
  expect_error([] { run_op("ReduceSum", {in(boolean({true, false}, {2}))}); }, "insert a Cast");
  expect_error([] { run_op("ArgMin", {in(f32({}, {0, 2}))}); }, "empty axis");
  // A runtime CumSum axis is checked when the kernel runs.
  expect_error([] { run_op("CumSum", {in(x23()), in(Tensor::scalar_i64(5))}); }, "out of bounds");
}

}  // namespace
}  // namespace tessera
