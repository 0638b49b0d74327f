// Known-answer tests for MatMul, Gemm and Einsum (one-node graphs run end to
// end). Small cases are worked out by hand; larger ones (which take the
// executor's BLAS path) are checked against naive loops written here.
#include <gtest/gtest.h>

#include "op_test_util.h"
#include "tessera/support/error.h"

namespace tessera::testing {
namespace {

using graph::Attr;
using Attrs = std::map<std::string, Attr>;

// Deterministic values in [-1, 1).
std::vector<float> pseudo_random(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  for (auto& x : v) {
    seed = seed * 1664525u + 1013904223u;
    x = static_cast<float>(seed >> 8) / static_cast<float>(1u << 24) * 2.0f - 1.0f;
  }
  return v;
}

void expect_all_near(const std::vector<float>& got, const std::vector<float>& want, float tol = 1e-4f) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "at " << i;
}

Tensor typed(DType t, const std::vector<int64_t>& v, Shape s) {
  Tensor r(t, std::move(s));
  for (size_t i = 0; i < v.size(); ++i) r.set_i64(static_cast<int64_t>(i), v[i]);
  return r;
}

// Batched matmul reference over [batch, m, k] x [batch, k, n].
std::vector<float> ref_bmm(const std::vector<float>& a, const std::vector<float>& b, int64_t batch, int64_t m,
                           int64_t k, int64_t n) {
  std::vector<float> y(static_cast<size_t>(batch * m * n), 0.0f);
  for (int64_t p = 0; p < batch; ++p)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t q = 0; q < k; ++q) s += a[(p * m + i) * k + q] * b[(p * k + q) * n + j];
        y[(p * m + i) * n + j] = static_cast<float>(s);
      }
  return y;
}

TEST(MatMul, TwoByThreeTimesThreeByTwo) {
  auto y = run_op("MatMul", {in(f32({1, 2, 3, 4, 5, 6}, {2, 3})), in(f32({7, 8, 9, 10, 11, 12}, {3, 2}))});
  EXPECT_EQ(y[0].shape(), (Shape{2, 2}));
  expect_all_near(values_f32(y[0]), {58, 64, 139, 154});
}

TEST(MatMul, VectorTimesMatrixDropsTheRow) {
  auto y = run_op("MatMul", {in(f32({1, 2, 3}, {3})), in(f32({1, 2, 3, 4, 5, 6}, {3, 2}))});
  EXPECT_EQ(y[0].shape(), (Shape{2}));
  expect_all_near(values_f32(y[0]), {22, 28});
}

TEST(MatMul, MatrixTimesVectorDropsTheColumn) {
  auto y = run_op("MatMul", {in(f32({1, 2, 3, 4, 5, 6}, {2, 3})), in(f32({1, 0, -1}, {3}))});
  EXPECT_EQ(y[0].shape(), (Shape{2}));
  expect_all_near(values_f32(y[0]), {-2, -2});
}

TEST(MatMul, VectorDotVectorIsAScalar) {
  auto y = run_op("MatMul", {in(f32({1, 2, 3}, {3})), in(f32({4, 5, 6}, {3}))});
  EXPECT_EQ(y[0].shape(), (Shape{}));
  expect_all_near(values_f32(y[0]), {32});
}

TEST(MatMul, BatchDimsBroadcast) {
  // A [2,1,2,3] x B [3,3,2] -> [2,3,2,2]: A's batch (2,1) and B's (3) broadcast to (2,3).
  const auto a = pseudo_random(12, 1), b = pseudo_random(18, 2);
  auto y = run_op("MatMul", {in(f32(a, {2, 1, 2, 3})), in(f32(b, {3, 3, 2}))});
  ASSERT_EQ(y[0].shape(), (Shape{2, 3, 2, 2}));
  std::vector<float> want;
  for (int p = 0; p < 2; ++p)
    for (int q = 0; q < 3; ++q) {
      std::vector<float> ap(a.begin() + p * 6, a.begin() + p * 6 + 6), bq(b.begin() + q * 6, b.begin() + q * 6 + 6);
      auto r = ref_bmm(ap, bq, 1, 2, 3, 2);
      want.insert(want.end(), r.begin(), r.end());
    }
  expect_all_near(values_f32(y[0]), want);
}

