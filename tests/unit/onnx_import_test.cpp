// The ONNX importer on small hand-built models: initializer storage forms,
// constant chains folded away, canonical forms of Gemm, legacy-opset
// attributes (opsets 1-6 included) and removed pass-through nodes. Expected graphs are worked out
// by hand from the ONNX operator specifications.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "tessera/driver/driver.h"
#include "tessera/frontend/onnx/importer.h"
#include "tessera/frontend/onnx/test_models.h"
#include "tessera/support/error.h"

namespace tessera::frontend {
namespace {

using testing::initializer;
using testing::InitializerSpec;
using testing::ModelSpec;
using testing::node;
using testing::NodeSpec;
using testing::Storage;
using testing::tensor_value;

std::string temp_path(const std::string& name) {
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "onnx_import";
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

graph::Graph import_spec(const ModelSpec& m, const std::string& name, const FoldFn& fold = {}) {
  std::string path = temp_path(name);
  testing::write_model(m, path);
  return import_onnx(path, fold);
}

graph::Graph load_spec(const ModelSpec& m, const std::string& name) {
  std::string path = temp_path(name);
  testing::write_model(m, path);
  return driver::load_model(path);
}

std::vector<std::string> ops(const graph::Graph& g) {
  std::vector<std::string> out;
  for (const auto& n : g.nodes) out.push_back(n.op);
  return out;
}

// The constant a graph output reads through the Identity the importer puts
// in front of constant outputs.
Tensor output_constant(const graph::Graph& g, const std::string& name) {
  for (const auto& n : g.nodes)
    if (n.op == "Identity" && g.value(n.outputs.at(0)).name == name) {
      const graph::Value& v = g.value(n.inputs.at(0));
      EXPECT_TRUE(v.constant.has_value()) << name;
      return v.constant ? *v.constant : Tensor();
    }
  ADD_FAILURE() << "no Identity produces " << name;
  return Tensor();
}

std::vector<double> values(const Tensor& t) {
  std::vector<double> out;
  for (int64_t i = 0; i < t.size(); ++i) out.push_back(t.get_f64(i));
  return out;
}

std::map<std::string, Tensor> run_spec(const ModelSpec& m, const std::string& name,
                                       const std::map<std::string, Tensor>& inputs) {
  std::string path = temp_path(name);
  testing::write_model(m, path);
  return driver::run_model(path, inputs);
}

const graph::Value& input_value(const graph::Graph& g, const graph::Node& n, size_t k) {
  const graph::Value* v = g.input(n, k);
  EXPECT_NE(v, nullptr) << n.describe() << " input " << k;
  return *v;
}

TEST(OnnxImport, InitializersRawTypedAndExternal) {
  ModelSpec m;
  InitializerSpec ext = initializer("ext", Tensor::from_f32({1.5f, -2.f, 3.25f, 4.f}, {2, 2}), Storage::External);
  ext.external_file = "ext.bin";
  ext.external_offset = 16;
  Tensor flags(DType::Bool, {3});
  flags.set_i64(1, 1);
  Tensor bytes(DType::U8, {2});
  bytes.set_i64(0, 200);
  bytes.set_i64(1, 7);
  Tensor small(DType::I8, {2});
  small.set_i64(0, -100);
  small.set_i64(1, 5);
  m.initializers = {initializer("raw_f32", Tensor::from_f32({1, 2, 3, 4, 5, 6}, {2, 3}), Storage::Raw),
                    initializer("typed_f32", Tensor::from_f32({0.5f, -0.5f}, {2}), Storage::Typed),
                    initializer("typed_i64", Tensor::from_i64({-3, 1LL << 40}, {2}), Storage::Typed),
                    initializer("raw_i64", Tensor::from_i64({9}, {}), Storage::Raw),
                    initializer("typed_f64", Tensor::from_f32({2.5f}, {1}).cast(DType::F64), Storage::Typed),
                    initializer("typed_i32", Tensor::from_i64({-7, 70000}, {2}).cast(DType::I32), Storage::Typed),
                    initializer("typed_bool", flags, Storage::Typed),
                    initializer("raw_bool", flags, Storage::Raw),
                    initializer("typed_u8", bytes, Storage::Typed),
                    initializer("raw_i8", small, Storage::Raw),
                    initializer("typed_i16", Tensor::from_i64({-30000}, {1}).cast(DType::I16), Storage::Typed),
                    ext};
  for (const auto& init : m.initializers) m.outputs.push_back(init.name);
  graph::Graph g = import_spec(m, "initializers.onnx");

  EXPECT_EQ(values(output_constant(g, "raw_f32")), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(output_constant(g, "raw_f32").shape(), (Shape{2, 3}));
  EXPECT_EQ(values(output_constant(g, "typed_f32")), (std::vector<double>{0.5, -0.5}));
  EXPECT_EQ(output_constant(g, "typed_i64").to_i64_vector(), (std::vector<int64_t>{-3, 1LL << 40}));
  EXPECT_EQ(output_constant(g, "raw_i64").shape(), Shape{});
  EXPECT_EQ(output_constant(g, "raw_i64").get_i64(0), 9);
  EXPECT_EQ(output_constant(g, "typed_f64").dtype(), DType::F64);
  EXPECT_EQ(values(output_constant(g, "typed_f64")), (std::vector<double>{2.5}));
  EXPECT_EQ(output_constant(g, "typed_i32").dtype(), DType::I32);
  EXPECT_EQ(values(output_constant(g, "typed_i32")), (std::vector<double>{-7, 70000}));
  EXPECT_EQ(values(output_constant(g, "typed_bool")), (std::vector<double>{0, 1, 0}));
  EXPECT_EQ(values(output_constant(g, "raw_bool")), (std::vector<double>{0, 1, 0}));
  EXPECT_EQ(output_constant(g, "typed_u8").dtype(), DType::U8);
  EXPECT_EQ(values(output_constant(g, "typed_u8")), (std::vector<double>{200, 7}));
  EXPECT_EQ(values(output_constant(g, "raw_i8")), (std::vector<double>{-100, 5}));
  EXPECT_EQ(values(output_constant(g, "typed_i16")), (std::vector<double>{-30000}));
  EXPECT_EQ(values(output_constant(g, "ext")), (std::vector<double>{1.5, -2, 3.25, 4}));
  EXPECT_EQ(output_constant(g, "ext").shape(), (Shape{2, 2}));
  EXPECT_TRUE(g.inputs.empty());
  EXPECT_EQ(g.nodes.size(), m.initializers.size());  // one Identity per constant output
}

TEST(OnnxImport, InitializerListedAsInputIsConstant) {
  ModelSpec m;
  InitializerSpec w = initializer("w", Tensor::from_f32({1, 2}, {2}));
  w.also_input = true;
  m.inputs = {tensor_value("x", DType::F32, {2})};
  m.initializers = {w};
  m.nodes = {node("Identity", {"x"}, {"y"}, {}, "id")};
  m.outputs = {"y", "w"};
  graph::Graph g = import_spec(m, "init_as_input.onnx");
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.value(g.inputs[0]).name, "x");
  EXPECT_EQ(values(output_constant(g, "w")), (std::vector<double>{1, 2}));
}

TEST(OnnxImport, ReadTensorPb) {
  std::string raw = temp_path("raw.pb"), typed = temp_path("typed.pb");
  testing::write_tensor_pb(Tensor::from_f32({1, -2, 3, -4, 5, -6}, {3, 2}), "t", raw);
  testing::write_tensor_pb(Tensor::from_i64({4, 5, 6}, {3}), "u", typed, Storage::Typed);
  Tensor a = read_tensor_pb(raw), b = read_tensor_pb(typed);
  EXPECT_EQ(a.dtype(), DType::F32);
  EXPECT_EQ(a.shape(), (Shape{3, 2}));
  EXPECT_EQ(values(a), (std::vector<double>{1, -2, 3, -4, 5, -6}));
  EXPECT_EQ(b.dtype(), DType::I64);
  EXPECT_EQ(b.to_i64_vector(), (std::vector<int64_t>{4, 5, 6}));
}

TEST(OnnxImport, ConstantsShapeAndSizeBecomePayloads) {
  ModelSpec m;
  m.opset = 15;
  m.inputs = {tensor_value("x", DType::F32, {2, 3, 4, 5})};
  m.nodes = {node("Shape", {"x"}, {"full"}, {}, "shape"),
             node("Shape", {"x"}, {"tail"}, {{"start", int64_t{1}}, {"end", int64_t{-1}}}, "shape_slice"),
             node("Size", {"x"}, {"n"}, {}, "size"),
             node("Constant", {}, {"c"}, {{"value_floats", std::vector<double>{0.5, 1.5}}}, "const"),
             node("Constant", {}, {"k"}, {{"value_int", int64_t{7}}}, "const_int"),
             node("ConstantOfShape", {"tail"}, {"ones"}, {{"value", Tensor::from_i64({1}, {1})}}, "fill")};
  m.outputs = {"full", "tail", "n", "c", "k", "ones"};
  graph::Graph g = import_spec(m, "constants.onnx");
  EXPECT_EQ(output_constant(g, "full").to_i64_vector(), (std::vector<int64_t>{2, 3, 4, 5}));
  EXPECT_EQ(output_constant(g, "tail").to_i64_vector(), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(output_constant(g, "n").shape(), Shape{});
  EXPECT_EQ(output_constant(g, "n").get_i64(0), 120);
  EXPECT_EQ(output_constant(g, "c").dtype(), DType::F32);
  EXPECT_EQ(values(output_constant(g, "c")), (std::vector<double>{0.5, 1.5}));
  EXPECT_EQ(output_constant(g, "k").get_i64(0), 7);
  Tensor ones = output_constant(g, "ones");
  EXPECT_EQ(ones.dtype(), DType::I64);
  EXPECT_EQ(ones.shape(), (Shape{3, 4}));
  EXPECT_EQ(ones.to_i64_vector(), std::vector<int64_t>(12, 1));
}

// Shape -> Gather -> Unsqueeze -> Concat -> Reshape, as PyTorch exports
// x.view(x.size(0), -1): everything but the Reshape folds away.
TEST(OnnxImport, ShapeChainFoldsIntoReshapeConstant) {
  ModelSpec m;
  m.inputs = {tensor_value("x", DType::F32, {2, 3, 4})};
  m.nodes = {node("Shape", {"x"}, {"s"}, {}, "shape"),
             node("Constant", {}, {"zero"}, {{"value", Tensor::scalar_i64(0)}}, "c0"),
             node("Gather", {"s", "zero"}, {"d0"}, {{"axis", int64_t{0}}}, "gather"),
             node("Constant", {}, {"axes"}, {{"value", Tensor::from_i64({0}, {1})}}, "c1"),
             node("Unsqueeze", {"d0", "axes"}, {"d0v"}, {}, "unsqueeze"),
             node("Constant", {}, {"minus1"}, {{"value", Tensor::from_i64({-1}, {1})}}, "c2"),
             node("Concat", {"d0v", "minus1"}, {"target"}, {{"axis", int64_t{0}}}, "concat"),
             node("Reshape", {"x", "target"}, {"y"}, {}, "reshape")};
  m.outputs = {"y"};
  graph::Graph g = load_spec(m, "shape_chain.onnx");
  ASSERT_EQ(ops(g), std::vector<std::string>{"Reshape"});
  const graph::Node& reshape = g.nodes[0];
  EXPECT_EQ(reshape.name, "reshape");
  EXPECT_EQ(input_value(g, reshape, 1).constant->to_i64_vector(), (std::vector<int64_t>{2, -1}));
  EXPECT_EQ(g.value(reshape.outputs[0]).shape, (Shape{2, 12}));
  EXPECT_EQ(g.values.size(), 3u);  // x, the folded target, y: the chain's values are gone
}

// Gemm(A, B^T, C) with alpha 2, beta 0.5 -> Transpose, MatMul, Mul, Mul, Add.
ModelSpec gemm_model(bool constant_b) {
  ModelSpec m;
  m.inputs = {tensor_value("a", DType::F32, {2, 3})};
  Tensor b = Tensor::from_f32({1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1}, {4, 3});
  if (constant_b)
    m.initializers.push_back(initializer("b", b));
  else
    m.inputs.push_back(tensor_value("b", DType::F32, {4, 3}));
  m.initializers.push_back(initializer("c", Tensor::from_f32({2, 4, 6, 8}, {4})));
  m.nodes = {node("Gemm", {"a", "b", "c"}, {"y"}, {{"transB", int64_t{1}}, {"alpha", 2.0}, {"beta", 0.5}}, "gemm")};
  m.outputs = {"y"};
  return m;
}

TEST(OnnxImport, GemmBecomesMatMulMulAdd) {
  graph::Graph g = import_spec(gemm_model(false), "gemm.onnx");
  ASSERT_EQ(ops(g), (std::vector<std::string>{"Transpose", "MatMul", "Mul", "Mul", "Add"}));
  const auto& n = g.nodes;
  EXPECT_EQ(n[0].attr_ints("perm"), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(input_value(g, n[0], 0).name, "b");
  EXPECT_EQ(g.value(n[0].outputs[0]).shape, (Shape{3, 4}));
  EXPECT_EQ(input_value(g, n[1], 0).name, "a");
  EXPECT_EQ(n[1].inputs[1], n[0].outputs[0]);
  EXPECT_EQ(n[2].inputs[0], n[1].outputs[0]);
  EXPECT_EQ(input_value(g, n[2], 1).constant->get_f64(0), 2.0);
  EXPECT_EQ(input_value(g, n[3], 0).name, "c");
  EXPECT_EQ(input_value(g, n[3], 1).constant->get_f64(0), 0.5);
  EXPECT_EQ(n[4].name, "gemm");
  EXPECT_EQ(n[4].inputs[0], n[2].outputs[0]);
  EXPECT_EQ(n[4].inputs[1], n[3].outputs[0]);
  const graph::Value& y = g.value(n[4].outputs[0]);
  EXPECT_EQ(y.name, "y");
  EXPECT_EQ(y.shape, (Shape{2, 4}));
}

TEST(OnnxImport, GemmWithConstantWeightsFoldsTransposeAndRuns) {
  std::string path = temp_path("gemm_const.onnx");
  testing::write_model(gemm_model(true), path);
  graph::Graph g = driver::load_model(path);
  EXPECT_EQ(ops(g), (std::vector<std::string>{"MatMul", "Mul", "Add"}));
  // a = [[1,2,3],[4,5,6]]; a B^T = [[1,2,3,6],[4,5,6,15]]; *2 + 0.5*[2,4,6,8].
  auto out = driver::run_model(path, {{"a", Tensor::from_f32({1, 2, 3, 4, 5, 6}, {2, 3})}});
  EXPECT_EQ(values(out.at("y")), (std::vector<double>{3, 6, 9, 16, 9, 12, 15, 34}));
}

TEST(OnnxImport, SqueezeAxesAttributeBecomesInputAtOpset11) {
  ModelSpec m;
  m.opset = 11;
  m.inputs = {tensor_value("x", DType::F32, {1, 3, 1})};
  m.nodes = {node("Squeeze", {"x"}, {"y"}, {{"axes", std::vector<int64_t>{0}}}, "sq")};
  m.outputs = {"y"};
  graph::Graph g = import_spec(m, "squeeze11.onnx");
  ASSERT_EQ(ops(g), std::vector<std::string>{"Squeeze"});
  const graph::Node& n = g.nodes[0];
  EXPECT_FALSE(n.has("axes"));
  ASSERT_EQ(n.inputs.size(), 2u);
  EXPECT_EQ(input_value(g, n, 1).constant->to_i64_vector(), std::vector<int64_t>{0});
  EXPECT_EQ(g.value(n.outputs[0]).shape, (Shape{3, 1}));
}

TEST(OnnxImport, IdentityAndDropoutRemoved) {
  ModelSpec m;
  m.opset = 13;
  m.inputs = {tensor_value("x", DType::F32, {2, 2})};
  m.nodes = {node("Identity", {"x"}, {"a"}, {}, ""), node("Dropout", {"a"}, {"b", "mask"}, {}, "drop"),
             node("Relu", {"b"}, {"r"}, {}, ""), node("Identity", {"r"}, {"y"}, {}, "out")};
  m.outputs = {"y", "mask"};
  graph::Graph g = import_spec(m, "identity.onnx");
  // Relu reads x directly; the output Identity stays (its name is the graph's
  // interface); the constant mask output reads an all-true constant through
  // an Identity placed first (other nodes may read a constant output).
  ASSERT_EQ(ops(g), (std::vector<std::string>{"Identity", "Relu", "Identity"}));
  EXPECT_EQ(g.nodes[0].name, "mask");
  EXPECT_EQ(g.nodes[1].name, "Relu_2");
  EXPECT_EQ(input_value(g, g.nodes[1], 0).name, "x");
  EXPECT_EQ(g.nodes[2].name, "out");
  EXPECT_EQ(g.value(g.nodes[2].outputs[0]).name, "y");
  Tensor mask = output_constant(g, "mask");
  EXPECT_EQ(mask.dtype(), DType::Bool);
  EXPECT_EQ(values(mask), (std::vector<double>{1, 1, 1, 1}));
}

TEST(OnnxImport, DeadNodesAndUnusedValuesRemoved) {
  ModelSpec m;
  m.inputs = {tensor_value("x", DType::F32, {3})};
  m.initializers = {initializer("unused", Tensor(DType::F32, {8}))};
  m.nodes = {node("Relu", {"x"}, {"dead"}, {}, "dead_relu"), node("Relu", {"x"}, {"y"}, {}, "relu")};
  m.outputs = {"y"};
  graph::Graph g = import_spec(m, "dead.onnx");
  ASSERT_EQ(ops(g), std::vector<std::string>{"Relu"});
  EXPECT_EQ(g.nodes[0].name, "relu");
  EXPECT_EQ(g.values.size(), 2u);
  EXPECT_FALSE(g.find("unused").has_value());
  EXPECT_FALSE(g.find("dead").has_value());
}

TEST(OnnxImport, LegacyClipPadAndReduceAttributesBecomeInputs) {
  ModelSpec m;
  m.opset = 10;
  m.inputs = {tensor_value("x", DType::F32, {2, 3})};
  m.nodes = {node("Clip", {"x"}, {"c"}, {{"min", -1.0}, {"max", 6.0}}, "clip"),
             node("Pad", {"c"}, {"p"}, {{"pads", std::vector<int64_t>{0, 1, 0, 1}}, {"value", 0.25}}, "pad"),
             node("ReduceMean", {"p"}, {"y"}, {{"axes", std::vector<int64_t>{1}}, {"keepdims", int64_t{0}}}, "mean")};
  m.outputs = {"y"};
  graph::Graph g = import_spec(m, "legacy10.onnx");
  ASSERT_EQ(ops(g), (std::vector<std::string>{"Clip", "Pad", "ReduceMean"}));
  const auto& n = g.nodes;
  EXPECT_TRUE(n[0].attrs.empty());
  EXPECT_EQ(input_value(g, n[0], 1).constant->get_f64(0), -1.0);
  EXPECT_EQ(input_value(g, n[0], 2).constant->get_f64(0), 6.0);
  EXPECT_EQ(input_value(g, n[0], 2).dtype, DType::F32);
  EXPECT_FALSE(n[1].has("pads"));
  EXPECT_EQ(input_value(g, n[1], 1).constant->to_i64_vector(), (std::vector<int64_t>{0, 1, 0, 1}));
  EXPECT_EQ(input_value(g, n[1], 2).constant->get_f64(0), 0.25);
  EXPECT_EQ(g.value(n[1].outputs[0]).shape, (Shape{2, 5}));
  EXPECT_EQ(input_value(g, n[2], 1).constant->to_i64_vector(), std::vector<int64_t>{1});
  EXPECT_EQ(n[2].attr_int("keepdims", -1), 0);
  EXPECT_EQ(n[2].attr_int("noop_with_empty_axes", -1), 0);
  EXPECT_EQ(g.value(n[2].outputs[0]).shape, Shape{2});
}

TEST(OnnxImport, LegacySoftmaxGetsLegacyAttribute) {
  ModelSpec m;
  m.opset = 11;
  m.inputs = {tensor_value("x", DType::F32, {2, 3, 4})};
  m.nodes = {node("Softmax", {"x"}, {"y"}, {}, "sm")};
  m.outputs = {"y"};
  graph::Graph g = import_spec(m, "softmax11.onnx");
  ASSERT_EQ(ops(g), std::vector<std::string>{"Softmax"});
  EXPECT_EQ(g.nodes[0].attr_int("legacy", 0), 1);
  EXPECT_EQ(g.nodes[0].attr_int("axis", -1), 1);
  m.opset = 13;
  graph::Graph g13 = import_spec(m, "softmax13.onnx");
  EXPECT_FALSE(g13.nodes.at(0).has("legacy"));
}

TEST(OnnxImport, LegacySliceSplitAndTopKAttributesBecomeInputs) {
  ModelSpec m;
  m.opset = 9;
  m.inputs = {tensor_value("x", DType::F32, {4, 6})};
  m.nodes = {node("Slice", {"x"}, {"s"},
                  {{"starts", std::vector<int64_t>{1, 0}},
                   {"ends", std::vector<int64_t>{3, 5}},
                   {"axes", std::vector<int64_t>{0, 1}}},
                  "slice"),
             node("Split", {"s"}, {"a", "b"}, {{"axis", int64_t{1}}, {"split", std::vector<int64_t>{2, 3}}}, "split"),
             node("TopK", {"b"}, {"v", "i"}, {{"k", int64_t{2}}}, "topk")};
  m.outputs = {"a", "v", "i"};
  graph::Graph g = import_spec(m, "legacy9.onnx");
  ASSERT_EQ(ops(g), (std::vector<std::string>{"Slice", "Split", "TopK"}));
  const auto& n = g.nodes;
  EXPECT_TRUE(n[0].attrs.empty());
  EXPECT_EQ(input_value(g, n[0], 1).constant->to_i64_vector(), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(input_value(g, n[0], 2).constant->to_i64_vector(), (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(input_value(g, n[0], 3).constant->to_i64_vector(), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(g.value(n[0].outputs[0]).shape, (Shape{2, 5}));
  EXPECT_FALSE(n[1].has("split"));
  EXPECT_EQ(input_value(g, n[1], 1).constant->to_i64_vector(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(g.value(n[1].outputs[1]).shape, (Shape{2, 3}));
  EXPECT_FALSE(n[2].has("k"));
  EXPECT_EQ(input_value(g, n[2], 1).constant->to_i64_vector(), std::vector<int64_t>{2});
  EXPECT_EQ(g.value(n[2].outputs[0]).shape, (Shape{2, 2}));
  EXPECT_EQ(g.value(n[2].outputs[1]).dtype, DType::I64);
}

// Upsample-7 keeps its scales in an attribute; opset 11's Resize takes them
// as input 2 and states the old coordinate rule (asymmetric, floor).
TEST(OnnxImport, UpsampleBecomesResize) {
  ModelSpec m;
  m.opset = 7;
  m.inputs = {tensor_value("x", DType::F32, {1, 1, 2, 3})};
  m.nodes = {node("Upsample", {"x"}, {"y"}, {{"scales", std::vector<double>{1, 1, 2, 2}}}, "up")};
  m.outputs = {"y"};
  graph::Graph g = import_spec(m, "upsample7.onnx");
  ASSERT_EQ(ops(g), std::vector<std::string>{"Resize"});
  const graph::Node& n = g.nodes[0];
  EXPECT_EQ(n.attr_str("mode", ""), "nearest");
  EXPECT_EQ(n.attr_str("coordinate_transformation_mode", ""), "asymmetric");
  EXPECT_EQ(n.attr_str("nearest_mode", ""), "floor");
  EXPECT_FALSE(g.has_input(n, 1));
  EXPECT_EQ(values(*input_value(g, n, 2).constant), (std::vector<double>{1, 1, 2, 2}));
  EXPECT_EQ(g.value(n.outputs[0]).shape, (Shape{1, 1, 4, 6}));
}

TEST(OnnxImport, EmptyNodeNamesAreNumberedByOp) {
  ModelSpec m;
  m.inputs = {tensor_value("x", DType::F32, {2})};
  m.nodes = {node("Relu", {"x"}, {"a"}), node("Neg", {"a"}, {"y"})};
  m.outputs = {"y"};
  graph::Graph g = import_spec(m, "names.onnx");
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].name, "Relu_0");
  EXPECT_EQ(g.nodes[1].name, "Neg_1");
  EXPECT_EQ(g.value(g.nodes[0].outputs[0]).name, "a");
}

// Opsets 1-6 broadcast B onto A only with broadcast=1, lining B's dims up
// with A's from `axis` (default: A's last dims). B [3] at axis 1 of A
// [2,3,2] becomes B [3,1] under NumPy broadcasting; suffix-aligned and
// one-element Bs need no reshape. consumed_inputs is dropped.
TEST(OnnxImport, Opset1BroadcastBecomesNumpyBroadcast) {
  ModelSpec m;
  m.opset = 1;
  m.inputs = {tensor_value("a", DType::F32, {2, 3, 2}), tensor_value("b", DType::F32, {3})};
  m.initializers = {initializer("s", Tensor::from_f32({1, -1}, {2})),
                    initializer("half", Tensor::from_f32({0.5f}, {1, 1}))};
  m.nodes = {
      node("Add", {"a", "b"}, {"t"},
           {{"broadcast", int64_t{1}}, {"axis", int64_t{1}}, {"consumed_inputs", std::vector<int64_t>{0, 0}}}, "add"),
      node("Mul", {"t", "s"}, {"u"}, {{"broadcast", int64_t{1}}}, "mul"),
      node("Sub", {"u", "half"}, {"y"}, {{"broadcast", int64_t{1}}}, "sub")};
  m.outputs = {"y"};
  graph::Graph g = import_spec(m, "broadcast1.onnx");
  ASSERT_EQ(ops(g), (std::vector<std::string>{"Reshape", "Add", "Mul", "Sub"}));
  EXPECT_EQ(input_value(g, g.nodes[0], 0).name, "b");
  EXPECT_EQ(input_value(g, g.nodes[0], 1).constant->to_i64_vector(), (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(g.nodes[1].inputs[1], g.nodes[0].outputs[0]);
  for (size_t k = 1; k < 4; ++k) EXPECT_TRUE(g.nodes[k].attrs.empty()) << g.nodes[k].describe();
  EXPECT_EQ(g.value(g.nodes[3].outputs[0]).shape, (Shape{2, 3, 2}));
  // a = 0..11, b = [10,20,30]: t[i,j,k] = a + b[j]; then * [1,-1] on k, - 0.5.
  auto out = run_spec(m, "broadcast1.onnx",
                      {{"a", Tensor::from_f32({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {2, 3, 2})},
                       {"b", Tensor::from_f32({10, 20, 30}, {3})}});
  EXPECT_EQ(values(out.at("y")),
            (std::vector<double>{9.5, -11.5, 21.5, -23.5, 33.5, -35.5, 15.5, -17.5, 27.5, -29.5, 39.5, -41.5}));
}

// Opset-1 forms that later opsets moved or renamed: Reshape's shape
// attribute, Pad's paddings, Concat's default axis 1, Cast's type name, and
// Selu's defaults (1.6732 and 1.0507, rounded unlike Selu-6's).
TEST(OnnxImport, Opset1AttributesBecomeTheirLaterForms) {
  ModelSpec m;
  m.opset = 1;
  m.inputs = {tensor_value("x", DType::F32, {2, 2})};
  m.nodes = {node("Reshape", {"x"}, {"r"},
                  {{"shape", std::vector<int64_t>{4, 1}}, {"consumed_inputs", std::vector<int64_t>{0}}}, "reshape"),
             node("Pad", {"r"}, {"p"}, {{"paddings", std::vector<int64_t>{0, 1, 0, 1}}, {"value", 0.5}}, "pad"),
             node("Concat", {"p", "r"}, {"c"}, {}, "concat"), node("Selu", {"c"}, {"y"}, {}, "selu"),
             node("Cast", {"x"}, {"i"}, {{"to", std::string("int64")}}, "cast")};
  m.outputs = {"y", "i"};
  graph::Graph g = import_spec(m, "opset1_forms.onnx");
  ASSERT_EQ(ops(g), (std::vector<std::string>{"Reshape", "Pad", "Concat", "Selu", "Cast"}));
  const auto& n = g.nodes;
  EXPECT_TRUE(n[0].attrs.empty());
  EXPECT_EQ(input_value(g, n[0], 1).constant->to_i64_vector(), (std::vector<int64_t>{4, 1}));
  EXPECT_EQ(input_value(g, n[1], 1).constant->to_i64_vector(), (std::vector<int64_t>{0, 1, 0, 1}));
  EXPECT_EQ(n[2].attr_int("axis", -1), 1);
  EXPECT_EQ(g.value(n[2].outputs[0]).shape, (Shape{4, 4}));
  EXPECT_EQ(n[3].attr_float("alpha", 0), static_cast<double>(1.6732f));
  EXPECT_EQ(n[3].attr_float("gamma", 0), static_cast<double>(1.0507f));
  EXPECT_EQ(n[4].attr_int("to", 0), 7);  // TensorProto INT64
  EXPECT_EQ(g.value(n[4].outputs[0]).dtype, DType::I64);

  auto out = run_spec(m, "opset1_forms.onnx", {{"x", Tensor::from_f32({1, -2, 3, 4}, {2, 2})}});
  EXPECT_EQ(out.at("i").to_i64_vector(), (std::vector<int64_t>{1, -2, 3, 4}));
  // Rows of c: [0.5, v, 0.5, v] for v = 1, -2, 3, 4.
  const double alpha = 1.6732f, gamma = 1.0507f;
  auto selu = [&](double v) { return v > 0 ? gamma * v : gamma * alpha * (std::exp(v) - 1); };
  std::vector<double> expected;
  for (double v : {1.0, -2.0, 3.0, 4.0})
    for (double e : {0.5, v, 0.5, v}) expected.push_back(selu(e));
  std::vector<double> got = values(out.at("y"));
  ASSERT_EQ(got.size(), expected.size());
  for (size_t k = 0; k < got.size(); ++k) EXPECT_NEAR(got[k], expected[k], 2e-6) << k;
}

// is_test (BatchNormalization, Dropout) and Gemm's broadcast do not change
// inference values and are dropped; Dropout's mask before opset 10 has the
// data's type.
TEST(OnnxImport, Opset6InferenceHintsAreDropped) {
  ModelSpec m;
  m.opset = 6;
  m.inputs = {tensor_value("x", DType::F32, {1, 2, 1, 2}), tensor_value("a", DType::F32, {2, 2})};
  m.initializers = {initializer("scale", Tensor::from_f32({2, 3}, {2})),
                    initializer("bias", Tensor::from_f32({1, -1}, {2})),
                    initializer("mean", Tensor::from_f32({0, 1}, {2})),
                    initializer("var", Tensor::from_f32({1, 4}, {2})),
                    initializer("w", Tensor::from_f32({1, 0, 1, 0, 1, 1}, {2, 3})),
                    initializer("c", Tensor::from_f32({10, 20, 30}, {3}))};
  m.nodes = {node("BatchNormalization", {"x", "scale", "bias", "mean", "var"}, {"b"},
                  {{"is_test", int64_t{1}}, {"epsilon", 0.0}}, "bn"),
             node("Dropout", {"b"}, {"y", "mask"}, {{"is_test", int64_t{1}}, {"ratio", 0.2}}, "drop"),
             node("Gemm", {"a", "w", "c"}, {"g"}, {{"broadcast", int64_t{1}}}, "gemm")};
  m.outputs = {"y", "mask", "g"};
  graph::Graph g = import_spec(m, "opset6_hints.onnx");
  // Dropout's output y is a graph output, so an Identity keeps its name;
  // the constant mask output reads through the other Identity.
  ASSERT_EQ(ops(g), (std::vector<std::string>{"Identity", "BatchNormalization", "Identity", "MatMul", "Add"}));
  EXPECT_FALSE(g.nodes[1].has("is_test"));
  Tensor mask = output_constant(g, "mask");
  EXPECT_EQ(mask.dtype(), DType::F32);
  EXPECT_EQ(values(mask), (std::vector<double>{1, 1, 1, 1}));

  auto out =
      run_spec(m, "opset6_hints.onnx",
               {{"x", Tensor::from_f32({1, 2, 3, 5}, {1, 2, 1, 2})}, {"a", Tensor::from_f32({1, 2, 3, 4}, {2, 2})}});
  // (x - mean) / sqrt(var) * scale + bias per channel.
  EXPECT_EQ(values(out.at("y")), (std::vector<double>{3, 5, 2, 5}));
  // [[1,2],[3,4]] x [[1,0,1],[0,1,1]] = [[1,2,3],[3,4,7]], + c on every row.
  EXPECT_EQ(values(out.at("g")), (std::vector<double>{11, 22, 33, 13, 24, 37}));
}

// A PRelu-1 slope of one value per channel, shaped [C,1,1], means the same
// under the per-channel and the NumPy reading; GlobalLpPool-1's float p = 2
// becomes the int later opsets use.
TEST(OnnxImport, Opset1PReluPerChannelAndFloatLpPoolP) {
  ModelSpec m;
  m.opset = 1;
  m.inputs = {tensor_value("x", DType::F32, {1, 2, 1, 2})};
  m.initializers = {initializer("slope", Tensor::from_f32({0.5f, 0.25f}, {2, 1, 1}))};
  m.nodes = {node("PRelu", {"x", "slope"}, {"y"}, {{"consumed_inputs", std::vector<int64_t>{0}}}, "prelu"),
             node("GlobalLpPool", {"x"}, {"p"}, {{"p", 2.0}}, "lp")};
  m.outputs = {"y", "p"};
  graph::Graph g = import_spec(m, "opset1_prelu.onnx");
  ASSERT_EQ(ops(g), (std::vector<std::string>{"PRelu", "GlobalLpPool"}));
  EXPECT_TRUE(g.nodes[0].attrs.empty());
  EXPECT_TRUE(std::holds_alternative<int64_t>(g.nodes[1].attrs.at("p")));
  EXPECT_EQ(g.nodes[1].attr_int("p", 0), 2);
  auto out = run_spec(m, "opset1_prelu.onnx", {{"x", Tensor::from_f32({-3, 4, -6, 8}, {1, 2, 1, 2})}});
  EXPECT_EQ(values(out.at("y")), (std::vector<double>{-1.5, 4, -1.5, 8}));
  EXPECT_EQ(values(out.at("p")), (std::vector<double>{5, 10}));  // sqrt(9+16), sqrt(36+64)
}

TEST(OnnxImport, DropoutWithConstantFalseTrainingModeRemoved) {
  ModelSpec m;
  m.opset = 13;
  m.inputs = {tensor_value("x", DType::F32, {2})};
  m.initializers = {initializer("ratio", Tensor::from_f32({0.5f}, {})), initializer("train", Tensor(DType::Bool, {}))};
  m.nodes = {node("Dropout", {"x", "ratio", "train"}, {"d"}, {}, "drop"), node("Relu", {"d"}, {"y"}, {}, "relu")};
  m.outputs = {"y"};
  graph::Graph g = import_spec(m, "dropout_eval.onnx");
  ASSERT_EQ(ops(g), std::vector<std::string>{"Relu"});
  EXPECT_EQ(input_value(g, g.nodes[0], 0).name, "x");
}

}  // namespace
}  // namespace tessera::frontend
