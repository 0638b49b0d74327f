// Gradient rules against central finite differences (double precision).
#include <gtest/gtest.h>

#include "grad_check.h"

namespace tessera::testing {
namespace {

using graph::Attr;

Tensor r64(Shape s, uint64_t seed, double lo = -1, double hi = 1) { return random_tensor(DType::F64, s, seed, lo, hi); }

TEST(GradRules, BinaryBroadcast) {
  for (const char* op : {"Add", "Sub", "Mul", "Div"})
    check_gradients(op, {in(r64({2, 3, 4}, 1)), in(r64({3, 1}, 2, 0.5, 2))});
  check_gradients("Pow", {in(r64({2, 3}, 3, 0.5, 2)), in(r64({3}, 4, 0.5, 2))});
  check_gradients("Where", {cin(boolean({true, false, true}, {3})), in(r64({2, 3}, 5)), in(r64({1}, 6))});
}

TEST(GradRules, Unary) {
  for (const char* op : {"Neg", "Abs", "Exp", "Sigmoid", "Tanh", "Erf", "Gelu", "Sin", "Cos", "Tan", "Sinh", "Cosh",
                         "Asin", "Acos", "Atan", "Asinh", "Softplus", "Softsign", "Relu", "LeakyRelu", "Elu",
                         "Selu", "Celu", "HardSigmoid", "HardSwish", "Identity", "ThresholdedRelu", "Shrink"})
    check_gradients(op, {in(r64({3, 5}, 11, -0.9, 0.9))});
  for (const char* op : {"Log", "Sqrt", "Reciprocal", "Acosh"}) check_gradients(op, {in(r64({3, 5}, 12, 1.2, 3))});
  check_gradients("Atanh", {in(r64({4}, 13, -0.8, 0.8))});
  check_gradients("Gelu", {in(r64({3, 5}, 14, -3, 3))}, {{"approximate", std::string("tanh")}});
  check_gradients("Clip", {in(r64({10}, 15, -2, 2)), cin(Tensor(r64({}, 16, -1, -0.5))), cin(r64({}, 17, 0.5, 1))});
  check_gradients("PRelu", {in(r64({2, 3, 4}, 18)), in(r64({3, 1}, 19))});
}

TEST(GradRules, Variadic) {
  check_gradients("Sum", {in(r64({2, 3}, 21)), in(r64({3}, 22)), in(r64({2, 1}, 23))});
  check_gradients("Mean", {in(r64({2, 3}, 24)), in(r64({3}, 25))});
  check_gradients("Max", {in(r64({2, 3}, 26)), in(r64({3}, 27))});
  check_gradients("Min", {in(r64({2, 3}, 28)), in(r64({2, 3}, 29))});
}

TEST(GradRules, MatMulShapes) {
  check_gradients("MatMul", {in(r64({3, 4}, 31)), in(r64({4, 5}, 32))});
  check_gradients("MatMul", {in(r64({2, 3, 4}, 33)), in(r64({4, 5}, 34))});
  check_gradients("MatMul", {in(r64({2, 1, 3, 4}, 35)), in(r64({3, 4, 2}, 36))});
  check_gradients("MatMul", {in(r64({4}, 37)), in(r64({2, 4, 3}, 38))});
  check_gradients("MatMul", {in(r64({2, 3, 4}, 39)), in(r64({4}, 40))});
  check_gradients("MatMul", {in(r64({4}, 41)), in(r64({4}, 42))});
}

TEST(GradRules, GemmAndEinsum) {
  check_gradients("Gemm", {in(r64({4, 3}, 51)), in(r64({5, 4}, 52)), in(r64({5}, 53))},
                  {{"transA", int64_t{1}}, {"transB", int64_t{1}}, {"alpha", 0.5}, {"beta", 2.0}});
  check_gradients("Einsum", {in(r64({2, 3, 4}, 54)), in(r64({2, 4, 5}, 55))},
                  {{"equation", std::string("bij,bjk->bik")}});
  check_gradients("Einsum", {in(r64({3, 4}, 56)), in(r64({4, 5}, 57))}, {{"equation", std::string("ij,jk->k")}});
  check_gradients("Einsum", {in(r64({3, 4}, 58))}, {{"equation", std::string("ij->ji")}});
  check_gradients("Einsum", {in(r64({2, 3, 4}, 59)), in(r64({4}, 60))}, {{"equation", std::string("...j,j->...")}});
}

TEST(GradRules, Reductions) {
  for (const char* op : {"ReduceSum", "ReduceMean", "ReduceSumSquare", "ReduceL2", "ReduceLogSumExp", "ReduceMax",
                         "ReduceMin", "ReduceL1", "ReduceProd"}) {
    check_gradients(op, {in(r64({2, 3, 4}, 61, 0.5, 2)), cin(i64({1}, {1}))}, {{"keepdims", int64_t{0}}});
    check_gradients(op, {in(r64({2, 3, 4}, 62, 0.5, 2)), cin(i64({0, 2}, {2}))});
  }
  check_gradients("CumSum", {in(r64({3, 4}, 63)), cin(i64({1}, {}))});
  check_gradients("CumSum", {in(r64({3, 4}, 64)), cin(i64({0}, {}))},
                  {{"exclusive", int64_t{1}}, {"reverse", int64_t{1}}});
}

TEST(GradRules, Normalisation) {
  check_gradients("Softmax", {in(r64({2, 5}, 71))});
  check_gradients("Softmax", {in(r64({2, 3, 4}, 72))}, {{"axis", int64_t{1}}});
  check_gradients("Softmax", {in(r64({2, 3, 4}, 73))}, {{"axis", int64_t{1}}, {"legacy", int64_t{1}}});
  check_gradients("LogSoftmax", {in(r64({3, 6}, 74))});
  check_gradients("LayerNormalization", {in(r64({2, 3, 8}, 75)), in(r64({8}, 76)), in(r64({8}, 77))});
  check_gradients("LayerNormalization", {in(r64({2, 3, 4}, 78)), in(r64({3, 4}, 79))}, {{"axis", int64_t{1}}});
  check_gradients("InstanceNormalization", {in(r64({2, 3, 5}, 80)), in(r64({3}, 81)), in(r64({3}, 82))});
  check_gradients("BatchNormalization", {in(r64({2, 3, 2, 2}, 83)), in(r64({3}, 84)), in(r64({3}, 85)),
                                         in(r64({3}, 86)), in(r64({3}, 87, 0.5, 1.5))});
}

TEST(GradRules, ShapeOps) {
  check_gradients("Reshape", {in(r64({2, 6}, 91)), cin(i64({3, 4}, {2}))});
  check_gradients("Flatten", {in(r64({2, 3, 2}, 92))});
  check_gradients("Transpose", {in(r64({2, 3, 4}, 93))}, {{"perm", std::vector<int64_t>{2, 0, 1}}});
  check_gradients("Squeeze", {in(r64({2, 1, 3}, 94)), cin(i64({1}, {1}))});
  check_gradients("Unsqueeze", {in(r64({2, 3}, 95)), cin(i64({0, 3}, {2}))});
  check_gradients("Concat", {in(r64({2, 3}, 96)), in(r64({2, 1}, 97)), in(r64({2, 2}, 98))}, {{"axis", int64_t{1}}});
  GradCheck two;
  two.num_outputs = 2;
  check_gradients("Split", {in(r64({5, 2}, 99)), cin(i64({2, 3}, {2}))}, {{"axis", int64_t{0}}}, two);
  check_gradients("Slice", {in(r64({5, 6}, 100)), cin(i64({1, 0}, {2})), cin(i64({4, 5}, {2}))});
  check_gradients("Slice", {in(r64({5, 6}, 101)), cin(i64({4, 0}, {2})), cin(i64({0, 6}, {2})), cin(i64({0, 1}, {2})),
                            cin(i64({-2, 2}, {2}))});
  check_gradients("Pad", {in(r64({3, 4}, 102)), cin(i64({1, -1, 2, 1}, {4}))});
  check_gradients("Expand", {in(r64({3, 1}, 103)), cin(i64({2, 3, 4}, {3}))});
  check_gradients("Tile", {in(r64({2, 3}, 104)), cin(i64({2, 2}, {2}))});
}

}  // namespace
}  // namespace tessera::testing