TEST(MatMul, VectorTimesBatchedMatrix) {
  // [3] x [2,3,2] -> [2,2]
  auto y = run_op("MatMul", {in(f32({1, 1, 1}, {3})), in(f32({1, 2, 3, 4, 5, 6, 0, 1, 0, 1, 0, 1}, {2, 3, 2}))});
  ASSERT_EQ(y[0].shape(), (Shape{2, 2}));
  expect_all_near(values_f32(y[0]), {9, 12, 0, 3});
}

TEST(MatMul, LargeTakesBlasPathAndMatchesLoops) {
  const int64_t m = 40, k = 50, n = 30;
  const auto a = pseudo_random(m * k, 3), b = pseudo_random(k * n, 4);
  auto y = run_op("MatMul", {in(f32(a, {m, k})), in(f32(b, {k, n}))});
  expect_all_near(values_f32(y[0]), ref_bmm(a, b, 1, m, k, n), 1e-3f);
}

TEST(MatMul, LargeBatchedMatchesLoops) {
  const int64_t batch = 3, m = 20, k = 24, n = 16;
  const auto a = pseudo_random(batch * m * k, 5), b = pseudo_random(batch * k * n, 6);
  auto y = run_op("MatMul", {in(f32(a, {batch, m, k})), in(f32(b, {batch, k, n}))});
  expect_all_near(values_f32(y[0]), ref_bmm(a, b, batch, m, k, n), 1e-3f);
}

TEST(MatMul, Int64AndInt32) {
  for (DType t : {DType::I64, DType::I32}) {
    auto y = run_op("MatMul", {in(typed(t, {1, -2, 3, 4}, {2, 2})), in(typed(t, {5, 6, 7, 8}, {2, 2}))});
    EXPECT_EQ(y[0].dtype(), t);
    EXPECT_EQ(values_i64(y[0]), (std::vector<int64_t>{-9, -10, 43, 50}));
  }
}

TEST(MatMul, Float64) {
  Tensor a = Tensor::from_f32({1, 2, 3, 4}, {2, 2}).cast(DType::F64);
  Tensor b = Tensor::from_f32({0.5f, 0, 0, 0.25f}, {2, 2}).cast(DType::F64);
  auto y = run_op("MatMul", {in(a), in(b)});
  EXPECT_EQ(y[0].dtype(), DType::F64);
  expect_all_near(values_f32(y[0]), {0.5f, 0.5f, 1.5f, 1.0f});
}

TEST(MatMul, EmptyInnerDimGivesZeros) {
  auto y = run_op("MatMul", {in(Tensor(DType::F32, {2, 0})), in(Tensor(DType::F32, {0, 3}))});
  EXPECT_EQ(y[0].shape(), (Shape{2, 3}));
  expect_all_near(values_f32(y[0]), std::vector<float>(6, 0.0f));
}

TEST(MatMul, InnerDimMismatchIsAnError) {
  try {
    infer_op("MatMul", {in(Tensor(DType::F32, {2, 3})), in(Tensor(DType::F32, {4, 2}))});
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("inner dimensions"), std::string::npos) << e.what();
  }
}

TEST(MatMul, BoolIsAnError) {
  EXPECT_THROW(infer_op("MatMul", {in(Tensor(DType::Bool, {2, 2})), in(Tensor(DType::Bool, {2, 2}))}), Error);
}

TEST(MatMul, BatchMismatchIsAnError) {
  EXPECT_THROW(infer_op("MatMul", {in(Tensor(DType::F32, {2, 2, 2})), in(Tensor(DType::F32, {3, 2, 2}))}), Error);
}

// Gemm: A [2,3], B [3,2] (or transposed), C broadcast.
const std::vector<float> kA{1, 2, 3, 4, 5, 6};       // [[1,2,3],[4,5,6]]
const std::vector<float> kAt{1, 4, 2, 5, 3, 6};      // A transposed, [3,2]
const std::vector<float> kB{1, 0, 0, 1, 1, 1};       // [[1,0],[0,1],[1,1]]
const std::vector<float> kBt{1, 0, 1, 0, 1, 1};      // B transposed, [2,3]
// A·B = [[4,5],[10,11]]

