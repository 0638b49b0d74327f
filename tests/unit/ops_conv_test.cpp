// Known-answer tests for Conv, ConvTranspose and the pools. Small cases are
// worked out by hand; general 2-D cases are checked against naive loops written
// here (ConvTranspose's in scatter form, unlike the lowering's gather form).
#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "op_test_util.h"
#include "tessera/support/error.h"

namespace tessera::testing {
namespace {

using graph::Attr;
using Attrs = std::map<std::string, Attr>;
using Ints = std::vector<int64_t>;

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

std::vector<float> iota(size_t n, float from = 1) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = from + static_cast<float>(i);
  return v;
}

// ---- 2-D reference convolution -------------------------------------------

struct Conv2d {
  int64_t n = 1, c = 1, h = 5, w = 5, m = 1, kh = 3, kw = 3, group = 1;
  std::array<int64_t, 2> stride{1, 1}, dil{1, 1};
  std::array<int64_t, 4> pads{0, 0, 0, 0};  // top, left, bottom, right
  bool bias = false;
  int64_t oh() const { return (h + pads[0] + pads[2] - ((kh - 1) * dil[0] + 1)) / stride[0] + 1; }
  int64_t ow() const { return (w + pads[1] + pads[3] - ((kw - 1) * dil[1] + 1)) / stride[1] + 1; }
  Attrs attrs() const {
    return {{"group", group}, {"strides", Ints{stride[0], stride[1]}}, {"dilations", Ints{dil[0], dil[1]}},
            {"pads", Ints{pads[0], pads[1], pads[2], pads[3]}}};
  }
};

std::vector<float> ref_conv2d(const Conv2d& p, const std::vector<float>& x, const std::vector<float>& w,
                              const std::vector<float>& b) {
  const int64_t oh = p.oh(), ow = p.ow(), cg = p.c / p.group, mg = p.m / p.group;
  std::vector<float> y(static_cast<size_t>(p.n * p.m * oh * ow));
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t m = 0; m < p.m; ++m)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double s = p.bias ? b[m] : 0.0;
          const int64_t g = m / mg;
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t a = 0; a < p.kh; ++a)
              for (int64_t e = 0; e < p.kw; ++e) {
                const int64_t r = i * p.stride[0] + a * p.dil[0] - p.pads[0];
                const int64_t q = j * p.stride[1] + e * p.dil[1] - p.pads[1];
                if (r < 0 || r >= p.h || q < 0 || q >= p.w) continue;
                s += x[((n * p.c + g * cg + c) * p.h + r) * p.w + q] * w[((m * cg + c) * p.kh + a) * p.kw + e];
              }
          y[((n * p.m + m) * oh + i) * ow + j] = static_cast<float>(s);
        }
  return y;
}

void check_conv2d(const Conv2d& p, uint32_t seed, float tol = 1e-4f) {
  const auto x = pseudo_random(p.n * p.c * p.h * p.w, seed);
  const auto w = pseudo_random(p.m * (p.c / p.group) * p.kh * p.kw, seed + 1);
  const auto b = pseudo_random(p.m, seed + 2);
  std::vector<OpInput> ins{in(f32(x, {p.n, p.c, p.h, p.w})), in(f32(w, {p.m, p.c / p.group, p.kh, p.kw}))};
  if (p.bias) ins.push_back(in(f32(b, {p.m})));
  auto y = run_op("Conv", ins, p.attrs());
  ASSERT_EQ(y[0].shape(), (Shape{p.n, p.m, p.oh(), p.ow()}));
  expect_all_near(values_f32(y[0]), ref_conv2d(p, x, w, b), tol);
}

TEST(Conv, TwoByTwoOnesKernel) {
  auto y = run_op("Conv", {in(f32(iota(9), {1, 1, 3, 3})), in(f32({1, 1, 1, 1}, {1, 1, 2, 2}))});
  ASSERT_EQ(y[0].shape(), (Shape{1, 1, 2, 2}));
  expect_all_near(values_f32(y[0]), {12, 16, 24, 28});
}

