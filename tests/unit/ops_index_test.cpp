// Known-answer tests for the index family (Gather*, Scatter*, OneHot, Resize,
// Upsample, and the rejected NonZero/Unique): values worked out by hand from
// the ONNX spec (several are the spec's own examples).
#include <gtest/gtest.h>

#include "op_test_util.h"
#include "tessera/support/error.h"

namespace tessera::testing {
namespace {

using Attrs = std::map<std::string, graph::Attr>;
using Floats = std::vector<float>;
using Ints = std::vector<int64_t>;

Tensor ints(Ints v) { return i64(v, {static_cast<int64_t>(v.size())}); }
Tensor floats(Floats v) { return f32(v, {static_cast<int64_t>(v.size())}); }

template <typename F>
void expect_error(F f, std::initializer_list<std::string> needles) {
  try {
    f();
    ADD_FAILURE() << "expected a tessera::Error";
  } catch (const Error& e) {
    for (const auto& needle : needles)
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what() << "\n  lacks: " << needle;
  }
}

void expect_near(const Tensor& t, const Floats& expected, float tol = 1e-4f) {
  const Floats got = values_f32(t);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], tol) << "element " << i;
}

Tensor run1(const std::string& op, const std::vector<OpInput>& inputs, const Attrs& attrs = {}) {
  return run_op(op, inputs, attrs).at(0);
}

// ---- Gather family ----

