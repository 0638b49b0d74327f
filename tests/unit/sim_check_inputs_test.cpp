// `sim --check` inputs: an integer input used as an index draws within the
// smallest dimension it indexes (through Cast and Reshape), and the user's
// own inputs (`--input NAME=FILE.npy`) replace the drawn ones by name.
#include <gtest/gtest.h>

#include <string>

#include "tessera/arch/spec.h"
#include "tessera/compile/chip.h"
#include "tessera/compile/compile.h"
#include "tessera/driver/simulate.h"
#include "tessera/graph/infer.h"
#include "tessera/lower/lower.h"
#include "tessera/sim/check.h"
#include "tessera/sim/check_inputs.h"
#include "tessera/support/error.h"

namespace tessera {
namespace {

// ids: i64[2,3] -> Cast(i32) -> Reshape([6]) -> Gather from a 2-row table and
// (uncast) from a 5-row table; ids also feeds an Add, which bounds nothing.
pattern::Program two_row_embedding() {
  graph::Graph g;
  auto value = [&](const std::string& name, Shape s, DType dt = DType::F32) {
    graph::Value v;
    v.name = name;
    v.dtype = dt;
    v.shape = std::move(s);
    v.shape_known = true;
    return g.add_value(v);
  };
  auto constant = [&](const std::string& name, Tensor t) {
    auto id = value(name, t.shape(), t.dtype());
    g.value(id).constant = std::move(t);
    return id;
  };
  auto node = [&](const std::string& op, std::vector<graph::ValueId> in, std::map<std::string, graph::Attr> attrs = {}) {
    auto out = value(op + "_out" + std::to_string(g.nodes.size()), {});
    g.nodes.push_back({op, op + std::to_string(g.nodes.size()), std::move(in), {out}, std::move(attrs), ""});
    graph::infer_node(g, g.nodes.back());
    return out;
  };
  auto ids = value("ids", {2, 3}, DType::I64);
  g.inputs = {ids};
  Tensor small(DType::F32, {2, 4}), big(DType::F32, {5, 4}), shape(DType::I64, {1});
  for (int64_t i = 0; i < small.size(); ++i) small.data<float>()[i] = static_cast<float>(i + 1);
  for (int64_t i = 0; i < big.size(); ++i) big.data<float>()[i] = static_cast<float>(i) / 10;
  shape.data<int64_t>()[0] = 6;
  auto cast = node("Cast", {ids}, {{"to", int64_t{6}}});
  auto flat = node("Reshape", {cast, constant("shape", shape)});
  auto a = node("Gather", {constant("small", small), flat});
  auto b = node("Gather", {constant("big", big), ids});
  auto sum = node("Add", {ids, ids});
  g.outputs = {a, b, sum};
  return lower::lower(g);
}

int32_t tensor_named(const pattern::Program& p, const std::string& name) {
  for (size_t t = 0; t < p.tensors.size(); ++t)
    if (p.tensors[t].name == name) return static_cast<int32_t>(t);
  ADD_FAILURE() << "no tensor " << name;
  return 0;
}

TEST(CheckInputs, AnIndexInputIsBoundedByTheSmallestDimensionItIndexes) {
  const auto p = two_row_embedding();
  const auto bounds = sim::index_bounds(p);
  EXPECT_EQ(bounds[tensor_named(p, "ids")], 2) << "through Cast and Reshape, the 2-row table is the smallest";
  const Tensor ids = sim::check_inputs(p, 7).at("ids");
  bool saw_one = false;
  for (int64_t i = 0; i < ids.size(); ++i) {
    EXPECT_GE(ids.get_i64(i), 0);
    EXPECT_LT(ids.get_i64(i), 2);
    saw_one = saw_one || ids.get_i64(i) == 1;
  }
  EXPECT_TRUE(saw_one) << "draws cover the range";
}

TEST(CheckInputs, TheCheckPassesOnATwoRowEmbedding) {
  const auto p = two_row_embedding();
  const arch::ArchSpec spec = arch::load_arch("plasticine");
  compile::CompileOptions o;
  const auto sp = compile::compile(p, compile::chip_from_arch(spec, arch::Precision::Fp32), o, "emb");
  for (uint64_t seed : {0, 1, 2}) EXPECT_TRUE(sim::check_mapping(p, sp, arch::Precision::Fp32, seed).passed) << seed;
}

TEST(CheckInputs, GivenInputsReplaceDrawnOnesByName) {
  const auto p = two_row_embedding();
  Tensor mine(DType::I64, {2, 3});
  for (int64_t i = 0; i < mine.size(); ++i) mine.set_i64(i, 1);
  const auto inputs = sim::check_inputs(p, 0, {{"ids", mine}});
  for (int64_t i = 0; i < 6; ++i) EXPECT_EQ(inputs.at("ids").get_i64(i), 1);
  try {
    sim::check_inputs(p, 0, {{"idz", mine}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what, "--input idz: the model has no input named 'idz'; its inputs are ids");
  }
  // An out-of-range index given by the user is still the executor's one-line error.
  for (int64_t i = 0; i < mine.size(); ++i) mine.set_i64(i, 3);
  const arch::ArchSpec spec = arch::load_arch("plasticine");
  const auto sp = compile::compile(p, compile::chip_from_arch(spec, arch::Precision::Fp32), {}, "emb");
  EXPECT_THROW(sim::check_mapping(p, sp, arch::Precision::Fp32, 0, {}, {{"ids", mine}}), Error);
}

TEST(CheckInputs, BertsTokenTypeTableOfTwoRowsPasses) {
  // token_type_ids index a 2-row table; drawn in [0, 4) they used to fail.
  const auto r = driver::check_model("zoo:bert,seq=8,layers=1,vocab=64,positions=16", "sn10", 1);
  EXPECT_TRUE(r.passed) << r.max_abs_err << " vs " << r.max_ref;
}

}  // namespace
}  // namespace tessera