TEST(Gemm, PlainProduct) {
  auto y = run_op("Gemm", {in(f32(kA, {2, 3})), in(f32(kB, {3, 2}))});
  expect_all_near(values_f32(y[0]), {4, 5, 10, 11});
}

TEST(Gemm, TransposesAlphaBetaAndRowBias) {
  Attrs at{{"transA", int64_t{1}}, {"transB", int64_t{1}}, {"alpha", 2.0}, {"beta", 0.5}};
  auto y = run_op("Gemm", {in(f32(kAt, {3, 2})), in(f32(kBt, {2, 3})), in(f32({10, 20}, {2}))}, at);
  ASSERT_EQ(y[0].shape(), (Shape{2, 2}));
  expect_all_near(values_f32(y[0]), {8 + 5, 10 + 10, 20 + 5, 22 + 10});
}

TEST(Gemm, ColumnAndScalarBias) {
  auto y = run_op("Gemm", {in(f32(kA, {2, 3})), in(f32(kB, {3, 2})), in(f32({1, -1}, {2, 1}))});
  expect_all_near(values_f32(y[0]), {5, 6, 9, 10});
  auto z = run_op("Gemm", {in(f32(kA, {2, 3})), in(f32(kB, {3, 2})), in(f32({100}, {}))}, {{"beta", 0.0}});
  expect_all_near(values_f32(z[0]), {4, 5, 10, 11});
}

TEST(Gemm, OnlyTransB) {
  auto y = run_op("Gemm", {in(f32(kA, {2, 3})), in(f32(kBt, {2, 3}))}, {{"transB", int64_t{1}}});
  expect_all_near(values_f32(y[0]), {4, 5, 10, 11});
}

TEST(Gemm, BadBiasShapeIsAnError) {
  EXPECT_THROW(infer_op("Gemm", {in(f32(kA, {2, 3})), in(f32(kB, {3, 2})), in(f32({1, 2, 3}, {3}))}), Error);
}

TEST(Gemm, InnerMismatchIsAnError) {
  EXPECT_THROW(infer_op("Gemm", {in(f32(kA, {2, 3})), in(f32(kB, {3, 2}))}, {{"transA", int64_t{1}}}), Error);
}

Attrs eq(const std::string& e) { return {{"equation", e}}; }

TEST(Einsum, MatrixProduct) {
  auto y = run_op("Einsum", {in(f32(kA, {2, 3})), in(f32(kB, {3, 2}))}, eq("ij,jk->ik"));
  expect_all_near(values_f32(y[0]), {4, 5, 10, 11});
}

TEST(Einsum, ImplicitOutputIsSortedFreeLabels) {
  // "ij,jk" -> "ik"; "ba,ac" -> "bc" (labels sorted: b < c).
  auto y = run_op("Einsum", {in(f32(kA, {2, 3})), in(f32(kB, {3, 2}))}, eq("ij,jk"));
  expect_all_near(values_f32(y[0]), {4, 5, 10, 11});
  auto z = run_op("Einsum", {in(f32(kB, {3, 2})), in(f32(kA, {2, 3}))}, eq("kj,ji"));
  // sum_j B[k,j] A[j,i] with output "ik": (A^T B^T)... = (B·A)^T
  // B·A = [[1,2,3],[4,5,6],[5,7,9]] -> transposed [3,3]
  ASSERT_EQ(z[0].shape(), (Shape{3, 3}));
  expect_all_near(values_f32(z[0]), {1, 4, 5, 2, 5, 7, 3, 6, 9});
}

TEST(Einsum, BatchedMatmul) {
  const auto a = pseudo_random(2 * 3 * 4, 7), b = pseudo_random(2 * 4 * 5, 8);
  auto y = run_op("Einsum", {in(f32(a, {2, 3, 4})), in(f32(b, {2, 4, 5}))}, eq("bij,bjk->bik"));
  expect_all_near(values_f32(y[0]), ref_bmm(a, b, 2, 3, 4, 5));
}

