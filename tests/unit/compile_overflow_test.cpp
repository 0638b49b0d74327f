// Huge dimensions never wrap a count: element, byte, FLOP and cycle counts in
// compile (analyze, tile, the cost model), pattern cost and the simulators go
// through support/checked.h, so a model whose figures pass 2^62 is a one-line
// user error naming the tensor or kernel, not a wrapped figure or a crash.
#include <gtest/gtest.h>

#include <string>

#include "tessera/arch/derived.h"
#include "tessera/arch/spec.h"
#include "tessera/compile/chip.h"
#include "tessera/compile/compile.h"
#include "tessera/driver/simulate.h"
#include "tessera/frontend/onnx/test_models.h"
#include "tessera/graph/infer.h"
#include "tessera/lower/lower.h"
#include "tessera/pattern/cost.h"
#include "tessera/sim/sim.h"
#include "tessera/support/error.h"
#include "op_test_util.h"

namespace tessera {
namespace {

// A[m, k] x B[k, n] -> C, or Relu of a [m] vector when k == 0.
pattern::Program huge(int64_t m, int64_t k, int64_t n) {
  graph::Graph g;
  auto value = [&](const std::string& name, Shape s) { return testing::known_value(g, name, std::move(s)); };
  if (k == 0) {
    auto x = value("x", {m});
    g.inputs = {x};
    g.nodes.push_back({"Relu", "relu", {x}, {value("y", {})}, {}, ""});
  } else {
    auto a = value("a", {m, k}), b = value("b", {k, n});
    g.inputs = {a, b};
    g.nodes.push_back({"MatMul", "mm", {a, b}, {value("y", {})}, {}, ""});
  }
  const graph::ValueId y = g.nodes.back().outputs.front();
  graph::infer_node(g, g.nodes.back());
  g.outputs = {y};
  return lower::lower(g);
}

// Runs f, expecting a user error whose message contains every one of `parts`.
template <typename F>
void expect_user_error(F f, std::initializer_list<const char*> parts) {
  try {
    f();
    ADD_FAILURE() << "expected a user error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
    for (const char* p : parts) EXPECT_NE(what.find(p), std::string::npos) << what << " lacks '" << p << "'";
  }
}

compile::SpatialProgram compile_on(const pattern::Program& p, const std::string& arch, bool unlimited_dram = false) {
  const arch::ArchSpec spec = arch::load_arch(arch);
  compile::Chip chip = compile::chip_from_arch(spec, arch::headline_precision(spec));
  if (unlimited_dram) chip.dram_capacity_bytes = 0;  // no capacity check: the counts themselves must hold
  compile::CompileOptions o;
  o.opt = 1;
  return compile::compile(p, chip, o, "huge");
}

TEST(Overflow, TensorBytesPast2Pow62NameTheTensor) {
  const auto p = huge(int64_t{1} << 62, 0, 0);  // 2^62 elements fit; 2^62 x 2 bytes do not
  for (const char* arch : {"plasticine", "sn10", "sn40l"})
    expect_user_error([&] { compile_on(p, arch, true); }, {"tensor 'x'", "too large", "2^62"});
}

TEST(Overflow, DramNeedsPast2Pow62AreAUserError) {
  const auto p = huge(int64_t{1} << 61, 0, 0);  // input and output of 2^62 bytes each on a 2-byte chip
  expect_user_error([&] { compile_on(p, "sn10", true); }, {"DRAM", "too large"});
}

TEST(Overflow, FlopsPast2Pow62NameTheKernel) {
  // Every tensor fits (2^42 elements) but the work, 2 x 2^20 x 2^21 x 2^21 = 2^63, does not.
  const auto p = huge(int64_t{1} << 20, int64_t{1} << 21, int64_t{1} << 21);
  expect_user_error([&] { pattern::count_flops(p); }, {"FLOP count", "kernel matmul", "too large"});
  expect_user_error([&] { compile_on(p, "sn10", true); }, {"matmul", "too large"});
  const arch::ArchSpec a100 = arch::load_arch("a100");
  sim::SimOptions o;
  o.precision = arch::headline_precision(a100);
  expect_user_error([&] { sim::simulate_roofline(p, a100, o, "huge"); }, {});  // its memory runs out first
}

TEST(Overflow, HugeBatchThroughTheDriverIsAUserError) {
  // An ONNX model whose input has 2^59 rows of 8 values: 2^62 elements of 2
  // bytes on a bf16 chip. (The zoo's own settings stop far below this.)
  namespace ft = frontend::testing;
  ft::ModelSpec m;
  m.inputs = {ft::tensor_value("input", DType::F32, {int64_t{1} << 59, 8})};
  m.initializers = {ft::initializer("w", Tensor(DType::F32, {8, 4}))};
  m.nodes = {ft::node("MatMul", {"input", "w"}, {"y"}, {}, "mm")};
  m.outputs = {"y"};
  const std::string path = ::testing::TempDir() + "/huge_batch.onnx";
  ft::write_model(m, path);
  for (sim::Mode mode : {sim::Mode::Fast, sim::Mode::Cycle}) {
    sim::SimOptions o;
    o.mode = mode;
    expect_user_error([&] { driver::simulate_model(path, "sn10", 1, o); }, {"tensor 'input'", "too large"});
  }
  expect_user_error([&] { driver::simulate_model(path, "a100", 1, {}); }, {"too large"});
}

TEST(Overflow, LargeButFiniteModelsStillCompile) {
  // 2^20 x 2^10 x 2^10: ~2^41 FLOPs, far from the limit.
  const auto sp = compile_on(huge(int64_t{1} << 20, int64_t{1} << 10, int64_t{1} << 10), "sn10");
  EXPECT_EQ(sp.kernels.front().flops, int64_t{2} << 40);
}

}  // namespace
}  // namespace tessera
