// Known-answer tests for the shape family (Reshape ... EyeLike): values worked
// out by hand with NumPy / ONNX-spec semantics, plus every user-facing error.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>

#include "op_test_util.h"
#include "tessera/support/error.h"

namespace tessera::testing {
namespace {

using Attrs = std::map<std::string, graph::Attr>;
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

Tensor iota(Shape s, float start = 0) {
  std::vector<float> v(static_cast<size_t>(num_elements(s)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = start + static_cast<float>(i);
  return f32(v, std::move(s));
}
std::vector<float> iota_values(int64_t n, float start = 0) { return values_f32(iota({n}, start)); }
Tensor ints(std::vector<int64_t> v) { return i64(v, {static_cast<int64_t>(v.size())}); }

// Runs `f` and checks it throws tessera::Error mentioning every needle.
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

Tensor run1(const std::string& op, const std::vector<OpInput>& inputs, const Attrs& attrs = {}) {
  return run_op(op, inputs, attrs).at(0);
}

// ---- Reshape ----

TEST(OpsShape, ReshapeZeroCopiesAndMinusOneInfers) {
  Tensor y = run1("Reshape", {in(iota({2, 3, 4})), cin(ints({4, 0, -1}))});
  EXPECT_EQ(y.shape(), (Shape{4, 3, 2}));
  EXPECT_EQ(values_f32(y), iota_values(24));
}

TEST(OpsShape, ReshapeAcrossMismatchedBlocks) {
  // [2,6] -> [3,4] has no common dim boundary; [4,6] -> [2,2,3,2] splits both dims.
  EXPECT_EQ(values_f32(run1("Reshape", {in(iota({2, 6})), cin(ints({3, 4}))})), iota_values(12));
  Tensor y = run1("Reshape", {in(iota({4, 6})), cin(ints({2, 2, 3, 2}))});
  EXPECT_EQ(y.shape(), (Shape{2, 2, 3, 2}));
  EXPECT_EQ(values_f32(y), iota_values(24));
  Tensor z = run1("Reshape", {in(iota({1, 6, 1})), cin(ints({3, 1, 2}))});
  EXPECT_EQ(values_f32(z), iota_values(6));
}

TEST(OpsShape, ReshapeIntsAndScalar) {
  Tensor y = run1("Reshape", {in(i64({7, 8, 9, 10}, {2, 2})), cin(ints({-1}))});
  EXPECT_EQ(y.dtype(), DType::I64);
  EXPECT_EQ(values_i64(y), (std::vector<int64_t>{7, 8, 9, 10}));
  Tensor s = run1("Reshape", {in(f32({5}, {1, 1})), cin(i64({}, {0}))});
  EXPECT_EQ(s.shape(), Shape{});
  EXPECT_EQ(values_f32(s), std::vector<float>{5});
}

TEST(OpsShape, ReshapeAllowZeroKeepsZeroDims) {
  auto g = infer_op("Reshape", {in(iota({0, 3})), cin(ints({3, 0}))}, {{"allowzero", int64_t{1}}});
  EXPECT_EQ(g.value(g.outputs[0]).shape, (Shape{3, 0}));
  // Without allowzero the 0 copies input dim 1 (3): [3,3] does not fit 0 elements.
  expect_error([] { infer_op("Reshape", {in(iota({0, 3})), cin(ints({3, 0}))}); }, {"[0,3]", "[3,3]"});
  EXPECT_EQ(run1("Reshape", {in(iota({0, 3})), cin(ints({3, 0}))}, {{"allowzero", int64_t{1}}}).size(), 0);
}

TEST(OpsShape, ReshapeErrors) {
  expect_error([] { infer_op("Reshape", {in(iota({2, 3})), cin(ints({4, 2}))}); },
               {"Reshape node 'node'", "[2,3]", "[4,2]"});
  expect_error([] { infer_op("Reshape", {in(iota({2, 3})), cin(ints({-1, -1}))}); }, {"more than one -1"});
  expect_error([] { infer_op("Reshape", {in(iota({2, 3})), cin(ints({4, -1}))}); }, {"[2,3]", "[4,-1]"});
  expect_error([] { infer_op("Reshape", {in(iota({2, 3})), in(ints({6}))}); }, {"must be a constant"});
}

// ---- Flatten / Squeeze / Unsqueeze / Transpose ----

TEST(OpsShape, FlattenAxes) {
  auto shape_of = [](int64_t axis) {
    auto g = infer_op("Flatten", {in(iota({2, 3, 4}))}, {{"axis", axis}});
    return g.value(g.outputs[0]).shape;
  };
  EXPECT_EQ(shape_of(0), (Shape{1, 24}));
  EXPECT_EQ(shape_of(-1), (Shape{6, 4}));
  EXPECT_EQ(shape_of(3), (Shape{24, 1}));
  EXPECT_EQ(values_f32(run1("Flatten", {in(iota({2, 3, 4}))}, {{"axis", int64_t{2}}})), iota_values(24));
  expect_error([] { infer_op("Flatten", {in(iota({2, 3}))}, {{"axis", int64_t{3}}}); }, {"axis 3"});
}

TEST(OpsShape, SqueezeAndUnsqueeze) {
  Tensor a = run1("Squeeze", {in(iota({1, 3, 1, 2}))});
  EXPECT_EQ(a.shape(), (Shape{3, 2}));
  EXPECT_EQ(values_f32(a), iota_values(6));
  EXPECT_EQ(run1("Squeeze", {in(iota({1, 3, 1, 2})), cin(ints({-2}))}).shape(), (Shape{1, 3, 2}));
  expect_error([] { infer_op("Squeeze", {in(iota({1, 3})), cin(ints({1}))}); },
               {"cannot squeeze axis 1", "[1,3]", "size is 3"});
  Tensor b = run1("Unsqueeze", {in(i64({1, 2, 3, 4, 5, 6}, {3, 2})), cin(ints({0, -1}))});
  EXPECT_EQ(b.shape(), (Shape{1, 3, 2, 1}));
  EXPECT_EQ(values_i64(b), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
  expect_error([] { infer_op("Unsqueeze", {in(iota({3})), cin(ints({0, 0}))}); }, {"listed twice"});
}

TEST(OpsShape, Transpose) {
  EXPECT_EQ(values_f32(run1("Transpose", {in(iota({2, 3}))})), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  Tensor y = run1("Transpose", {in(iota({2, 3, 2}))}, {{"perm", std::vector<int64_t>{1, 0, 2}}});
  EXPECT_EQ(y.shape(), (Shape{3, 2, 2}));
  EXPECT_EQ(values_f32(y), (std::vector<float>{0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11}));
  expect_error([] { infer_op("Transpose", {in(iota({2, 3}))}, {{"perm", std::vector<int64_t>{0, 0}}}); },
               {"not a permutation"});
}

// ---- Concat / Split ----

TEST(OpsShape, ConcatWithEmptyInput) {
  Tensor y = run1("Concat", {in(f32({0, 1}, {2, 1})), in(f32({10, 11, 12, 13}, {2, 2})), in(iota({2, 0}))},
                  {{"axis", int64_t{-1}}});
  EXPECT_EQ(y.shape(), (Shape{2, 3}));
  EXPECT_EQ(values_f32(y), (std::vector<float>{0, 10, 11, 1, 12, 13}));
  Tensor z = run1("Concat", {in(i64({}, {0})), in(i64({1, 2}, {1, 2})), in(i64({3, 4, 5, 6}, {2, 2}))},
                  {{"axis", int64_t{0}}});
  EXPECT_EQ(values_i64(z), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
  expect_error([] { infer_op("Concat", {in(iota({2, 1})), in(iota({3, 1}))}, {{"axis", int64_t{1}}}); },
               {"[3,1]", "[2,1]"});
}

TEST(OpsShape, SplitUnevenAndExplicit) {
  auto outs = run_op("Split", {in(iota({5}))}, {}, 3);
  EXPECT_EQ(values_f32(outs[0]), (std::vector<float>{0, 1}));
  EXPECT_EQ(values_f32(outs[1]), (std::vector<float>{2, 3}));
  EXPECT_EQ(values_f32(outs[2]), (std::vector<float>{4}));
  auto two = run_op("Split", {in(iota({2, 5})), cin(ints({1, 4}))}, {{"axis", int64_t{-1}}}, 2);
  EXPECT_EQ(two[0].shape(), (Shape{2, 1}));
  EXPECT_EQ(values_f32(two[0]), (std::vector<float>{0, 5}));
  EXPECT_EQ(values_f32(two[1]), (std::vector<float>{1, 2, 3, 4, 6, 7, 8, 9}));
  auto g = infer_op("Split", {in(iota({4, 6}))}, {{"axis", int64_t{1}}, {"num_outputs", int64_t{2}}}, 2);
  EXPECT_EQ(g.value(g.outputs[1]).shape, (Shape{4, 3}));
  expect_error([] { infer_op("Split", {in(iota({5})), cin(ints({2, 2}))}, {}, 2); }, {"add up to 4", "size 5"});
}

// ---- Slice ----

Tensor slice(std::vector<int64_t> starts, std::vector<int64_t> ends, std::vector<int64_t> steps,
             Tensor x = iota({10})) {
  std::vector<int64_t> axes(starts.size(), 0);
  return run1("Slice", {in(x), cin(ints(starts)), cin(ints(ends)), cin(ints(axes)), cin(ints(steps))});
}

TEST(OpsShape, SliceNegativeSteps) {
  EXPECT_EQ(values_f32(slice({8}, {2}, {-2})), (std::vector<float>{8, 6, 4}));
  EXPECT_EQ(values_f32(slice({-1}, {kMin}, {-1})), (std::vector<float>{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}));
  EXPECT_EQ(values_f32(slice({20}, {0}, {-1})), (std::vector<float>{9, 8, 7, 6, 5, 4, 3, 2, 1}));
  EXPECT_EQ(values_f32(slice({kMax}, {-8}, {-3})), (std::vector<float>{9, 6, 3}));
}

TEST(OpsShape, SliceClamping) {
  EXPECT_EQ(values_f32(slice({0}, {kMax}, {3})), (std::vector<float>{0, 3, 6, 9}));
  EXPECT_EQ(values_f32(slice({-100}, {100}, {1})), iota_values(10));
  EXPECT_EQ(values_f32(slice({kMin}, {-7}, {1})), (std::vector<float>{0, 1, 2}));
  EXPECT_EQ(slice({5}, {2}, {1}).shape(), Shape{0});
  EXPECT_EQ(slice({-20}, {-30}, {-1}).shape(), Shape{1});  // start clamps to 0, end to -1: one element
}

TEST(OpsShape, Slice2DWithDefaultsAndNegativeAxis) {
  Tensor a = run1("Slice", {in(iota({3, 4})), cin(ints({0, 1})), cin(ints({-1, 1000}))});
  EXPECT_EQ(a.shape(), (Shape{2, 3}));
  EXPECT_EQ(values_f32(a), (std::vector<float>{1, 2, 3, 5, 6, 7}));
  Tensor b = run1("Slice", {in(iota({3, 4})), cin(ints({1})), cin(ints({3})), cin(ints({-1}))});
  EXPECT_EQ(values_f32(b), (std::vector<float>{1, 2, 5, 6, 9, 10}));
  expect_error([] { infer_op("Slice", {in(iota({4})), cin(ints({0})), cin(ints({4})), cin(ints({0})), cin(ints({0}))}); },
               {"steps must be nonzero"});
}

// ---- Expand / Tile ----

TEST(OpsShape, ExpandBidirectional) {
  Tensor y = run1("Expand", {in(f32({1, 2, 3}, {3, 1})), cin(ints({2, 1, 2}))});
  EXPECT_EQ(y.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(values_f32(y), (std::vector<float>{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}));
  EXPECT_EQ(run1("Expand", {in(iota({2, 3})), cin(ints({1, 1}))}).shape(), (Shape{2, 3}));
  expect_error([] { infer_op("Expand", {in(iota({2, 3})), cin(ints({4}))}); }, {"[2,3]", "[4]", "broadcast"});
}

TEST(OpsShape, Tile) {
  Tensor y = run1("Tile", {in(i64({0, 1, 2, 3}, {2, 2})), cin(ints({2, 2}))});
  EXPECT_EQ(y.shape(), (Shape{4, 4}));
  EXPECT_EQ(values_i64(y), (std::vector<int64_t>{0, 1, 0, 1, 2, 3, 2, 3, 0, 1, 0, 1, 2, 3, 2, 3}));
  expect_error([] { infer_op("Tile", {in(iota({2, 2})), cin(ints({2}))}); }, {"one per axis"});
}

// ---- Pad ----

Tensor pad(const std::string& mode, std::vector<int64_t> pads, Tensor x = f32({1, 2, 3}, {3})) {
  return run1("Pad", {in(x), cin(ints(pads))}, {{"mode", mode}});
}

TEST(OpsShape, PadModes) {
  EXPECT_EQ(values_f32(run1("Pad", {in(f32({1, 2, 3}, {3})), cin(ints({2, 1})), cin(Tensor::scalar_f32(9))})),
            (std::vector<float>{9, 9, 1, 2, 3, 9}));
  EXPECT_EQ(values_f32(pad("reflect", {2, 2})), (std::vector<float>{3, 2, 1, 2, 3, 2, 1}));
  EXPECT_EQ(values_f32(pad("edge", {2, 1})), (std::vector<float>{1, 1, 1, 2, 3, 3}));
  EXPECT_EQ(values_f32(pad("wrap", {2, 1})), (std::vector<float>{2, 3, 1, 2, 3, 1}));
}

TEST(OpsShape, PadNegativeCrops) {
  EXPECT_EQ(values_f32(pad("constant", {-1, 2})), (std::vector<float>{2, 3, 0, 0}));
  // Crop first, then reflect what is left: [2,3] reflected at its end.
  EXPECT_EQ(values_f32(pad("reflect", {-1, 3})), (std::vector<float>{2, 3, 2, 3, 2}));
  EXPECT_EQ(values_f32(pad("edge", {1, -2})), (std::vector<float>{1, 1}));
  EXPECT_EQ(values_f32(pad("wrap", {-1, 2}, f32({1, 2, 3, 4}, {4}))), (std::vector<float>{2, 3, 4, 2, 3}));
}

TEST(OpsShape, PadAxesInputRuntimeValueAndInts) {
  Tensor y = run1("Pad", {in(f32({1, 2, 3, 4}, {2, 2})), cin(ints({1, 1})), in(Tensor::scalar_f32(-1)),
                          cin(ints({-1}))});
  EXPECT_EQ(y.shape(), (Shape{2, 4}));
  EXPECT_EQ(values_f32(y), (std::vector<float>{-1, 1, 2, -1, -1, 3, 4, -1}));
  // pads [begin0, begin1, end0, end1]: one row added below, one column on the left.
  Tensor z = pad("edge", {0, 1, 1, 0}, i64({1, 2, 3, 4}, {2, 2}));
  EXPECT_EQ(z.shape(), (Shape{3, 3}));
  EXPECT_EQ(values_i64(z), (std::vector<int64_t>{1, 1, 2, 3, 3, 4, 3, 3, 4}));
  EXPECT_EQ(values_f32(pad("constant", {1, 1}, iota({0}))), (std::vector<float>{0, 0}));
  expect_error([] { pad("reflect", {1, 0}, iota({0})); }, {"no input elements"});
  expect_error([] { pad("mirror", {1, 0}); }, {"'mirror'"});
  expect_error([] { pad("constant", {1, 0, 0}); }, {"pads has 3 values"});
}

// ---- DepthToSpace / SpaceToDepth / Trilu ----

TEST(OpsShape, DepthToSpaceModes) {
  EXPECT_EQ(values_f32(run1("DepthToSpace", {in(iota({1, 8, 1, 1}))}, {{"blocksize", int64_t{2}}})),
            (std::vector<float>{0, 2, 4, 6, 1, 3, 5, 7}));
  EXPECT_EQ(values_f32(run1("DepthToSpace", {in(iota({1, 8, 1, 1}))},
                            {{"blocksize", int64_t{2}}, {"mode", std::string("CRD")}})),
            iota_values(8));
  Tensor y = run1("DepthToSpace", {in(iota({1, 4, 1, 2}))}, {{"blocksize", int64_t{2}}});
  EXPECT_EQ(y.shape(), (Shape{1, 1, 2, 4}));
  EXPECT_EQ(values_f32(y), (std::vector<float>{0, 2, 1, 3, 4, 6, 5, 7}));
  expect_error([] { infer_op("DepthToSpace", {in(iota({1, 6, 1, 1}))}, {{"blocksize", int64_t{2}}}); },
               {"not divisible"});
}

TEST(OpsShape, SpaceToDepthInvertsDcr) {
  Tensor y = run1("SpaceToDepth", {in(f32({0, 2, 1, 3, 4, 6, 5, 7}, {1, 1, 2, 4}))}, {{"blocksize", int64_t{2}}});
  EXPECT_EQ(y.shape(), (Shape{1, 4, 1, 2}));
  EXPECT_EQ(values_f32(y), iota_values(8));
}

TEST(OpsShape, TriluUpperLowerWithK) {
  Tensor x = iota({3, 3}, 1);
  auto trilu = [&](int64_t upper, std::optional<int64_t> k) {
    std::vector<OpInput> ins{in(x)};
    if (k) ins.push_back(cin(Tensor::scalar_i64(*k)));
    return values_f32(run1("Trilu", ins, {{"upper", upper}}));
  };
  EXPECT_EQ(trilu(1, std::nullopt), (std::vector<float>{1, 2, 3, 0, 5, 6, 0, 0, 9}));
  EXPECT_EQ(trilu(1, 1), (std::vector<float>{0, 2, 3, 0, 0, 6, 0, 0, 0}));
  EXPECT_EQ(trilu(0, 0), (std::vector<float>{1, 0, 0, 4, 5, 0, 7, 8, 9}));
  EXPECT_EQ(trilu(0, -1), (std::vector<float>{0, 0, 0, 4, 0, 0, 7, 8, 0}));
  EXPECT_EQ(trilu(0, 1), (std::vector<float>{1, 2, 0, 4, 5, 6, 7, 8, 9}));
  // A runtime k is read inside the kernel.
  EXPECT_EQ(values_f32(run1("Trilu", {in(x), in(Tensor::scalar_i64(-1))}, {{"upper", int64_t{1}}})),
            (std::vector<float>{1, 2, 3, 4, 5, 6, 0, 8, 9}));
}

// ---- Tensors made from shapes ----

TEST(OpsShape, ConstantOfShape) {
  Tensor y = run1("ConstantOfShape", {cin(ints({2, 3}))}, {{"value", i64({5}, {1})}});
  EXPECT_EQ(y.dtype(), DType::I64);
  EXPECT_EQ(values_i64(y), std::vector<int64_t>(6, 5));
  Tensor z = run1("ConstantOfShape", {cin(ints({2}))});
  EXPECT_EQ(z.dtype(), DType::F32);
  EXPECT_EQ(values_f32(z), (std::vector<float>{0, 0}));
  EXPECT_EQ(run1("ConstantOfShape", {cin(i64({}, {0}))}, {{"value", f32({2.5f}, {1})}}).shape(), Shape{});
}

TEST(OpsShape, Range) {
  auto range_i = [](int64_t a, int64_t b, int64_t c) {
    return values_i64(run1("Range", {cin(Tensor::scalar_i64(a)), cin(Tensor::scalar_i64(b)), cin(Tensor::scalar_i64(c))}));
  };
  EXPECT_EQ(range_i(1, 10, 3), (std::vector<int64_t>{1, 4, 7}));
  EXPECT_EQ(range_i(10, 4, -2), (std::vector<int64_t>{10, 8, 6}));
  EXPECT_EQ(range_i(5, 1, 1), std::vector<int64_t>{});
  Tensor f = run1("Range", {cin(Tensor::scalar_f32(0)), cin(Tensor::scalar_f32(1)), cin(Tensor::scalar_f32(0.25f))});
  EXPECT_EQ(values_f32(f), (std::vector<float>{0, 0.25f, 0.5f, 0.75f}));
  expect_error([&] { range_i(0, 5, 0); }, {"delta is 0"});
  expect_error([] { infer_op("Range", {in(Tensor::scalar_i64(0)), cin(Tensor::scalar_i64(4)), cin(Tensor::scalar_i64(1))}); },
               {"must be a constant"});
}

TEST(OpsShape, ShapeSizeEyeLike) {
  EXPECT_EQ(values_i64(run1("Shape", {in(iota({2, 3, 4}))})), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(values_i64(run1("Shape", {in(iota({2, 3, 4}))}, {{"start", int64_t{1}}})), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(values_i64(run1("Shape", {in(iota({2, 3, 4}))}, {{"start", int64_t{-2}}, {"end", int64_t{-1}}})),
            (std::vector<int64_t>{3}));
  Tensor s = run1("Size", {in(iota({2, 3, 4}))});
  EXPECT_EQ(s.shape(), Shape{});
  EXPECT_EQ(values_i64(s), std::vector<int64_t>{24});
  Tensor e = run1("EyeLike", {in(iota({3, 4}))}, {{"k", int64_t{1}}, {"dtype", int64_t{7}}});
  EXPECT_EQ(e.dtype(), DType::I64);
  EXPECT_EQ(values_i64(e), (std::vector<int64_t>{0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}));
  EXPECT_EQ(values_f32(run1("EyeLike", {in(iota({2, 2}))})), (std::vector<float>{1, 0, 0, 1}));
}

}  // namespace
}  // namespace tessera::testing
