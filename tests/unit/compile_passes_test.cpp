// Unit tests of the sectioning, tiling and parallelisation passes on small
// programs and hand-made chips.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "op_test_util.h"
#include "tessera/compile/compile.h"
#include "tessera/compile/cost_model.h"
#include "tessera/graph/infer.h"
#include "tessera/lower/lower.h"
#include "tessera/pattern/builder.h"
#include "tessera/support/error.h"

namespace tessera {
namespace {

using compile::Chip;
using compile::SpatialProgram;
using compile::UnitKind;

// rows x cols checkerboard of PCUs/PMUs with 4 AGCUs on the fringe.
Chip small_chip(int rows, int cols, int64_t pmu_kib = 256) {
  Chip c;
  c.name = "test";
  c.rows = rows + 2;
  c.cols = cols + 2;
  for (int r = 0; r < rows; ++r)
    for (int col = 0; col < cols; ++col) c.sites.push_back({(r + col) % 2 ? UnitKind::PMU : UnitKind::PCU, r + 1, col + 1});
  for (int i = 0; i < 4; ++i) c.sites.push_back({UnitKind::AGCU, 0, 1 + i});
  c.pcu_lanes = 16;
  c.pcu_stages = 6;
  c.pmu_bytes = pmu_kib * 1024;
  c.pmu_banks = 16;
  c.clock_ghz = 1.0;
  c.dram_bytes_per_cycle = 50;
  c.dram_capacity_bytes = int64_t{1} << 32;
  c.element_bytes = 4;
  return c;
}

// x -> Relu -> Exp -> Tanh -> MatMul(w) : a chain of four kernels.
pattern::Program chain_program(int64_t rows = 256, int64_t cols = 256) {
  graph::Graph g;
  auto value = [&](const std::string& name, Shape s, bool weight) {
    graph::Value v;
    v.name = name;
    v.shape = std::move(s);
    v.shape_known = true;
    if (weight) v.parameter = true;
    return g.add_value(v);
  };
  auto x = value("x", {rows, cols}, false);
  g.inputs.push_back(x);
  auto w = value("w", {cols, 64}, true);
  graph::ValueId cur = x;
  for (const char* op : {"Relu", "Exp", "Tanh"}) {
    auto out = value(std::string(op) + "_out", {}, false);
    g.nodes.push_back({op, op, {cur}, {out}, {}});
    graph::infer_node(g, g.nodes.back());
    cur = out;
  }
  auto y = value("y", {}, false);
  g.nodes.push_back({"MatMul", "mm", {cur, w}, {y}, {}});
  graph::infer_node(g, g.nodes.back());
  g.outputs.push_back(y);
  return lower::lower(g);
}

// x -> Relu, Exp, Tanh, Neg, ... side by side: `n` kernels, each its own output.
pattern::Program parallel_program(int64_t rows, int64_t cols, int n) {
  graph::Graph g;
  graph::Value xv;
  xv.name = "x";
  xv.shape = {rows, cols};
  xv.shape_known = true;
  const auto x = g.add_value(xv);
  g.inputs.push_back(x);
  const char* ops[] = {"Relu", "Exp", "Tanh", "Neg", "Abs", "Sigmoid"};
  for (int i = 0; i < n; ++i) {
    graph::Value v;
    v.name = std::string(ops[i]) + "_out";
    const auto out = g.add_value(v);
    g.nodes.push_back({ops[i], ops[i], {x}, {out}, {}});
    graph::infer_node(g, g.nodes.back());
    g.outputs.push_back(out);
  }
  return lower::lower(g);
}

SpatialProgram compile_at(const pattern::Program& p, const Chip& chip, int opt) {
  compile::CompileOptions o;
  o.opt = opt;
  return compile::compile(p, chip, o, "test");
}

TEST(CompileSection, O0PutsEachKernelAlone) {
  auto sp = compile_at(chain_program(), small_chip(8, 8), 0);
  ASSERT_EQ(sp.sections.size(), 4u);
  for (const auto& s : sp.sections) EXPECT_EQ(s.kernels.size(), 1u);
  // Kernel by kernel: each intermediate is written and read back once.
  int64_t writes = 0;
  for (const auto& s : sp.sections) writes += s.dram_write_bytes;
  EXPECT_EQ(writes, 3 * 256 * 256 * 4 + 256 * 64 * 4);
}

TEST(CompileSection, O1FusesTheChainAndKeepsIntermediatesOnChip) {
  auto o0 = compile_at(chain_program(), small_chip(8, 8), 0);
  auto o1 = compile_at(chain_program(), small_chip(8, 8), 1);
  ASSERT_EQ(o1.sections.size(), 1u);
  EXPECT_EQ(o1.sections[0].dram_write_bytes, 256 * 64 * 4);           // only the output
  EXPECT_EQ(o1.sections[0].dram_read_bytes, 256 * 256 * 4 + 256 * 64 * 4);  // input + weights once
  int64_t d0 = 0;
  for (const auto& s : o0.sections) d0 += s.dram_read_bytes + s.dram_write_bytes;
  EXPECT_LT(o1.sections[0].dram_read_bytes + o1.sections[0].dram_write_bytes, d0);
}

TEST(CompileSection, SplitsWhenUnitsRunOut) {
  // 2x4 grid: 4 PCUs and 4 PMUs cannot hold four kernels' buffers at once.
  auto sp = compile_at(chain_program(64, 64), small_chip(2, 4), 1);
  EXPECT_GT(sp.sections.size(), 1u);
  EXPECT_LT(sp.sections.size(), 4u);
  for (const auto& s : sp.sections) {
    EXPECT_LE(s.pcus, 4);
    EXPECT_LE(s.pmus, 4);
  }
}

// x @ Reshape(w) -> Split into two halves, one read by Relu, the other by nothing.
pattern::Program view_and_dead_output_program() {
  graph::Graph g;
  auto value = [&](const std::string& name, Shape s, DType dtype = DType::F32) {
    graph::Value v;
    v.name = name;
    v.dtype = dtype;
    v.shape = std::move(s);
    v.shape_known = true;
    return g.add_value(v);
  };
  auto x = value("x", {64, 32});
  g.inputs.push_back(x);
  auto w = value("w", {512});
  g.value(w).parameter = true;
  auto shape = value("shape", {2}, DType::I64);
  Tensor st(DType::I64, {2});
  st.set_f64(0, 32);
  st.set_f64(1, 16);
  g.value(shape).constant = st;
  auto node = [&](const std::string& op, std::vector<graph::ValueId> in, std::vector<graph::ValueId> out,
                  std::map<std::string, graph::Attr> attrs = {}) {
    g.nodes.push_back({op, op, std::move(in), std::move(out), std::move(attrs)});
    graph::infer_node(g, g.nodes.back());
  };
  auto wr = value("wr", {}), y = value("y", {}), a = value("a", {}), b = value("b", {}), z = value("z", {});
  node("Reshape", {w, shape}, {wr});
  node("MatMul", {x, wr}, {y});
  node("Split", {y}, {a, b}, {{"axis", int64_t{1}}, {"num_outputs", int64_t{2}}});
  node("Relu", {a}, {z});
  g.outputs.push_back(z);
  return lower::lower(g);
}

TEST(CompileSection, PmuEstimateIsWhatUnitsAllocate) {
  // Sectioning fuses by pmus_needed; the units pass must then allocate exactly
  // that many (it once saw a reshaped weight as DRAM data and gave a dead
  // output a buffer, so fused sections came out a few PMUs over the chip).
  const auto p = view_and_dead_output_program();
  for (int opt : {0, 1}) {
    const auto sp = compile_at(p, small_chip(8, 8), opt);
    for (const auto& s : sp.sections) {
      std::set<int> members(s.kernels.begin(), s.kernels.end());
      auto inside = [&](int k) { return members.count(k) != 0; };
      int estimate = 0;
      for (int k : s.kernels) estimate += compile::pmus_needed(sp, sp.kernels[k], inside, sp.kernels[k].weights_resident);
      EXPECT_EQ(s.pmus, estimate) << s.name << " at -O" << opt;
    }
  }
}

TEST(CompileParallelize, BalancesStagesByWork) {
  auto sp = compile_at(chain_program(1024, 256), small_chip(16, 16), 1);
  ASSERT_EQ(sp.sections.size(), 1u);
  const auto& ks = sp.kernels;
  int64_t slowest = 0, fastest = INT64_MAX;
  for (const auto& k : ks) {
    slowest = std::max(slowest, k.compute_cycles);
    fastest = std::min(fastest, k.compute_cycles);
  }
  // The matmul does 64x the work per element of an elementwise kernel; with
  // balancing no kernel is more than ~2x faster than the slowest...
  EXPECT_LE(slowest, 2 * fastest + 64);
  // ...and the matmul got the most copies.
  EXPECT_GT(ks.back().par, ks.front().par);
}

TEST(CompileErrors, KernelTooLongForTheChip) {
  // One element needs 400 operations: a chain of 67 PCUs on a 6-stage PCU.
  pattern::KernelBuilder b("long");
  auto x = b.input("x", DType::F32, {64}), y = b.output("y", DType::F32, {64});
  b.map_shape({64}, [&](const std::vector<pattern::E>& i) {
    pattern::E v = b.read(x, i);
    for (int k = 0; k < 400; ++k) v = v * 1.0001;
    b.store(y, i, v);
  });
  pattern::Program p;
  p.tensors = {{"x", DType::F32, {64}, {}, true, false}, {"y", DType::F32, {64}, {}, false, true}};
  p.inputs = {0};
  p.outputs = {1};
  p.calls.push_back({b.finish(), "Mul", "long", {0, 1}});
  try {
    compile_at(p, small_chip(8, 8), 1);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs a chain of 67 PCUs"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("32 PCUs (35 short)"), std::string::npos) << e.what();
  }
}

TEST(CompileErrors, ModelLargerThanDram) {
  Chip chip = small_chip(8, 8);
  chip.dram_capacity_bytes = 100000;
  try {
    compile_at(chain_program(), chip, 1);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("of DRAM"), std::string::npos) << e.what();
  }
}

TEST(CompileErrors, UnknownPassForPrintAfter) {
  compile::CompileOptions o;
  o.print_after = "sectoin";
  EXPECT_THROW(compile::compile(chain_program(), small_chip(8, 8), o, "test"), Error);
}

TEST(CompileTile, WeightsStreamWhenTheyDoNotFit) {
  // 8 PMUs of 4 KiB cannot hold a 64 KiB weight: it streams, once per output tile.
  auto sp = compile_at(chain_program(256, 256), small_chip(4, 4, 4), 0);
  const auto& mm = sp.kernels.back();
  EXPECT_FALSE(mm.weights_resident);
  EXPECT_GT(mm.dram_read_bytes, 256 * 64 * 4 + 256 * 256 * 4);
}

TEST(CompileTile, ASectionPipelinesItsKernelsAndItsDramStages) {
  // -O1: 4 kernels, resident weight: at least 4 tiles per stage over 4 kernels
  // plus the DRAM read and write (24), rounded up to 32.
  const auto o1 = compile_at(chain_program(256, 256), small_chip(8, 8), 1);
  ASSERT_EQ(o1.sections.size(), 1u);
  for (const auto& k : o1.kernels) {
    if (!k.view) {
      EXPECT_EQ(k.tiles, 32) << k.name;
    }
  }
  // Side by side instead of in series, the same kernels are one stage deep:
  // (1 + 2) x 4 = 12 -> 16 tiles, as each alone gets.
  const auto wide = compile_at(parallel_program(256, 256, 4), small_chip(8, 8), 1);
  ASSERT_EQ(wide.sections.size(), 1u);
  for (const auto& k : wide.kernels) EXPECT_EQ(k.tiles, 16) << k.name;
  // -O0: every kernel alone still pipelines against its DRAM read and write: 12 -> 16.
  const auto o0 = compile_at(chain_program(256, 256), small_chip(8, 8), 0);
  for (const auto& k : o0.kernels) {
    if (!k.view && k.weights_resident) {
      EXPECT_EQ(k.tiles, 16) << k.name;
    }
  }
}

}  // namespace
}  // namespace tessera