TEST(Conv, PadOneStrideTwoByHand) {
  // Every output window covers a 2x2 corner of the 3x3 input; the rest is padding.
  auto y = run_op("Conv", {in(f32(iota(9), {1, 1, 3, 3})), in(f32(std::vector<float>(9, 1), {1, 1, 3, 3}))},
                  {{"pads", Ints{1, 1, 1, 1}}, {"strides", Ints{2, 2}}});
  expect_all_near(values_f32(y[0]), {12, 16, 24, 28});
}

TEST(Conv, BiasIsAddedPerOutputChannel) {
  auto y = run_op("Conv", {in(f32(iota(4), {1, 1, 2, 2})), in(f32({1, 2}, {2, 1, 1, 1})), in(f32({10, 20}, {2}))});
  expect_all_near(values_f32(y[0]), {11, 12, 13, 14, 22, 24, 26, 28});
}

TEST(Conv, StridePadDilationAgainstLoops) {
  Conv2d p;
  p.n = 2, p.c = 3, p.h = 7, p.w = 6, p.m = 4, p.kh = 3, p.kw = 2;
  p.stride = {2, 1}, p.dil = {1, 2}, p.pads = {1, 0, 2, 1}, p.bias = true;
  check_conv2d(p, 10);
}

TEST(Conv, GroupsAgainstLoops) {
  Conv2d p;
  p.n = 1, p.c = 4, p.h = 5, p.w = 5, p.m = 6, p.group = 2, p.pads = {1, 1, 1, 1}, p.bias = true;
  check_conv2d(p, 20);
}

TEST(Conv, DepthwiseAgainstLoops) {
  Conv2d p;
  p.n = 2, p.c = 3, p.h = 6, p.w = 4, p.m = 6, p.group = 3, p.stride = {2, 2}, p.pads = {1, 1, 1, 1};
  check_conv2d(p, 30);
}

TEST(Conv, LargeTakesBlasPathAndMatchesLoops) {
  Conv2d p;
  p.n = 2, p.c = 8, p.h = 12, p.w = 12, p.m = 16, p.pads = {1, 1, 1, 1}, p.bias = true;
  check_conv2d(p, 40, 1e-3f);
}

TEST(Conv, LargeGroupedWithPaddingMatchesLoops) {
  Conv2d p;
  p.n = 1, p.c = 8, p.h = 14, p.w = 10, p.m = 8, p.group = 4, p.stride = {2, 1}, p.pads = {2, 0, 1, 2},
  p.dil = {2, 1};
  check_conv2d(p, 50, 1e-3f);
}

TEST(Conv, OneDimensionalStrideAndDilation) {
  // x = 1..7, w = [1, -1], dilation 2, stride 2: y[o] = x[2o] - x[2o+2]
  auto y = run_op("Conv", {in(f32(iota(7), {1, 1, 7})), in(f32({1, -1}, {1, 1, 2}))},
                  {{"strides", Ints{2}}, {"dilations", Ints{2}}});
  ASSERT_EQ(y[0].shape(), (Shape{1, 1, 3}));
  expect_all_near(values_f32(y[0]), {-2, -2, -2});
}

TEST(Conv, AutoPadSameUpperAndLower) {
  // Length 4, kernel 2: one pad element, at the end (UPPER) or the start (LOWER).
  const Tensor x = f32({1, 2, 3, 4}, {1, 1, 4}), w = f32({1, 10}, {1, 1, 2});
  auto up = run_op("Conv", {in(x), in(w)}, {{"auto_pad", std::string("SAME_UPPER")}});
  expect_all_near(values_f32(up[0]), {21, 32, 43, 4});
  auto low = run_op("Conv", {in(x), in(w)}, {{"auto_pad", std::string("SAME_LOWER")}});
  expect_all_near(values_f32(low[0]), {10, 21, 32, 43});
  auto valid = run_op("Conv", {in(x), in(w)}, {{"auto_pad", std::string("VALID")}});
  expect_all_near(values_f32(valid[0]), {21, 32, 43});
}

