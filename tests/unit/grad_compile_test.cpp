// Gradient graphs of the conv, index and recurrent rules use only ordinary
// ops, so they compile for a chip and the mapped program computes what the
// executor does (sim::check_mapping), in f32 on Plasticine at -O1 (the
// recurrent ones at -O0: at -O1 the sectioner's PMU estimate and the units
// pass disagree on them, "section s0 lstm_input +28 needs 65 PMUs but
// plasticine has 64" — a compiler issue, reported).
#include <gtest/gtest.h>

#include "grad_check.h"
#include "tessera/arch/spec.h"
#include "tessera/autodiff/autodiff.h"
#include "tessera/compile/chip.h"
#include "tessera/compile/compile.h"
#include "tessera/lower/lower.h"
#include "tessera/sim/check.h"

namespace tessera::testing {
namespace {

using Attrs = std::map<std::string, graph::Attr>;
using Ints = std::vector<int64_t>;

Tensor r32(Shape s, uint64_t seed) { return random_tensor(DType::F32, s, seed); }

// One node, its backward pass with the upstream gradients as graph inputs,
// every float input's gradient as an output; compiled and checked.
void compile_gradient(const std::string& op, const std::vector<OpInput>& inputs, const Attrs& attrs,
                      size_t num_outputs = 1, int opt = 1) {
  graph::Graph g = infer_op(op, inputs, attrs, num_outputs);
  std::vector<graph::ValueId> outs, seeds, wrt;
  for (size_t k = 0; k < num_outputs; ++k) {
    const graph::Value& o = g.value(g.outputs[k]);
    if (!is_float(o.dtype)) continue;
    graph::Value seed;
    seed.name = "dy" + std::to_string(k);
    seed.dtype = o.dtype;
    seed.shape = o.shape;
    seed.shape_known = true;
    outs.push_back(g.outputs[k]);
    seeds.push_back(g.add_value(seed));
    g.inputs.push_back(seeds.back());
  }
  for (size_t k = 0; k < inputs.size(); ++k)
    if (!inputs[k].absent && !inputs[k].constant && is_float(inputs[k].value.dtype()))
      wrt.push_back(*g.find("in" + std::to_string(k)));
  g.outputs = autodiff::backward(g, outs, seeds, wrt);
  graph::verify(g);
  const pattern::Program p = lower::lower(g);
  compile::CompileOptions o;
  o.opt = opt;
  const auto spec = arch::load_arch("plasticine");
  const auto sp = compile::compile(p, compile::chip_from_arch(spec, arch::Precision::Fp32), o, op + "_grad");
  std::map<std::string, Tensor> given;
  for (size_t k = 0; k < inputs.size(); ++k)
    if (!inputs[k].absent && !inputs[k].constant) given["in" + std::to_string(k)] = inputs[k].value;
  const auto r = sim::check_mapping(p, sp, arch::Precision::Fp32, 0, {}, given);
  EXPECT_TRUE(r.passed) << op << ": max abs error " << r.max_abs_err << " in " << r.worst_output;
}

TEST(GradCompile, ConvAndPools) {
  compile_gradient("Conv", {in(r32({2, 4, 9, 8}, 1)), in(r32({6, 2, 3, 3}, 2)), in(r32({6}, 3))},
                   {{"group", int64_t{2}}, {"strides", Ints{2, 1}}, {"pads", Ints{1, 1, 0, 1}}});
  compile_gradient("ConvTranspose", {in(r32({1, 3, 4, 4}, 4)), in(r32({3, 2, 3, 3}, 5))},
                   {{"strides", Ints{2, 2}}, {"output_padding", Ints{1, 1}}});
  compile_gradient("MaxPool", {in(r32({2, 3, 8, 8}, 6))}, {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}});
  compile_gradient("AveragePool", {in(r32({2, 3, 7, 7}, 7))},
                   {{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}, {"strides", Ints{2, 2}}});
}

TEST(GradCompile, Index) {
  compile_gradient("Gather", {in(r32({10, 8}, 11)), cin(i64({3, 1, 3, 9, 0, 2}, {2, 3}))}, {});
  compile_gradient("GatherElements", {in(r32({4, 6}, 12)), cin(i64({0, 5, 5, 1, 2, 3, 0, 0}, {4, 2}))},
                   {{"axis", int64_t{1}}});
}

TEST(GradCompile, Recurrent) {
  std::vector<OpInput> lstm = {in(r32({8, 2, 4}, 21)), in(r32({1, 12, 4}, 22)), in(r32({1, 12, 3}, 23)),
                               in(r32({1, 24}, 24))};
  compile_gradient("LSTM", lstm, {{"hidden_size", int64_t{3}}}, 3, 0);
  std::vector<OpInput> gru = {in(r32({6, 2, 4}, 25)), in(r32({2, 9, 4}, 26)), in(r32({2, 9, 3}, 27))};
  compile_gradient("GRU", gru, {{"hidden_size", int64_t{3}}, {"direction", std::string("bidirectional")}}, 2, 0);
}

}  // namespace
}  // namespace tessera::testing
