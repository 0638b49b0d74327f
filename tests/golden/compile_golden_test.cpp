// Golden test of the compiler: a small attention-like block compiled for the
// plasticine preset at -O0 and -O1, with the spatial program printed after
// every pass, compared with tests/golden/compile_<level>.txt. Regenerate after
// an intended change with TESSERA_UPDATE_GOLDEN=1 and review the diff.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tessera/arch/derived.h"
#include "tessera/arch/spec.h"
#include "tessera/compile/chip.h"
#include "tessera/compile/compile.h"
#include "tessera/graph/infer.h"
#include "tessera/lower/lower.h"

namespace tessera {
namespace {

// x[64,128] -> MatMul(w[128,128]) -> Relu -> Softmax -> MatMul(v[128,32]).
pattern::Program block() {
  graph::Graph g;
  auto value = [&](const std::string& name, Shape s, bool weight) {
    graph::Value v;
    v.name = name;
    v.shape = std::move(s);
    v.shape_known = true;
    v.parameter = weight;
    return g.add_value(v);
  };
  auto node = [&](const std::string& op, std::vector<graph::ValueId> in) {
    auto out = value(op + std::to_string(g.nodes.size()), {}, false);
    g.nodes.push_back({op, op + std::to_string(g.nodes.size()), std::move(in), {out}, {}, ""});
    graph::infer_node(g, g.nodes.back());
    return out;
  };
  auto x = value("x", {64, 128}, false);
  g.inputs.push_back(x);
  auto h = node("MatMul", {x, value("w", {128, 128}, true)});
  h = node("Relu", {h});
  h = node("Softmax", {h});
  g.outputs.push_back(node("MatMul", {h, value("v", {128, 32}, true)}));
  return lower::lower(g);
}

std::string trace_passes(int opt) {
  const arch::ArchSpec spec = arch::load_arch("plasticine");
  const pattern::Program p = block();
  compile::CompileOptions o;
  o.opt = opt;
  compile::SpatialProgram sp;
  sp.model = "block";
  sp.arch = spec.name;
  sp.opt = opt;
  sp.chip = compile::chip_from_arch(spec, arch::Precision::Fp32);
  compile::PassContext ctx{p, o, sp};
  std::string out;
  for (const auto& pass : compile::passes()) {
    pass.run(ctx);
    out += std::string("// after ") + pass.name + "\n" + compile::print(sp);
  }
  return out;
}

void check_golden(int opt) {
  const std::string path = std::string(TESSERA_SOURCE_DIR) + "/tests/golden/compile_O" + std::to_string(opt) + ".txt";
  const std::string actual = trace_passes(opt);
  if (std::getenv("TESSERA_UPDATE_GOLDEN")) {
    std::ofstream(path) << actual;
    return;
  }
  std::ifstream file(path);
  ASSERT_TRUE(file.good()) << "missing " << path << "; run with TESSERA_UPDATE_GOLDEN=1 to create it";
  std::stringstream expected;
  expected << file.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "the spatial program after some pass differs from " << path;
}

TEST(GoldenCompile, KernelByKernel) { check_golden(0); }
TEST(GoldenCompile, SpatialDataflow) { check_golden(1); }

}  // namespace
}  // namespace tessera