TEST(Conv, AutoPadSameWithStride) {
  // Length 5, kernel 3, stride 2: out = ceil(5/2) = 3, total pad = 2*2 + 3 - 5 = 2 (1 each side).
  auto y = run_op("Conv", {in(f32(iota(5), {1, 1, 5})), in(f32({1, 1, 1}, {1, 1, 3}))},
                  {{"auto_pad", std::string("SAME_UPPER")}, {"strides", Ints{2}}});
  expect_all_near(values_f32(y[0]), {3, 9, 9});
}

TEST(Conv, ThreeDimensional) {
  // 2x2x2 ones kernel over 1..27 (3x3x3) -> 2x2x2 of window sums.
  auto y = run_op("Conv", {in(f32(iota(27), {1, 1, 3, 3, 3})), in(f32(std::vector<float>(8, 1), {1, 1, 2, 2, 2}))});
  ASSERT_EQ(y[0].shape(), (Shape{1, 1, 2, 2, 2}));
  // window at (0,0,0): 1+2+4+5 + 10+11+13+14 = 60; each step in w adds 8, h adds 24, d adds 72.
  expect_all_near(values_f32(y[0]), {60, 68, 84, 92, 132, 140, 156, 164});
}

TEST(Conv, Float64) {
  auto y = run_op("Conv", {in(f32(iota(9), {1, 1, 3, 3}).cast(DType::F64)),
                           in(f32({1, 1, 1, 1}, {1, 1, 2, 2}).cast(DType::F64))});
  EXPECT_EQ(y[0].dtype(), DType::F64);
  expect_all_near(values_f32(y[0]), {12, 16, 24, 28});
}

TEST(Conv, EmptyBatchGivesAnEmptyOutput) {
  auto y = run_op("Conv", {in(Tensor(DType::F32, {0, 2, 4, 4})), in(f32(std::vector<float>(18, 1), {1, 2, 3, 3}))},
                  {{"pads", Ints{1, 1, 1, 1}}});
  EXPECT_EQ(y[0].shape(), (Shape{0, 1, 4, 4}));
}

TEST(Conv, ChannelMismatchIsAnError) {
  try {
    infer_op("Conv", {in(Tensor(DType::F32, {1, 3, 5, 5})), in(Tensor(DType::F32, {2, 2, 3, 3}))});
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("channels"), std::string::npos) << e.what();
  }
}

TEST(Conv, GroupMismatchIsAnError) {
  // 4 channels, group 2, W's dim 1 = 2 fits, but 3 output channels do not split into 2 groups.
  EXPECT_THROW(infer_op("Conv", {in(Tensor(DType::F32, {1, 4, 5, 5})), in(Tensor(DType::F32, {3, 2, 3, 3}))},
                        {{"group", int64_t{2}}}),
               Error);
  EXPECT_THROW(infer_op("Conv", {in(Tensor(DType::F32, {1, 4, 5, 5})), in(Tensor(DType::F32, {4, 4, 3, 3}))},
                        {{"group", int64_t{2}}}),
               Error);
}

TEST(Conv, BadAttributesAreErrors) {
  const OpInput x = in(Tensor(DType::F32, {1, 1, 5, 5})), w = in(Tensor(DType::F32, {1, 1, 3, 3}));
  EXPECT_THROW(infer_op("Conv", {x, w}, {{"pads", Ints{1, 1}}}), Error);
  EXPECT_THROW(infer_op("Conv", {x, w}, {{"strides", Ints{0, 1}}}), Error);
  EXPECT_THROW(infer_op("Conv", {x, w}, {{"auto_pad", std::string("SAME")}}), Error);
  EXPECT_THROW(infer_op("Conv", {x, w}, {{"kernel_shape", Ints{2, 2}}}), Error);
  EXPECT_THROW(infer_op("Conv", {in(Tensor(DType::F32, {1, 1, 2, 2})), w}), Error);  // kernel > input
  EXPECT_THROW(infer_op("Conv", {x, w, in(Tensor(DType::F32, {2}))}), Error);         // bias size
}

// ---- ConvTranspose --------------------------------------------------------