TEST(Einsum, EllipsisBroadcastsBatchDims) {
  // [2,2,3] x [3,2] with "...ij,jk->...ik"
  const auto a = pseudo_random(12, 9);
  auto y = run_op("Einsum", {in(f32(a, {2, 2, 3})), in(f32(kB, {3, 2}))}, eq("...ij,jk->...ik"));
  ASSERT_EQ(y[0].shape(), (Shape{2, 2, 2}));
  std::vector<float> bb(kB.begin(), kB.end());
  auto r0 = ref_bmm(std::vector<float>(a.begin(), a.begin() + 6), bb, 1, 2, 3, 2);
  auto r1 = ref_bmm(std::vector<float>(a.begin() + 6, a.end()), bb, 1, 2, 3, 2);
  r0.insert(r0.end(), r1.begin(), r1.end());
  expect_all_near(values_f32(y[0]), r0);
}

TEST(Einsum, OneOperandForms) {
  const Tensor m = f32({1, 2, 3, 4, 5, 6, 7, 8, 9}, {3, 3});
  expect_all_near(values_f32(run_op("Einsum", {in(m)}, eq("ij->ji"))[0]), {1, 4, 7, 2, 5, 8, 3, 6, 9});
  expect_all_near(values_f32(run_op("Einsum", {in(m)}, eq("ij->i"))[0]), {6, 15, 24});
  expect_all_near(values_f32(run_op("Einsum", {in(m)}, eq("ij->j"))[0]), {12, 15, 18});
  expect_all_near(values_f32(run_op("Einsum", {in(m)}, eq("ii->i"))[0]), {1, 5, 9});
  auto trace = run_op("Einsum", {in(m)}, eq("ii"));
  EXPECT_EQ(trace[0].shape(), (Shape{}));
  expect_all_near(values_f32(trace[0]), {15});
  expect_all_near(values_f32(run_op("Einsum", {in(m)}, eq("ij->"))[0]), {45});
}

TEST(Einsum, OuterAndInnerProducts) {
  auto outer = run_op("Einsum", {in(f32({1, 2}, {2})), in(f32({3, 4, 5}, {3}))}, eq("i,j->ij"));
  ASSERT_EQ(outer[0].shape(), (Shape{2, 3}));
  expect_all_near(values_f32(outer[0]), {3, 4, 5, 6, 8, 10});
  auto dot = run_op("Einsum", {in(f32(kA, {2, 3})), in(f32(kA, {2, 3}))}, eq("ij,ij->"));
  expect_all_near(values_f32(dot[0]), {91});
  auto rows = run_op("Einsum", {in(f32(kA, {2, 3})), in(f32(kA, {2, 3}))}, eq("ij, ij -> i"));
  expect_all_near(values_f32(rows[0]), {14, 77});
}

TEST(Einsum, IntegerOperands) {
  auto y = run_op("Einsum", {in(i64({1, 2, 3, 4}, {2, 2})), in(i64({1, 1}, {2}))}, eq("ij,j->i"));
  EXPECT_EQ(values_i64(y[0]), (std::vector<int64_t>{3, 7}));
}

TEST(Einsum, ThreeOperandsIsAnErrorNamingTheEquation) {
  try {
    infer_op("Einsum", {in(f32({1, 2}, {2})), in(f32({1, 2}, {2})), in(f32({1, 2}, {2}))}, eq("i,i,i->"));
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'i,i,i->'"), std::string::npos) << e.what();
  }
}

TEST(Einsum, MalformedEquationsAreErrors) {
  EXPECT_THROW(infer_op("Einsum", {in(f32(kA, {2, 3}))}, eq("ijk->i")), Error);    // rank mismatch
  EXPECT_THROW(infer_op("Einsum", {in(f32(kA, {2, 3}))}, eq("ij->k")), Error);     // unknown output label
  EXPECT_THROW(infer_op("Einsum", {in(f32(kA, {2, 3}))}, eq("ij->ii")), Error);    // repeated output label
  EXPECT_THROW(infer_op("Einsum", {in(f32(kA, {2, 3}))}, eq("i1->i")), Error);     // bad character
  EXPECT_THROW(infer_op("Einsum", {in(f32(kA, {2, 3})), in(f32(kA, {2, 3}))}, eq("ij,jk->ik")), Error);  // sizes
}

}  // namespace
}  // namespace tessera::testing