TEST(OpsIndex, GatherAxis0WithNegativeIndices) {
  Tensor x = f32({1, 2, 3, 4, 5, 6}, {3, 2});
  Tensor y = run1("Gather", {in(x), in(i64({0, 1, 1, 2}, {2, 2}))});
  EXPECT_EQ(y.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(values_f32(y), (Floats{1, 2, 3, 4, 3, 4, 5, 6}));
  EXPECT_EQ(values_f32(run1("Gather", {in(x), in(ints({-1, 0}))})), (Floats{5, 6, 1, 2}));
}

TEST(OpsIndex, GatherAxis1ScalarAndI32Indices) {
  Tensor x = f32({0, 1, 2, 3, 4, 5, 6, 7, 8}, {3, 3});
  Tensor y = run1("Gather", {in(x), in(i64({0, -1}, {1, 2}))}, {{"axis", int64_t{1}}});
  EXPECT_EQ(y.shape(), (Shape{3, 1, 2}));
  EXPECT_EQ(values_f32(y), (Floats{0, 2, 3, 5, 6, 8}));
  Tensor s = run1("Gather", {in(x), in(Tensor::scalar_i64(-2))});
  EXPECT_EQ(s.shape(), Shape{3});
  EXPECT_EQ(values_f32(s), (Floats{3, 4, 5}));
  Tensor scalar = run1("Gather", {in(ints({10, 20, 30})), in(Tensor::scalar_i64(-1))});
  EXPECT_EQ(scalar.shape(), Shape{});
  EXPECT_EQ(values_i64(scalar), Ints{30});
  Tensor idx32 = ints({2, 0}).cast(DType::I32);
  EXPECT_EQ(values_i64(run1("Gather", {in(i64({10, 20, 30}, {3})), in(idx32)})), (Ints{30, 10}));
  expect_error([&] { infer_op("Gather", {in(x), in(floats({0}))}); }, {"integer type"});
}

TEST(OpsIndex, GatherElements) {
  Tensor a = run1("GatherElements", {in(f32({1, 2, 3, 4}, {2, 2})), in(i64({0, 0, 1, 0}, {2, 2}))},
                  {{"axis", int64_t{1}}});
  EXPECT_EQ(values_f32(a), (Floats{1, 1, 4, 3}));
  Tensor b = run1("GatherElements", {in(f32({1, 2, 3, 4, 5, 6, 7, 8, 9}, {3, 3})), in(i64({1, -1, 0, -1, 0, 0}, {2, 3}))});
  EXPECT_EQ(values_f32(b), (Floats{4, 8, 3, 7, 2, 3}));
}

TEST(OpsIndex, GatherND) {
  Tensor x = i64({0, 1, 2, 3}, {2, 2});
  EXPECT_EQ(values_i64(run1("GatherND", {in(x), in(i64({0, 0, 1, 1}, {2, 2}))})), (Ints{0, 3}));
  Tensor rows = run1("GatherND", {in(x), in(i64({1, -2}, {2, 1}))});
  EXPECT_EQ(rows.shape(), (Shape{2, 2}));
  EXPECT_EQ(values_i64(rows), (Ints{2, 3, 0, 1}));
  Tensor batched = run1("GatherND", {in(i64({0, 1, 2, 3, 4, 5, 6, 7}, {2, 2, 2})), in(i64({1, 0}, {2, 1}))},
                        {{"batch_dims", int64_t{1}}});
  EXPECT_EQ(batched.shape(), (Shape{2, 2}));
  EXPECT_EQ(values_i64(batched), (Ints{2, 3, 4, 5}));
  expect_error([&] { infer_op("GatherND", {in(x), in(i64({0, 0, 0}, {1, 3}))}); }, {"must be in 1..2"});
}

// ---- Scatter family ----

Tensor scatter_nd(const std::string& reduction, Tensor data, Tensor indices, Tensor updates) {
  return run1("ScatterND", {in(data), in(indices), in(updates)}, {{"reduction", reduction}});
}

TEST(OpsIndex, ScatterNDSpecExample) {
  Tensor y = scatter_nd("none", floats({1, 2, 3, 4, 5, 6, 7, 8}), i64({4, 3, 1, 7}, {4, 1}), floats({9, 10, 11, 12}));
  EXPECT_EQ(values_f32(y), (Floats{1, 11, 3, 10, 9, 6, 7, 12}));
  Tensor rows = scatter_nd("none", f32({0, 0, 0, 0}, {2, 2}), i64({-1}, {1, 1}), f32({5, 6}, {1, 2}));
  EXPECT_EQ(values_f32(rows), (Floats{0, 0, 5, 6}));
}

TEST(OpsIndex, ScatterNDReductions) {
  Tensor data = floats({1, 2, 3, 4});
  EXPECT_EQ(values_f32(scatter_nd("add", data, i64({0, 0}, {2, 1}), floats({5, 6}))), (Floats{12, 2, 3, 4}));
  EXPECT_EQ(values_f32(scatter_nd("mul", data, i64({1, -3}, {2, 1}), floats({2, 3}))), (Floats{1, 12, 3, 4}));
  EXPECT_EQ(values_f32(scatter_nd("max", data, i64({2, 3}, {2, 1}), floats({10, -1}))), (Floats{1, 2, 10, 4}));
  EXPECT_EQ(values_f32(scatter_nd("min", data, i64({2, 3}, {2, 1}), floats({10, -1}))), (Floats{1, 2, 3, -1}));
  Tensor ints_out = run1("ScatterND", {in(ints({1, 2, 3})), in(i64({2, 2}, {2, 1})), in(ints({5, 7}))},
                         {{"reduction", std::string("add")}});
  EXPECT_EQ(values_i64(ints_out), (Ints{1, 2, 15}));
  expect_error([&] { scatter_nd("sum", data, i64({0}, {1, 1}), floats({1})); }, {"'sum'"});
  expect_error([&] { infer_op("ScatterND", {in(data), in(i64({0}, {1, 1})), in(floats({1, 2}))}); },
               {"updates shape [2]", "[1]"});
}

Tensor scatter_el(const std::string& reduction, Tensor data, Tensor indices, Tensor updates, int64_t axis) {
  return run1("ScatterElements", {in(data), in(indices), in(updates)}, {{"reduction", reduction}, {"axis", axis}});
}

TEST(OpsIndex, ScatterElementsSpecExamples) {
  Tensor y = scatter_el("none", f32(Floats(9, 0), {3, 3}), i64({1, 0, 2, 0, 2, 1}, {2, 3}),
                        f32({1.0f, 1.1f, 1.2f, 2.0f, 2.1f, 2.2f}, {2, 3}), 0);
  expect_near(y, {2.0f, 1.1f, 0.0f, 1.0f, 0.0f, 2.2f, 0.0f, 2.1f, 1.2f});
  Tensor row = f32({1, 2, 3, 4, 5}, {1, 5});
  expect_near(scatter_el("none", row, i64({1, -2}, {1, 2}), f32({1.1f, 2.1f}, {1, 2}), 1), {1, 1.1f, 3, 2.1f, 5});
  expect_near(scatter_el("add", row, i64({1, 1}, {1, 2}), f32({1.1f, 2.1f}, {1, 2}), -1), {1, 5.2f, 3, 4, 5});
  expect_near(scatter_el("mul", row, i64({1, 1}, {1, 2}), f32({1.1f, 2.1f}, {1, 2}), 1), {1, 4.62f, 3, 4, 5});
  expect_near(scatter_el("max", row, i64({1, 1}, {1, 2}), f32({1, 5}, {1, 2}), 1), {1, 5, 3, 4, 5});
  expect_near(scatter_el("min", row, i64({0, 0}, {1, 2}), f32({-3, 4}, {1, 2}), 1), {-3, 2, 3, 4, 5});
}

// ---- OneHot ----

TEST(OpsIndex, OneHotNegativeIndicesAndAxis) {
  Tensor idx = ints({0, -1, 2, 5});
  Tensor last = run1("OneHot", {in(idx), cin(Tensor::scalar_i64(3)), in(floats({0, 1}))});
  EXPECT_EQ(last.shape(), (Shape{4, 3}));
  EXPECT_EQ(values_f32(last), (Floats{1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0}));
  Tensor first = run1("OneHot", {in(idx), cin(Tensor::scalar_i64(3)), in(floats({2, 5}))}, {{"axis", int64_t{0}}});
  EXPECT_EQ(first.shape(), (Shape{3, 4}));
  EXPECT_EQ(values_f32(first), (Floats{5, 2, 2, 2, 2, 2, 2, 2, 2, 5, 5, 2}));
  Tensor i = run1("OneHot", {in(i64({1, -2}, {2, 1})), cin(floats({2})), in(ints({-1, 7}))}, {{"axis", int64_t{1}}});
  EXPECT_EQ(i.shape(), (Shape{2, 2, 1}));
  EXPECT_EQ(values_i64(i), (Ints{-1, 7, 7, -1}));
  expect_error([&] { infer_op("OneHot", {in(idx), in(Tensor::scalar_i64(3)), in(floats({0, 1}))}); },
               {"must be a constant"});
}

// ---- Resize / Upsample ----

Tensor resize_scales(Tensor x, Floats scales, Attrs attrs) {
  return run1("Resize", {in(x), none(), cin(floats(scales))}, attrs);
}
Tensor resize_sizes(Tensor x, Ints sizes, Attrs attrs) {
  return run1("Resize", {in(x), none(), none(), cin(ints(sizes))}, attrs);
}
Attrs nearest(const std::string& coord, const std::string& mode = "round_prefer_floor") {
  return {{"mode", std::string("nearest")}, {"coordinate_transformation_mode", coord}, {"nearest_mode", mode}};
}
Attrs linear(const std::string& coord) {
  return {{"mode", std::string("linear")}, {"coordinate_transformation_mode", coord}};
}

TEST(OpsIndex, ResizeNearestHalfPixel) {
  Tensor up = resize_scales(f32({1, 2, 3, 4}, {1, 1, 2, 2}), {1, 1, 2, 2}, {});
  EXPECT_EQ(up.shape(), (Shape{1, 1, 4, 4}));
  EXPECT_EQ(values_f32(up), (Floats{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}));
  // resize_downsample_scales_nearest from the ONNX tests.
  Tensor down = resize_scales(f32({1, 2, 3, 4, 5, 6, 7, 8}, {1, 1, 2, 4}), {1, 1, 0.6f, 0.6f}, {});
  EXPECT_EQ(down.shape(), (Shape{1, 1, 1, 2}));
  EXPECT_EQ(values_f32(down), (Floats{1, 3}));
}

TEST(OpsIndex, ResizeNearestModesAndCoordinates) {
  Tensor x = floats({10, 20, 30});
  // asymmetric x2: source coords 0, .5, 1, 1.5, 2, 2.5 -- ties pick the mode's side.
  EXPECT_EQ(values_f32(resize_scales(x, {2}, nearest("asymmetric"))), (Floats{10, 10, 20, 20, 30, 30}));
  EXPECT_EQ(values_f32(resize_scales(x, {2}, nearest("asymmetric", "round_prefer_ceil"))),
            (Floats{10, 20, 20, 30, 30, 30}));
  EXPECT_EQ(values_f32(resize_scales(x, {2}, nearest("asymmetric", "ceil"))), (Floats{10, 20, 20, 30, 30, 30}));
  // tf_half_pixel_for_nearest: (o + .5) / 2 = .25, .75, 1.25, ...
  EXPECT_EQ(values_f32(resize_scales(x, {2}, nearest("tf_half_pixel_for_nearest"))),
            (Floats{10, 20, 20, 30, 30, 30}));
  EXPECT_EQ(values_f32(resize_scales(x, {2}, nearest("pytorch_half_pixel"))), (Floats{10, 10, 20, 20, 30, 30}));
  // One output pixel: pytorch_half_pixel reads 0, half_pixel reads the centre (.5*3 - .5 = 1).
  EXPECT_EQ(values_f32(resize_sizes(x, {1}, nearest("pytorch_half_pixel"))), (Floats{10}));
  EXPECT_EQ(values_f32(resize_sizes(x, {1}, nearest("half_pixel"))), (Floats{20}));
  // resize_upsample_sizes_nearest_floor_align_corners, one row: coords o * 3/7.
  EXPECT_EQ(values_f32(resize_sizes(floats({1, 2, 3, 4}), {8}, nearest("align_corners", "floor"))),
            (Floats{1, 1, 1, 2, 2, 3, 3, 4}));
  Tensor u8 = resize_scales(ints({1, 2}).cast(DType::U8), {2}, nearest("asymmetric"));
  EXPECT_EQ(u8.dtype(), DType::U8);
  EXPECT_EQ(values_i64(u8), (Ints{1, 1, 2, 2}));
}

TEST(OpsIndex, ResizeBilinear) {
  Tensor x = f32({1, 2, 3, 4}, {1, 1, 2, 2});
  expect_near(resize_scales(x, {1, 1, 2, 2}, linear("half_pixel")),
              {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4});
  const float t = 1.0f / 3, tt = 2.0f / 3;
  expect_near(resize_scales(x, {1, 1, 2, 2}, linear("align_corners")),
              {1, 1 + t, 1 + tt, 2, 1 + tt, 2, 2 + t, 2 + tt, 2 + t, 2 + tt, 3, 3 + t, 3, 3 + t, 3 + tt, 4});
  // resize_downsample_scales_linear from the ONNX tests.
  expect_near(resize_scales(f32({1, 2, 3, 4, 5, 6, 7, 8}, {1, 1, 2, 4}), {1, 1, 0.6f, 0.6f}, linear("half_pixel")),
              {2.6666665f, 4.3333331f});
}

TEST(OpsIndex, ResizeLinear1D) {
  expect_near(resize_scales(floats({1, 2}), {2}, linear("asymmetric")), {1, 1.5f, 2, 2});
  Tensor x = floats({1, 2, 3, 4});
  expect_near(resize_scales(x, {0.5f}, linear("pytorch_half_pixel")), {1.5f, 3.5f});
  expect_near(resize_sizes(x, {1}, linear("pytorch_half_pixel")), {1});
  expect_near(resize_sizes(x, {1}, linear("half_pixel")), {2.5f});
  // align_corners with scales divides by the unrounded length 4 * .6 = 2.4: 1 * 3 / 1.4.
  expect_near(resize_scales(x, {0.6f}, linear("align_corners")), {1, 1 + 3 / 1.4f});
  // half_pixel_symmetric, scale .6 -> 2 outputs: offset 2*(1 - 2/2.4) = 1/3.
  expect_near(resize_scales(x, {0.6f}, linear("half_pixel_symmetric")), {1 + 2.0f / 3, 3 + 1.0f / 3});
}

TEST(OpsIndex, Upsample) {
  Tensor y = run1("Upsample", {in(f32({1, 2, 3, 4}, {1, 1, 2, 2})), cin(floats({1, 1, 2, 3}))});
  EXPECT_EQ(y.shape(), (Shape{1, 1, 4, 6}));
  EXPECT_EQ(values_f32(y), (Floats{1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}));
  expect_near(run1("Upsample", {in(floats({1, 2})), cin(floats({2}))}, {{"mode", std::string("linear")}}),
              {1, 1.5f, 2, 2});
}

TEST(OpsIndex, ResizeErrors) {
  Tensor x = floats({1, 2});
  expect_error([&] { infer_op("Resize", {in(x), none(), cin(floats({2}))}, {{"mode", std::string("cubic")}}); },
               {"cubic", "not supported"});
  expect_error([&] { infer_op("Resize", {in(x), none(), cin(floats({2}))}, {{"antialias", int64_t{1}}}); },
               {"antialias"});
  expect_error([&] { infer_op("Resize", {in(x), none(), cin(floats({2})), cin(ints({4}))}); }, {"exactly one"});
  expect_error([&] { infer_op("Resize", {in(x), none(), in(floats({2}))}); }, {"must be a constant"});
  expect_error([&] { infer_op("Resize", {in(x), none(), cin(floats({2}))}, nearest("tf_crop_and_resize")); },
               {"tf_crop_and_resize"});
}

// ---- Data-dependent shapes ----

TEST(OpsIndex, NonZeroAndUniqueAreRejected) {
  for (const char* op : {"NonZero", "Unique"})
    expect_error([&] { infer_op(op, {in(floats({0, 1}))}); },
                 {op, "output shape depends on the input data", "static shapes only"});
}

}  // namespace
}  // namespace tessera::testing