struct Deconv2d {
  int64_t n = 1, c = 2, h = 3, w = 3, mg = 2, kh = 3, kw = 3, group = 1;
  std::array<int64_t, 2> stride{1, 1}, dil{1, 1}, out_pad{0, 0};
  std::array<int64_t, 4> pads{0, 0, 0, 0};
  int64_t oh() const { return stride[0] * (h - 1) + out_pad[0] + (kh - 1) * dil[0] + 1 - pads[0] - pads[2]; }
  int64_t ow() const { return stride[1] * (w - 1) + out_pad[1] + (kw - 1) * dil[1] + 1 - pads[1] - pads[3]; }
};

// Scatter form: every input element adds x * w into the outputs it reaches.
std::vector<float> ref_deconv2d(const Deconv2d& p, const std::vector<float>& x, const std::vector<float>& w,
                                const std::vector<float>& b) {
  const int64_t oh = p.oh(), ow = p.ow(), cg = p.c / p.group, m = p.mg * p.group;
  std::vector<double> y(static_cast<size_t>(p.n * m * oh * ow), 0.0);
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t o = 0; o < m; ++o)
      for (int64_t i = 0; i < oh * ow; ++i) y[(n * m + o) * oh * ow + i] = b[o];
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t c = 0; c < p.c; ++c)
      for (int64_t i = 0; i < p.h; ++i)
        for (int64_t j = 0; j < p.w; ++j)
          for (int64_t mm = 0; mm < p.mg; ++mm)
            for (int64_t a = 0; a < p.kh; ++a)
              for (int64_t e = 0; e < p.kw; ++e) {
                const int64_t r = i * p.stride[0] + a * p.dil[0] - p.pads[0];
                const int64_t q = j * p.stride[1] + e * p.dil[1] - p.pads[1];
                if (r < 0 || r >= oh || q < 0 || q >= ow) continue;
                const int64_t o = (c / cg) * p.mg + mm;
                y[((n * m + o) * oh + r) * ow + q] +=
                    x[((n * p.c + c) * p.h + i) * p.w + j] * w[((c * p.mg + mm) * p.kh + a) * p.kw + e];
              }
  return std::vector<float>(y.begin(), y.end());
}

void check_deconv2d(const Deconv2d& p, uint32_t seed, float tol = 1e-4f) {
  const auto x = pseudo_random(p.n * p.c * p.h * p.w, seed);
  const auto w = pseudo_random(p.c * p.mg * p.kh * p.kw, seed + 1);
  const auto b = pseudo_random(p.mg * p.group, seed + 2);
  Attrs at{{"group", p.group},
           {"strides", Ints{p.stride[0], p.stride[1]}},
           {"dilations", Ints{p.dil[0], p.dil[1]}},
           {"output_padding", Ints{p.out_pad[0], p.out_pad[1]}},
           {"pads", Ints{p.pads[0], p.pads[1], p.pads[2], p.pads[3]}}};
  auto y = run_op("ConvTranspose",
                  {in(f32(x, {p.n, p.c, p.h, p.w})), in(f32(w, {p.c, p.mg, p.kh, p.kw})), in(f32(b, {p.mg * p.group}))},
                  at);
  ASSERT_EQ(y[0].shape(), (Shape{p.n, p.mg * p.group, p.oh(), p.ow()}));
  expect_all_near(values_f32(y[0]), ref_deconv2d(p, x, w, b), tol);
}

TEST(ConvTranspose, OneDimensionalByHand) {
  const Tensor ones3 = f32({1, 1, 1}, {1, 1, 3});
  expect_all_near(values_f32(run_op("ConvTranspose", {in(f32({1, 2, 3}, {1, 1, 3})), in(ones3)})[0]),
                  {1, 3, 6, 5, 3});
  const Tensor x = f32({1, 2}, {1, 1, 2});
  expect_all_near(values_f32(run_op("ConvTranspose", {in(x), in(ones3)}, {{"strides", Ints{2}}})[0]),
                  {1, 1, 3, 2, 2});
  expect_all_near(
      values_f32(run_op("ConvTranspose", {in(x), in(ones3)}, {{"strides", Ints{2}}, {"output_padding", Ints{1}}})[0]),
      {1, 1, 3, 2, 2, 0});
  expect_all_near(values_f32(run_op("ConvTranspose", {in(x), in(ones3)}, {{"strides", Ints{2}}, {"pads", Ints{1, 1}}})[0]),
                  {1, 3, 2});
}

