// Known-answer tests of the executor on hand-built kernels.
#include <gtest/gtest.h>

#include <cmath>

#include "tessera/exec/executor.h"
#include "tessera/pattern/builder.h"
#include "tessera/support/error.h"

namespace tessera {
namespace {

using namespace pattern;

Tensor iota_f32(Shape s, float scale = 1.0f, float offset = 0.0f) {
  Tensor t(DType::F32, s);
  for (int64_t i = 0; i < t.size(); ++i) t.data<float>()[i] = offset + scale * static_cast<float>(i % 97);
  return t;
}

TEST(Exec, SoftmaxRows) {
  const int64_t R = 3, C = 300;  // C > kChunk exercises chunking
  KernelBuilder b("softmax");
  TensorId x = b.input("x", DType::F32, {R, C}), y = b.output("y", DType::F32, {R, C});
  VarId i = b.var("i"), j = b.var("j"), j1 = b.var("j"), j2 = b.var("j");
  b.map({{i, R}}, [&] {
    E m = b.let("m", b.reduce(ReduceOp::Max, {{j, C}}, b.read(x, {b.idx(i), b.idx(j)})));
    E s = b.let("s", b.reduce(ReduceOp::Add, {{j1, C}}, exp(b.read(x, {b.idx(i), b.idx(j1)}) - m)));
    b.map({{j2, C}}, [&] { b.store(y, {b.idx(i), b.idx(j2)}, exp(b.read(x, {b.idx(i), b.idx(j2)}) - m) / s); });
  });
  Kernel k = b.finish();
  Tensor in = iota_f32({R, C}, 0.01f), out(DType::F32, {R, C});
  exec::run_kernel(k, {in, out});
  for (int64_t r = 0; r < R; ++r) {
    double mx = -1e30, sum = 0;
    for (int64_t c = 0; c < C; ++c) mx = std::max(mx, (double)in.data<float>()[r * C + c]);
    for (int64_t c = 0; c < C; ++c) sum += std::exp(in.data<float>()[r * C + c] - mx);
    for (int64_t c = 0; c < C; ++c)
      EXPECT_NEAR(out.data<float>()[r * C + c], std::exp(in.data<float>()[r * C + c] - mx) / sum, 1e-6);
  }
}

Kernel matmul_kernel(int64_t M, int64_t K, int64_t N, bool with_bias) {
  KernelBuilder b("matmul");
  TensorId a = b.input("a", DType::F32, {M, K}), w = b.input("w", DType::F32, {K, N});
  TensorId bias = with_bias ? b.input("bias", DType::F32, {N}) : -1;
  TensorId c = b.output("c", DType::F32, {M, N});
  VarId i = b.var("i"), j = b.var("j"), k = b.var("k");
  b.map({{i, M}, {j, N}}, [&] {
    E r = b.reduce(ReduceOp::Add, {{k, K}}, b.read(a, {b.idx(i), b.idx(k)}) * b.read(w, {b.idx(k), b.idx(j)}));
    if (with_bias) r = r + b.read(bias, {b.idx(j)});
    b.store(c, {b.idx(i), b.idx(j)}, r);
  });
  return b.finish();
}

void check_matmul(int64_t M, int64_t K, int64_t N, bool with_bias) {
  Kernel k = matmul_kernel(M, K, N, with_bias);
  Tensor a = iota_f32({M, K}, 0.1f, -2.0f), w = iota_f32({K, N}, 0.05f, -1.0f), bias = iota_f32({N}, 1.0f);
  Tensor c(DType::F32, {M, N});
  if (with_bias) exec::run_kernel(k, {a, w, bias, c});
  else exec::run_kernel(k, {a, w, c});
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double ref = with_bias ? bias.data<float>()[j] : 0.0;
      for (int64_t kk = 0; kk < K; ++kk) ref += (double)a.data<float>()[i * K + kk] * w.data<float>()[kk * N + j];
      EXPECT_NEAR(c.data<float>()[i * N + j], ref, 1e-3 * std::max(1.0, std::fabs(ref))) << i << "," << j;
    }
}

TEST(Exec, MatmulSmall) { check_matmul(3, 5, 4, false); }
TEST(Exec, MatmulLargeWithBias) { check_matmul(64, 300, 70, true); }

TEST(Exec, GatherWithDataDependentIndex) {
  KernelBuilder b("gather");
  TensorId x = b.input("x", DType::F32, {4, 3}), idx = b.input("idx", DType::I64, {5});
  TensorId y = b.output("y", DType::F32, {5, 3});
  b.map_shape({5, 3}, [&](const std::vector<E>& i) {
    E r = b.read(idx, {i[0]});
    E row = select(lt(r, iconst(0)), r + 4.0, r);
    b.store(y, i, b.read(x, {row, i[1]}));
  });
  Kernel k = b.finish();
  Tensor xs = iota_f32({4, 3}), is = Tensor::from_i64({3, 0, -1, 1, 3}, {5}), out(DType::F32, {5, 3});
  exec::run_kernel(k, {xs, is, out});
  const int64_t rows[] = {3, 0, 3, 1, 3};
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 3; ++c) EXPECT_EQ(out.data<float>()[r * 3 + c], rows[r] * 3 + c);
  Tensor bad = Tensor::from_i64({0, 7, 0, 0, 0}, {5});
  EXPECT_THROW(exec::run_kernel(k, {xs, bad, out}), Error);
}

