// Gradient rules of convolutions and pools against central finite differences
// (double precision): 1-D and 2-D, groups, strides, dilations, asymmetric and
// automatic pads, ceil_mode, both AveragePool counts.
#include <gtest/gtest.h>

#include "grad_check.h"
#include "tessera/autodiff/autodiff.h"
#include "tessera/exec/executor.h"
#include "tessera/lower/lower.h"

namespace tessera::testing {
namespace {

using graph::Attr;
using Attrs = std::map<std::string, Attr>;
using Ints = std::vector<int64_t>;

Tensor r64(Shape s, uint64_t seed) { return random_tensor(DType::F64, s, seed); }

TEST(GradConv, Conv1d) {
  check_gradients("Conv", {in(r64({2, 3, 7}, 1)), in(r64({4, 3, 3}, 2)), in(r64({4}, 3))},
                  {{"strides", Ints{2}}, {"pads", Ints{1, 2}}});
  // Stride 3 leaves input positions no window reads (dX there is zero).
  check_gradients("Conv", {in(r64({1, 2, 11}, 4)), in(r64({3, 2, 2}, 5))},
                  {{"strides", Ints{3}}, {"dilations", Ints{2}}});
}

TEST(GradConv, Conv2dGroupsStridesDilations) {
  check_gradients("Conv", {in(r64({2, 4, 5, 6}, 11)), in(r64({6, 2, 3, 2}, 12)), in(r64({6}, 13))},
                  {{"group", int64_t{2}}, {"strides", Ints{2, 1}}, {"dilations", Ints{1, 2}},
                   {"pads", Ints{1, 0, 2, 1}}});
  // Depthwise with SAME_UPPER padding.
  check_gradients("Conv", {in(r64({1, 3, 6, 5}, 14)), in(r64({3, 1, 3, 3}, 15))},
                  {{"group", int64_t{3}}, {"strides", Ints{2, 2}}, {"auto_pad", std::string("SAME_UPPER")}});
  check_gradients("Conv", {in(r64({2, 2, 5, 5}, 16)), in(r64({3, 2, 2, 3}, 17))},
                  {{"auto_pad", std::string("SAME_LOWER")}, {"dilations", Ints{2, 1}}});
  // Pads larger than the windows need (the last ones only pad).
  check_gradients("Conv", {in(r64({1, 1, 4, 4}, 18)), in(r64({2, 1, 2, 2}, 19))},
                  {{"strides", Ints{2, 3}}, {"pads", Ints{0, 2, 3, 1}}});
}

TEST(GradConv, ConvTranspose) {
  check_gradients("ConvTranspose", {in(r64({2, 3, 4}, 21)), in(r64({3, 2, 3}, 22)), in(r64({2}, 23))},
                  {{"strides", Ints{2}}, {"pads", Ints{1, 0}}, {"output_padding", Ints{1}}});
  check_gradients("ConvTranspose", {in(r64({1, 4, 3, 2}, 24)), in(r64({4, 3, 2, 3}, 25)), in(r64({6}, 26))},
                  {{"group", int64_t{2}}, {"strides", Ints{2, 3}}, {"dilations", Ints{2, 1}},
                   {"pads", Ints{0, 1, 2, 1}}});
  check_gradients("ConvTranspose", {in(r64({1, 2, 3, 3}, 27)), in(r64({2, 1, 3, 3}, 28))},
                  {{"strides", Ints{2, 2}}, {"auto_pad", std::string("SAME_UPPER")}});
  // output_shape larger than the windows cover, and output_padding >= stride.
  check_gradients("ConvTranspose", {in(r64({1, 2, 3}, 29)), in(r64({2, 2, 2}, 30))},
                  {{"strides", Ints{2}}, {"output_shape", Ints{9}}});
  check_gradients("ConvTranspose", {in(r64({1, 1, 3}, 31)), in(r64({1, 1, 2}, 32))},
                  {{"strides", Ints{2}}, {"output_padding", Ints{3}}});
}

TEST(GradConv, MaxPool) {
  check_gradients("MaxPool", {in(r64({2, 3, 9}, 41))}, {{"kernel_shape", Ints{3}}, {"strides", Ints{2}}});
  check_gradients("MaxPool", {in(r64({1, 2, 5, 6}, 42))},
                  {{"kernel_shape", Ints{3, 2}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 0, 1, 1}},
                   {"ceil_mode", int64_t{1}}});
  check_gradients("MaxPool", {in(r64({1, 2, 7, 6}, 43))},
                  {{"kernel_shape", Ints{2, 2}}, {"dilations", Ints{2, 2}}, {"auto_pad", std::string("SAME_UPPER")}});
  // With its Indices output (kept, and in column-major order: recomputed).
  GradCheck two;
  two.num_outputs = 2;
  check_gradients("MaxPool", {in(r64({2, 2, 4, 5}, 44))}, {{"kernel_shape", Ints{2, 2}}}, two);
  check_gradients("MaxPool", {in(r64({1, 2, 4, 5}, 45))},
                  {{"kernel_shape", Ints{3, 2}}, {"storage_order", int64_t{1}}}, two);
}

TEST(GradConv, MaxPoolTieGoesToTheFirstMaximum) {
  // x = [1, 3, 3, 2], windows of 2 at stride 1: the maxima are x1, x1|x2 (a
  // tie, which goes to the first) and x2; with dY = 1, dX = [0, 2, 1, 0].
  const Tensor x = f32({1, 3, 3, 2}, {1, 1, 4});
  graph::Graph g = infer_op("MaxPool", {in(x)}, {{"kernel_shape", Ints{2}}});
  graph::Value seed;
  seed.name = "seed";
  seed.dtype = DType::F32;
  seed.shape = {1, 1, 3};
  seed.shape_known = true;
  seed.constant = f32({1, 1, 1}, {1, 1, 3});
  const graph::ValueId s = g.add_value(seed);
  g.outputs = autodiff::backward(g, {g.outputs[0]}, {s}, {*g.find("in0")});
  const auto res = exec::run_program(lower::lower(g), {{"in0", x}});
  EXPECT_EQ(values_f32(res.at(g.value(g.outputs[0]).name)), (std::vector<float>{0, 2, 1, 0}));
}

TEST(GradConv, AveragePool) {
  for (int64_t include : {0, 1}) {
    check_gradients("AveragePool", {in(r64({2, 2, 8}, 51))},
                    {{"kernel_shape", Ints{3}}, {"strides", Ints{2}}, {"pads", Ints{1, 2}},
                     {"count_include_pad", include}});
    check_gradients("AveragePool", {in(r64({1, 3, 5, 6}, 52))},
                    {{"kernel_shape", Ints{3, 2}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 0, 0, 1}},
                     {"ceil_mode", int64_t{1}}, {"count_include_pad", include}});
    check_gradients("AveragePool", {in(r64({1, 1, 6, 7}, 53))},
                    {{"kernel_shape", Ints{2, 3}}, {"auto_pad", std::string("SAME_LOWER")},
                     {"count_include_pad", include}});
  }
  check_gradients("AveragePool", {in(r64({1, 2, 9}, 54))},
                  {{"kernel_shape", Ints{2}}, {"dilations", Ints{3}}, {"strides", Ints{2}}});
}

TEST(GradConv, LpPool) {
  for (int64_t p : {1, 2, 3}) {
    check_gradients("LpPool", {in(r64({2, 2, 7}, 55))},
                    {{"kernel_shape", Ints{3}}, {"strides", Ints{2}}, {"pads", Ints{1, 1}}, {"p", p}});
    check_gradients("LpPool", {in(r64({1, 2, 5, 4}, 56))},
                    {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{1, 2}}, {"p", p}});
    check_gradients("GlobalLpPool", {in(r64({2, 3, 4}, 57))}, {{"p", p}});
  }
}

TEST(GradConv, GlobalPools) {
  check_gradients("GlobalAveragePool", {in(r64({2, 3, 4, 5}, 61))});
  check_gradients("GlobalAveragePool", {in(r64({2, 3, 7}, 62))});
  check_gradients("GlobalMaxPool", {in(r64({2, 3, 4, 5}, 63))});
  check_gradients("GlobalMaxPool", {in(r64({1, 2, 6}, 64))});
}

}  // namespace
}  // namespace tessera::testing