TEST(ConvTranspose, OutputShapeSetsThePads) {
  // Full length 5, asked for 4: total padding 1, put at the start (NOTSET/SAME_LOWER) or end (SAME_UPPER).
  const Tensor x = f32({1, 2}, {1, 1, 2}), w = f32({1, 1, 1}, {1, 1, 3});
  auto y = run_op("ConvTranspose", {in(x), in(w)}, {{"strides", Ints{2}}, {"output_shape", Ints{4}}});
  expect_all_near(values_f32(y[0]), {1, 3, 2, 2});
  auto u = run_op("ConvTranspose", {in(x), in(w)},
                  {{"strides", Ints{2}}, {"output_shape", Ints{4}}, {"auto_pad", std::string("SAME_UPPER")}});
  expect_all_near(values_f32(u[0]), {1, 1, 3, 2});
}

TEST(ConvTranspose, OutputShapeLargerThanFullPadsWithZeros) {
  // Full length 5; asking for 7 gives total padding -2, i.e. one extra (zero) output each side.
  const Tensor x = f32({1, 2}, {1, 1, 2}), w = f32({1, 1, 1}, {1, 1, 3});
  auto y = run_op("ConvTranspose", {in(x), in(w)}, {{"strides", Ints{2}}, {"output_shape", Ints{7}}});
  expect_all_near(values_f32(y[0]), {0, 1, 1, 3, 2, 2, 0});
  // A full [N, C, L] output_shape is accepted too; total -1 floors to pads (0, -1).
  auto z = run_op("ConvTranspose", {in(x), in(w)}, {{"strides", Ints{2}}, {"output_shape", Ints{1, 1, 6}}});
  expect_all_near(values_f32(z[0]), {1, 1, 3, 2, 2, 0});
}

TEST(ConvTranspose, AutoPadSameUpperDoublesTheLength) {
  // out = in * stride = 4; full = 5, so one element is cut from the end.
  auto y = run_op("ConvTranspose", {in(f32({1, 2}, {1, 1, 2})), in(f32({1, 1, 1}, {1, 1, 3}))},
                  {{"strides", Ints{2}}, {"auto_pad", std::string("SAME_UPPER")}});
  expect_all_near(values_f32(y[0]), {1, 1, 3, 2});
}

TEST(ConvTranspose, StrideTwoAgainstScatterLoops) {
  Deconv2d p;
  p.stride = {2, 2};
  check_deconv2d(p, 60);
}

TEST(ConvTranspose, PadsOutputPaddingDilationAgainstScatterLoops) {
  Deconv2d p;
  p.n = 2, p.h = 4, p.w = 3, p.kh = 3, p.kw = 2, p.stride = {2, 3}, p.dil = {2, 1}, p.out_pad = {1, 2};
  p.pads = {1, 0, 2, 1};
  check_deconv2d(p, 70);
}

TEST(ConvTranspose, GroupsAgainstScatterLoops) {
  Deconv2d p;
  p.c = 4, p.mg = 3, p.group = 2, p.stride = {2, 1}, p.pads = {1, 1, 0, 1};
  check_deconv2d(p, 80);
}

TEST(ConvTranspose, LargeMatchesScatterLoops) {
  Deconv2d p;
  p.n = 2, p.c = 8, p.h = 8, p.w = 8, p.mg = 8, p.stride = {2, 2}, p.pads = {1, 1, 1, 1}, p.out_pad = {1, 1};
  check_deconv2d(p, 90, 1e-3f);
}

TEST(ConvTranspose, ChannelMismatchIsAnError) {
  EXPECT_THROW(infer_op("ConvTranspose", {in(Tensor(DType::F32, {1, 3, 4, 4})), in(Tensor(DType::F32, {2, 2, 3, 3}))}),
               Error);
}

// ---- Pools -----------------------------------------------------------------

TEST(MaxPool, TwoByTwoStrideTwoWithIndices) {
  auto y = run_op("MaxPool", {in(f32(iota(16), {1, 1, 4, 4}))},
                  {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}, 2);
  ASSERT_EQ(y[0].shape(), (Shape{1, 1, 2, 2}));
  expect_all_near(values_f32(y[0]), {6, 8, 14, 16});
  EXPECT_EQ(y[1].dtype(), DType::I64);
  EXPECT_EQ(values_i64(y[1]), (std::vector<int64_t>{5, 7, 13, 15}));
}

