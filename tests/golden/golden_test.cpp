// Golden tests: the printed Pattern IR of small examples of each op family,
// compared with the stored tests/golden/<family>.pat. Regenerate after an
// intended change with TESSERA_UPDATE_GOLDEN=1 and review the diff.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "../unit/op_test_util.h"
#include "tessera/lower/lower.h"
#include "tessera/pattern/ir.h"

namespace tessera {
namespace {

using testing::cin;
using testing::in;
using testing::OpInput;

struct Case {
  std::string op;
  std::vector<OpInput> inputs;
  std::map<std::string, graph::Attr> attrs;
  size_t outputs = 1;
};

Tensor f(Shape s) { return Tensor(DType::F32, std::move(s)); }

std::string render(const std::vector<Case>& cases) {
  std::string out;
  for (const Case& c : cases) {
    graph::Graph g = testing::infer_op(c.op, c.inputs, c.attrs, c.outputs);
    pattern::Program p = lower::lower(g);
    out += "# " + c.op + "\n";
    for (const auto& call : p.calls) {
      std::string text = pattern::print(call.kernel);
      // Every golden kernel must also round-trip through the parser.
      EXPECT_TRUE(pattern::equal(pattern::parse_kernel(text), call.kernel)) << text;
      out += text;
    }
    out += "\n";
  }
  return out;
}

void check_golden(const std::string& family, const std::vector<Case>& cases) {
  const std::string path = std::string(TESSERA_SOURCE_DIR) + "/tests/golden/" + family + ".pat";
  const std::string actual = render(cases);
  if (std::getenv("TESSERA_UPDATE_GOLDEN")) {
    std::ofstream(path) << actual;
    return;
  }
  std::ifstream file(path);
  ASSERT_TRUE(file.good()) << "missing " << path << "; run with TESSERA_UPDATE_GOLDEN=1 to create it";
  std::stringstream expected;
  expected << file.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "printed kernels differ from " << path;
}

TEST(Golden, Elementwise) {
  check_golden("elementwise", {{"Add", {in(f({2, 3})), in(f({3}))}},
                               {"Relu", {in(f({4}))}},
                               {"Where", {in(Tensor(DType::Bool, {2, 1})), in(f({2, 3})), in(f({}))}}});
}

TEST(Golden, Linalg) { check_golden("linalg", {{"MatMul", {in(f({2, 3})), in(f({3, 4}))}}}); }

TEST(Golden, Conv) {
  check_golden("conv", {{"Conv", {in(f({1, 2, 5, 5})), in(f({3, 2, 3, 3}))}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}},
                        {"MaxPool", {in(f({1, 1, 4, 4}))}, {{"kernel_shape", std::vector<int64_t>{2, 2}},
                                                           {"strides", std::vector<int64_t>{2, 2}}}}});
}

TEST(Golden, Norm) {
  check_golden("norm", {{"Softmax", {in(f({2, 8}))}},
                        {"LayerNormalization", {in(f({2, 8})), in(f({8})), in(f({8}))}}});
}

TEST(Golden, Reduce) {
  check_golden("reduce", {{"ReduceSum", {in(f({2, 3, 4})), cin(Tensor::from_i64({1}, {1}))}, {{"keepdims", int64_t{0}}}}});
}

TEST(Golden, Shape) {
  check_golden("shape", {{"Transpose", {in(f({2, 3, 4}))}, {{"perm", std::vector<int64_t>{2, 0, 1}}}},
                         {"Reshape", {in(f({2, 6})), cin(Tensor::from_i64({3, 4}, {2}))}},
                         {"Concat", {in(f({2, 3})), in(f({2, 2}))}, {{"axis", int64_t{1}}}}});
}

TEST(Golden, Index) {
  check_golden("index", {{"Gather", {in(f({5, 3})), in(Tensor::from_i64({0, 4}, {2}))}, {{"axis", int64_t{0}}}}});
}

}  // namespace
}  // namespace tessera