TEST(Exec, ScatterAddGroupBy) {
  KernelBuilder b("scatter_add");
  TensorId keys = b.input("keys", DType::I64, {6}), vals = b.input("vals", DType::I32, {6});
  TensorId y = b.output("y", DType::I32, {3});
  b.map_shape({6}, [&](const std::vector<E>& i) {
    b.accumulate(y, {b.read(keys, {i[0]})}, ReduceOp::Add, b.read(vals, {i[0]}));
  });
  Kernel k = b.finish();
  Tensor ks = Tensor::from_i64({0, 2, 2, 1, 0, 2}, {6}), vs(DType::I32, {6}), out(DType::I32, {3});
  for (int i = 0; i < 6; ++i) vs.data<int32_t>()[i] = i + 1;
  exec::run_kernel(k, {ks, vs, out});
  EXPECT_EQ(out.data<int32_t>()[0], 1 + 5);
  EXPECT_EQ(out.data<int32_t>()[1], 4);
  EXPECT_EQ(out.data<int32_t>()[2], 2 + 3 + 6);
}

TEST(Exec, ScanInclusiveAndExclusive) {
  for (bool exclusive : {false, true}) {
    KernelBuilder b("cumsum");
    TensorId x = b.input("x", DType::I64, {2, 4}), y = b.output("y", DType::I64, {2, 4});
    VarId i = b.var("i"), j = b.var("j");
    b.map({{i, 2}}, [&] {
      b.scan(ReduceOp::Add, {j, 4}, y, {b.idx(i), b.idx(j)}, b.read(x, {b.idx(i), b.idx(j)}), exclusive);
    });
    Kernel k = b.finish();
    Tensor xs = Tensor::from_i64({1, 2, 3, 4, 10, 20, 30, 40}, {2, 4}), out(DType::I64, {2, 4});
    exec::run_kernel(k, {xs, out});
    std::vector<int64_t> want = exclusive ? std::vector<int64_t>{0, 1, 3, 6, 0, 10, 30, 60}
                                          : std::vector<int64_t>{1, 3, 6, 10, 10, 30, 60, 100};
    EXPECT_EQ(out.to_i64_vector(), want);
  }
}

TEST(Exec, FoldCarriesStateThroughLocal) {
  // h_t = 0.5 * h_{t-1} + x_t, stored for every t.
  KernelBuilder b("recurrence");
  TensorId x = b.input("x", DType::F32, {4, 2}), y = b.output("y", DType::F32, {4, 2});
  TensorId h = b.local("h", DType::F32, {2});
  VarId t = b.var("t"), j = b.var("j"), j1 = b.var("j");
  b.fold({{t, 4}}, [&] {
    b.map({{j, 2}}, [&] { b.store(h, {b.idx(j)}, b.read(h, {b.idx(j)}) * 0.5 + b.read(x, {b.idx(t), b.idx(j)})); });
    b.map({{j1, 2}}, [&] { b.store(y, {b.idx(t), b.idx(j1)}, b.read(h, {b.idx(j1)})); });
  });
  Kernel k = b.finish();
  Tensor xs = Tensor::from_f32({1, 2, 1, 2, 1, 2, 1, 2}, {4, 2}), out(DType::F32, {4, 2});
  exec::run_kernel(k, {xs, out});
  EXPECT_FLOAT_EQ(out.data<float>()[6], 1 + 0.5 + 0.25 + 0.125);
  EXPECT_FLOAT_EQ(out.data<float>()[7], 2 * (1 + 0.5 + 0.25 + 0.125));
}

TEST(Exec, IntegerSemantics) {
  KernelBuilder b("intops");
  TensorId a = b.input("a", DType::I32, {4}), c = b.input("c", DType::I32, {4});
  TensorId q = b.output("q", DType::I32, {4}), m = b.output("m", DType::I32, {4}), f = b.output("f", DType::I32, {4});
  b.map_shape({4}, [&](const std::vector<E>& i) {
    E x = b.read(a, i), y = b.read(c, i);
    b.store(q, i, x / y);
    b.store(m, i, binary(BinOp::Mod, x, y));
    b.store(f, i, binary(BinOp::FMod, x, y));
  });
  Kernel k = b.finish();
  Tensor as(DType::I32, {4}), cs(DType::I32, {4}), qs(DType::I32, {4}), ms(DType::I32, {4}), fs(DType::I32, {4});
  int32_t av[] = {7, -7, 7, -7}, cv[] = {3, 3, -3, -3};
  for (int i = 0; i < 4; ++i) { as.data<int32_t>()[i] = av[i]; cs.data<int32_t>()[i] = cv[i]; }
  exec::run_kernel(k, {as, cs, qs, ms, fs});
  EXPECT_EQ(qs.to_i64_vector(), (std::vector<int64_t>{2, -2, -2, 2}));
  EXPECT_EQ(ms.to_i64_vector(), (std::vector<int64_t>{1, 2, -2, -1}));
  EXPECT_EQ(fs.to_i64_vector(), (std::vector<int64_t>{1, -1, 1, -1}));
}

}  // namespace
}  // namespace tessera