TEST(MaxPool, CeilModeKeepsThePartialWindow) {
  auto y = run_op("MaxPool", {in(f32(iota(9), {1, 1, 3, 3}))},
                  {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}}, 2);
  ASSERT_EQ(y[0].shape(), (Shape{1, 1, 2, 2}));
  expect_all_near(values_f32(y[0]), {5, 6, 8, 9});
  EXPECT_EQ(values_i64(y[1]), (std::vector<int64_t>{4, 5, 7, 8}));
  auto floor = run_op("MaxPool", {in(f32(iota(9), {1, 1, 3, 3}))}, {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}});
  EXPECT_EQ(floor[0].shape(), (Shape{1, 1, 1, 1}));
}

TEST(MaxPool, PaddingNeverWinsEvenAgainstNegatives) {
  std::vector<float> x = iota(9);
  for (auto& v : x) v = -v;  // -1 .. -9
  auto y = run_op("MaxPool", {in(f32(x, {1, 1, 3, 3}))}, {{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}}, 2);
  expect_all_near(values_f32(y[0]), {-1, -1, -2, -1, -1, -2, -4, -4, -5});
  EXPECT_EQ(values_i64(y[1]), (std::vector<int64_t>{0, 0, 1, 0, 0, 1, 3, 3, 4}));
}

TEST(MaxPool, IndicesCountBatchAndChannelAndStorageOrder) {
  // Two channels of [[1,6,3],[4,2,5]] (+10 in channel 1): both 2x2 windows pick the 6 at (0,1).
  std::vector<float> x{1, 6, 3, 4, 2, 5, 11, 16, 13, 14, 12, 15};
  auto y = run_op("MaxPool", {in(f32(x, {1, 2, 2, 3}))}, {{"kernel_shape", Ints{2, 2}}}, 2);
  expect_all_near(values_f32(y[0]), {6, 6, 16, 16});
  EXPECT_EQ(values_i64(y[1]), (std::vector<int64_t>{1, 1, 7, 7}));
  auto c = run_op("MaxPool", {in(f32(x, {1, 2, 2, 3}))}, {{"kernel_shape", Ints{2, 2}}, {"storage_order", int64_t{1}}}, 2);
  EXPECT_EQ(values_i64(c[1]), (std::vector<int64_t>{2, 2, 8, 8}));  // h + w*H, + 6 per channel
}

TEST(MaxPool, DilationOneDimensional) {
  auto y = run_op("MaxPool", {in(f32({1, 5, 2, 4, 3}, {1, 1, 5}))}, {{"kernel_shape", Ints{2}}, {"dilations", Ints{2}}}, 2);
  expect_all_near(values_f32(y[0]), {2, 5, 3});
  EXPECT_EQ(values_i64(y[1]), (std::vector<int64_t>{2, 1, 4}));
}

TEST(MaxPool, IntegerTypes) {
  Tensor x(DType::I8, {1, 1, 4});
  const int64_t v[] = {-5, -3, -128, 7};
  for (int i = 0; i < 4; ++i) x.set_i64(i, v[i]);
  auto y = run_op("MaxPool", {in(x)}, {{"kernel_shape", Ints{2}}, {"pads", Ints{1, 1}}, {"strides", Ints{2}}});
  EXPECT_EQ(y[0].dtype(), DType::I8);
  EXPECT_EQ(values_i64(y[0]), (std::vector<int64_t>{-5, -3, 7}));
  Tensor u(DType::U8, {1, 1, 3});
  for (int i = 0; i < 3; ++i) u.set_i64(i, 200 + i * 20);
  EXPECT_EQ(values_i64(run_op("MaxPool", {in(u)}, {{"kernel_shape", Ints{2}}})[0]), (std::vector<int64_t>{220, 240}));
}

TEST(MaxPool, AutoPadSameLower) {
  // Length 4, kernel 2: the pad goes first, so y[o] = max(x[o-1], x[o]).
  auto y = run_op("MaxPool", {in(f32({3, 1, 4, 2}, {1, 1, 4}))},
                  {{"kernel_shape", Ints{2}}, {"auto_pad", std::string("SAME_LOWER")}});
  expect_all_near(values_f32(y[0]), {3, 3, 4, 4});
}

TEST(MaxPool, MissingKernelShapeIsAnError) {
  EXPECT_THROW(infer_op("MaxPool", {in(Tensor(DType::F32, {1, 1, 4, 4}))}), Error);
}

TEST(AveragePool, PaddingExcludedOrIncluded) {
  const Attrs base{{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}};
  auto ex = run_op("AveragePool", {in(f32(iota(9), {1, 1, 3, 3}))}, base);
  expect_all_near(values_f32(ex[0]), {3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7});
  Attrs inc = base;
  inc["count_include_pad"] = int64_t{1};
  auto y = run_op("AveragePool", {in(f32(iota(9), {1, 1, 3, 3}))}, inc);
  expect_all_near(values_f32(y[0]), {12 / 9.f, 21 / 9.f, 16 / 9.f, 27 / 9.f, 5, 33 / 9.f, 24 / 9.f, 39 / 9.f, 28 / 9.f});
}

TEST(AveragePool, CeilModeCountsOnlyRealElements) {
  auto y = run_op("AveragePool", {in(f32(iota(5), {1, 1, 5}))},
                  {{"kernel_shape", Ints{2}}, {"strides", Ints{2}}, {"ceil_mode", int64_t{1}}});
  expect_all_near(values_f32(y[0]), {1.5f, 3.5f, 5});
  // With pads and count_include_pad, the overhang past the end pad is still not counted.
  const Attrs at{{"kernel_shape", Ints{3}}, {"strides", Ints{2}}, {"pads", Ints{1, 1}}, {"ceil_mode", int64_t{1}}};
  auto ex = run_op("AveragePool", {in(f32(iota(4), {1, 1, 4}))}, at);
  expect_all_near(values_f32(ex[0]), {1.5f, 3, 4});
  Attrs inc = at;
  inc["count_include_pad"] = int64_t{1};
  auto y2 = run_op("AveragePool", {in(f32(iota(4), {1, 1, 4}))}, inc);
  expect_all_near(values_f32(y2[0]), {1, 3, 2});
}

TEST(AveragePool, IntegerInputIsAnError) {
  EXPECT_THROW(infer_op("AveragePool", {in(i64({1, 2, 3, 4}, {1, 1, 4}))}, {{"kernel_shape", Ints{2}}}), Error);
}

TEST(LpPool, PTwoAndPOne) {
  auto y = run_op("LpPool", {in(f32({3, -4, 0}, {1, 1, 3}))}, {{"kernel_shape", Ints{2}}});
  expect_all_near(values_f32(y[0]), {5, 4});
  auto z = run_op("LpPool", {in(f32({3, -4, 0}, {1, 1, 3}))}, {{"kernel_shape", Ints{2}}, {"p", int64_t{1}}});
  expect_all_near(values_f32(z[0]), {7, 4});
  auto c = run_op("LpPool", {in(f32({1, 2, 0}, {1, 1, 3}))}, {{"kernel_shape", Ints{2}}, {"p", int64_t{3}}});
  expect_all_near(values_f32(c[0]), {std::cbrt(9.0f), 2});
}

TEST(GlobalPools, AverageMaxAndLp) {
  const Tensor x = f32({1, 2, 3, 4, -1, -2, -3, -6}, {1, 2, 2, 2});
  auto avg = run_op("GlobalAveragePool", {in(x)});
  ASSERT_EQ(avg[0].shape(), (Shape{1, 2, 1, 1}));
  expect_all_near(values_f32(avg[0]), {2.5f, -3});
  expect_all_near(values_f32(run_op("GlobalMaxPool", {in(x)})[0]), {4, -1});
  expect_all_near(values_f32(run_op("GlobalLpPool", {in(x)})[0]), {std::sqrt(30.0f), std::sqrt(50.0f)});
}

}  // namespace
}  // namespace tessera::testing
