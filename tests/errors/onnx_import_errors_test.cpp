// User-facing errors of the ONNX importer: each test builds a broken model and
// checks the whole one-line message. Most models use only ops the importer
// resolves itself (Identity, Constant, Shape...), so the checks do not depend
// on shape-inference rules.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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
using testing::ValueSpec;

std::string temp_path(const std::string& name) {
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "onnx_errors";
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

// The message import_onnx throws for the model at `path` ("" if none).
std::string import_error(const std::string& path) {
  try {
    import_onnx(path, {});
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string model_error(const ModelSpec& m, const std::string& name) {
  std::string path = temp_path(name);
  testing::write_model(m, path);
  return import_error(path);
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// x: f32[2,3] -> Identity -> y
ModelSpec identity_model() {
  ModelSpec m;
  m.inputs = {tensor_value("x", DType::F32, {2, 3})};
  m.nodes = {node("Identity", {"x"}, {"y"}, {}, "id")};
  m.outputs = {"y"};
  return m;
}

TEST(OnnxErrors, MissingFile) {
  std::string path = temp_path("does_not_exist.onnx");
  EXPECT_EQ(import_error(path), "cannot open model '" + path + "': no such file");
}

TEST(OnnxErrors, DirectoryInsteadOfFile) {
  std::string path = temp_path("");
  EXPECT_EQ(import_error(path), "cannot open model '" + path + "': it is a directory");
}

TEST(OnnxErrors, CorruptFile) {
  std::string path = temp_path("corrupt.onnx");
  write_bytes(path, std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01 not a model", 22));
  EXPECT_EQ(import_error(path),
            "'" + path + "' is not a valid ONNX model (protobuf parse failed): truncated or corrupt file");
}

TEST(OnnxErrors, TruncatedFile) {
  ModelSpec m = identity_model();
  m.initializers = {initializer("w", Tensor(DType::F32, {256}))};
  std::string path = temp_path("truncated.onnx");
  testing::write_model(m, path);
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  EXPECT_EQ(import_error(path),
            "'" + path + "' is not a valid ONNX model (protobuf parse failed): truncated or corrupt file");
}

TEST(OnnxErrors, EmptyFile) {
  std::string path = temp_path("empty.onnx");
  write_bytes(path, "");
  EXPECT_EQ(import_error(path),
            "'" + path + "' is not a valid ONNX model: it has no graph (empty file, or not an ONNX model)");
}

TEST(OnnxErrors, EmptyGraph) {
  ModelSpec m;
  std::string path = temp_path("empty_graph.onnx");
  testing::write_model(m, path);
  EXPECT_EQ(import_error(path), "'" + path + "' has an empty graph (no nodes and no outputs)");
}

TEST(OnnxErrors, UnsupportedOpsListedAllAtOnce) {
  ModelSpec m = identity_model();
  NodeSpec loop = node("Loop", {"x"}, {"l"}, {}, "loop_0");
  loop.subgraph = true;
  NodeSpec fused = node("FusedMatMul", {"x", "x"}, {"f"}, {}, "");
  fused.domain = "com.microsoft";
  m.nodes = {node("FooBar", {"x"}, {"a"}, {}, "foo_1"), loop, node("FooBar", {"a"}, {"b"}, {}, "foo_2"), fused,
             node("Identity", {"b"}, {"y"}, {}, "id")};
  EXPECT_EQ(model_error(m, "unsupported.onnx"),
            "unsupported operators (3): FooBar (first used by node 'foo_1'), Loop (first used by node 'loop_0'), "
            "com.microsoft.FusedMatMul (first used by node 'FusedMatMul_3'); see docs/ops.md for the supported list");
}

TEST(OnnxErrors, DataDependentOp) {
  ModelSpec m = identity_model();
  m.nodes = {node("NonZero", {"x"}, {"nz"}, {}, "x"), node("Identity", {"nz"}, {"y"}, {}, "id")};
  EXPECT_EQ(
      model_error(m, "nonzero.onnx"),
      "NonZero (node 'x') has a data-dependent output shape, which Tessera does not support (static shapes only)");
}

TEST(OnnxErrors, DataDependentAndUnsupportedTogether) {
  ModelSpec m = identity_model();
  m.nodes = {node("Unique", {"x"}, {"u"}, {}, "uniq"), node("FooBar", {"u"}, {"y"}, {}, "foo")};
  EXPECT_EQ(model_error(m, "mixed.onnx"),
            "unsupported operators (2): FooBar (first used by node 'foo'); Unique (node 'uniq') has a "
            "data-dependent output shape, which Tessera does not support (static shapes only); see docs/ops.md for "
            "the supported list");
}

TEST(OnnxErrors, DanglingInput) {
  ModelSpec m = identity_model();
  m.nodes = {node("Identity", {"foo"}, {"y"}, {}, "X")};
  EXPECT_EQ(model_error(m, "dangling.onnx"),
            "node 'X' (Identity) uses 'foo', which no node produces and is not a graph input or initializer");
}

TEST(OnnxErrors, NodesOutOfOrder) {
  ModelSpec m = identity_model();
  m.nodes = {node("Identity", {"a"}, {"y"}, {}, "second"), node("Identity", {"x"}, {"a"}, {}, "first")};
  EXPECT_EQ(model_error(m, "unordered.onnx"),
            "node 'second' (Identity) uses 'a' before node 'first' produces it; ONNX requires nodes in "
            "topological order: re-export the model or sort its nodes");
}

TEST(OnnxErrors, ValueProducedTwice) {
  ModelSpec m = identity_model();
  m.nodes = {node("Identity", {"x"}, {"y"}, {}, "a"), node("Identity", {"x"}, {"y"}, {}, "b")};
  EXPECT_EQ(model_error(m, "twice.onnx"),
            "node 'b' (Identity) produces 'y', which is already defined; every ONNX value must have one producer");
}

TEST(OnnxErrors, GraphOutputNeverProduced) {
  ModelSpec m = identity_model();
  m.outputs = {"y", "z"};
  EXPECT_EQ(model_error(m, "no_output.onnx"),
            "graph output 'z' is not produced by any node and is not a graph input or initializer");
}

TEST(OnnxErrors, DynamicInputDimension) {
  ModelSpec m = identity_model();
  m.inputs[0].symbolic = {{0, "batch"}};
  EXPECT_EQ(model_error(m, "dynamic.onnx"),
            "input 'x' has a dynamic dimension 'batch' (dim 0); Tessera needs static shapes: export with fixed sizes");
}

TEST(OnnxErrors, UnknownInputDimension) {
  ModelSpec m = identity_model();
  m.inputs[0].symbolic = {{1, ""}};
  EXPECT_EQ(model_error(m, "unknown_dim.onnx"),
            "input 'x' has a dynamic dimension '?' (dim 1); Tessera needs static shapes: export with fixed sizes");
}

TEST(OnnxErrors, InputWithoutShape) {
  ModelSpec m = identity_model();
  m.inputs[0].no_shape = true;
  EXPECT_EQ(model_error(m, "no_shape.onnx"),
            "input 'x' has no shape; Tessera needs static shapes: export with fixed sizes");
}

TEST(OnnxErrors, UnsupportedInitializerDtype) {
  ModelSpec m = identity_model();
  InitializerSpec w = initializer("w", Tensor(DType::I16, {4}));
  w.onnx_type = 10;  // FLOAT16, same byte size as int16
  m.initializers = {w};
  EXPECT_EQ(model_error(m, "float16.onnx"),
            "initializer 'w' has element type float16, which Tessera does not support (supported: float, double, "
            "int64, int32, int16, int8, uint8, bool); convert it to float32 before export");
}

TEST(OnnxErrors, UnsupportedInputDtype) {
  ModelSpec m = identity_model();
  m.inputs[0].onnx_type = 16;  // BFLOAT16
  EXPECT_EQ(model_error(m, "bf16_input.onnx"),
            "input 'x' has element type bfloat16, which Tessera does not support; export it as float32");
}

TEST(OnnxErrors, InitializerDataSizeMismatch) {
  ModelSpec m = identity_model();
  InitializerSpec w = initializer("w", Tensor(DType::F32, {2}));
  w.declared_shape = Shape{3};
  m.initializers = {w};
  EXPECT_EQ(model_error(m, "size_mismatch.onnx"), "initializer 'w' has 8 bytes of data, but f32[3] needs 12");
}

TEST(OnnxErrors, TypedInitializerCountMismatch) {
  ModelSpec m = identity_model();
  InitializerSpec w = initializer("w", Tensor::from_i64({1, 2}, {2}), Storage::Typed);
  w.declared_shape = Shape{2, 2};
  m.initializers = {w};
  EXPECT_EQ(model_error(m, "count_mismatch.onnx"), "initializer 'w' has 2 values, but its shape [2,2] needs 4");
}

TEST(OnnxErrors, MissingExternalDataFile) {
  ModelSpec m = identity_model();
  InitializerSpec w = initializer("w", Tensor(DType::F32, {4}), Storage::External);
  w.external_file = "weights_missing.bin";
  w.write_external = false;
  m.initializers = {w};
  std::string path = temp_path("external_missing.onnx");
  std::string expected_file = (std::filesystem::path(path).parent_path() / "weights_missing.bin").string();
  testing::write_model(m, path);
  EXPECT_EQ(import_error(path),
            "initializer 'w' keeps its data in external file 'weights_missing.bin', which was not "
            "found at '" +
                expected_file + "'; keep the model's data files next to the .onnx file");
}

TEST(OnnxErrors, ExternalDataFileTooShort) {
  ModelSpec m = identity_model();
  InitializerSpec w = initializer("w", Tensor(DType::F32, {4}), Storage::External);
  w.external_file = "weights_short.bin";
  m.initializers = {w};
  std::string path = temp_path("external_short.onnx");
  std::string file = (std::filesystem::path(path).parent_path() / "weights_short.bin").string();
  testing::write_model(m, path);
  write_bytes(file, "12345678");
  EXPECT_EQ(import_error(path),
            "initializer 'w': external file '" + file + "' has 8 bytes, too short for 16 bytes at offset 0");
}

TEST(OnnxErrors, OpsetTooNew) {
  ModelSpec m = identity_model();
  m.opset = 18;
  std::string path = temp_path("opset18.onnx");
  testing::write_model(m, path);
  EXPECT_EQ(import_error(path),
            "'" + path + "' uses ONNX opset 18; Tessera supports opsets 1 to 17: re-export with opset_version=17");
}

TEST(OnnxErrors, OpsetTooOld) {
  ModelSpec m = identity_model();
  m.opset = 0;
  std::string path = temp_path("opset0.onnx");
  testing::write_model(m, path);
  EXPECT_EQ(import_error(path), "'" + path +
                                    "' uses ONNX opset 0; Tessera supports opsets 1 to 17: upgrade it with "
                                    "onnx.version_converter.convert_version(model, 17)");
}

// A model of opset `opset` with input x: f32 `shape` and the given nodes.
ModelSpec legacy_model(int64_t opset, Shape shape, std::vector<NodeSpec> nodes) {
  ModelSpec m;
  m.opset = opset;
  m.inputs = {tensor_value("x", DType::F32, std::move(shape))};
  m.nodes = std::move(nodes);
  m.outputs = {m.nodes.back().outputs.at(0)};
  return m;
}

// Attributes that opset 7 removed and Tessera cannot restate exactly.
TEST(OnnxErrors, LegacyAttributeWithoutOpset7Form) {
  ModelSpec up = legacy_model(6, {1, 1, 2, 2},
                              {node("Upsample", {"x"}, {"y"}, {{"height_scale", 2.0}, {"width_scale", 2.0}}, "up")});
  EXPECT_EQ(model_error(up, "upsample1.onnx"),
            "Upsample node 'up': legacy attribute 'height_scale' (opset 6) is not supported; convert the model with "
            "onnx.version_converter.convert_version(model, 17)");
  // Reshape-5 took its shape as an input; the attribute is Reshape-1's.
  ModelSpec reshape =
      legacy_model(5, {2, 2}, {node("Reshape", {"x"}, {"y"}, {{"shape", std::vector<int64_t>{4}}}, "reshape")});
  EXPECT_EQ(model_error(reshape, "reshape5_attr.onnx"),
            "Reshape node 'reshape': legacy attribute 'shape' (opset 5) is not supported; convert the model with "
            "onnx.version_converter.convert_version(model, 17)");
}

TEST(OnnxErrors, LegacyBroadcastOffNeedsEqualShapes) {
  ModelSpec m = legacy_model(6, {2, 3}, {node("Add", {"x", "b"}, {"y"}, {}, "add")});
  m.initializers = {initializer("b", Tensor(DType::F32, {3}))};
  EXPECT_EQ(model_error(m, "broadcast_off.onnx"),
            "Add node 'add': inputs have shapes [2,3] and [3], but broadcast=0 (opset 6) requires equal shapes; set "
            "broadcast=1");
}

TEST(OnnxErrors, LegacyBroadcastMisaligned) {
  ModelSpec m = legacy_model(
      6, {2, 3}, {node("Mul", {"x", "b"}, {"y"}, {{"broadcast", int64_t{1}}, {"axis", int64_t{0}}}, "mul")});
  m.initializers = {initializer("b", Tensor(DType::F32, {3}))};
  EXPECT_EQ(model_error(m, "broadcast_axis.onnx"),
            "Mul node 'mul': with broadcast=1 (opset 6), B [3] must equal A [2,3]'s dims from axis 0 on, or have one "
            "element");
  // Legacy broadcasting does not stretch a dim of 1 (NumPy would).
  m.nodes[0].attrs.erase("axis");
  m.initializers = {initializer("b", Tensor(DType::F32, {1, 3}))};
  EXPECT_EQ(model_error(m, "broadcast_ones.onnx"),
            "Mul node 'mul': with broadcast=1 (opset 6), B [1,3] must equal A [2,3]'s dims from axis 0 on, or have "
            "one element");
}

TEST(OnnxErrors, LegacyCastTypeName) {
  ModelSpec m = legacy_model(5, {2}, {node("Cast", {"x"}, {"y"}, {{"to", std::string("float32")}}, "cast")});
  EXPECT_EQ(model_error(m, "cast1.onnx"),
            "Cast node 'cast': 'to' is 'float32', which is not an ONNX data type name (FLOAT, INT64, BOOL...)");
}

TEST(OnnxErrors, LegacySplitAndTileForms) {
  ModelSpec split = legacy_model(1, {4}, {node("Split", {"x"}, {"a", "y"}, {}, "split")});
  EXPECT_EQ(model_error(split, "split1_axis.onnx"),
            "Split node 'split': opset-1 Split has no default axis; set 'axis' (opset 2 and later default to 0)");
  split.nodes[0].inputs.push_back("sizes");
  split.initializers = {initializer("sizes", Tensor::from_f32({2, 2}, {2}))};
  EXPECT_EQ(model_error(split, "split1_input.onnx"),
            "Split node 'split': the opset-1 'split' input is not supported; give the sizes in the 'split' attribute");
  ModelSpec tile = legacy_model(5, {4}, {node("Tile", {"x", "n", "axis"}, {"y"}, {}, "tile")});
  tile.initializers = {initializer("n", Tensor::from_f32({2}, {})), initializer("axis", Tensor::from_f32({0}, {}))};
  EXPECT_EQ(model_error(tile, "tile1.onnx"),
            "Tile node 'tile': opset-1 Tile (inputs 'tiles' and 'axis') is not supported; rewrite it as Tile-6 with a "
            "'repeats' input");
}

TEST(OnnxErrors, LegacyLpPoolFractionalP) {
  ModelSpec m = legacy_model(1, {1, 1, 2, 2}, {node("GlobalLpPool", {"x"}, {"y"}, {{"p", 2.5}}, "lp")});
  EXPECT_EQ(model_error(m, "lppool1.onnx"),
            "GlobalLpPool node 'lp': p=2.5 is not a positive integer, which opset-2 LpPool and later (and Tessera) "
            "require");
}

// PRelu-6 does not say how a slope [2] lines up with [1,2,1,2]: per channel
// (Caffe2) or with the last dim (NumPy) give different results.
TEST(OnnxErrors, LegacyPReluAmbiguousSlope) {
  ModelSpec m = legacy_model(6, {1, 2, 1, 2}, {node("PRelu", {"x", "slope"}, {"y"}, {}, "prelu")});
  m.initializers = {initializer("slope", Tensor::from_f32({0.5f, 0.25f}, {2}))};
  EXPECT_EQ(model_error(m, "prelu6.onnx"),
            "PRelu node 'prelu': slope [2] for input [1,2,1,2] has no clear opset-6 broadcasting (per channel or "
            "trailing dims); reshape slope to broadcast NumPy-style and convert the model with "
            "onnx.version_converter.convert_version(model, 17)");
}

TEST(OnnxErrors, BatchNormPerActivation) {
  ModelSpec m = legacy_model(6, {1, 2},
                             {node("BatchNormalization", {"x", "s", "s", "s", "s"}, {"y"},
                                   {{"is_test", int64_t{1}}, {"spatial", int64_t{0}}}, "bn")});
  m.initializers = {initializer("s", Tensor::from_f32({1, 1}, {2}))};
  EXPECT_EQ(model_error(m, "bn_spatial0.onnx"),
            "BatchNormalization node 'bn': spatial=0 (per-activation statistics, opsets 1-8) is not supported; "
            "re-export the model with spatial batch normalization");
}

TEST(OnnxErrors, StringConstant) {
  ModelSpec m = identity_model();
  m.nodes = {node("Constant", {}, {"y"}, {{"value_string", std::string("hi")}}, "c")};
  EXPECT_EQ(model_error(m, "string_const.onnx"),
            "Constant node 'c': string constants are not supported (Tessera computes on numbers only)");
}

TEST(OnnxErrors, DropoutInTrainingMode) {
  ModelSpec m = identity_model();
  m.nodes = {node("Constant", {}, {"train"}, {{"value", Tensor(DType::Bool, {})}}, "c"),
             node("Dropout", {"x", "", "train"}, {"y"}, {}, "drop")};
  Tensor on(DType::Bool, {});
  on.set_i64(0, 1);
  m.nodes[0].attrs["value"] = on;
  const std::string expected = "Dropout (node 'drop') in training mode is not supported: export the model in eval mode";
  EXPECT_EQ(model_error(m, "dropout_train.onnx"), expected);
  // A runtime training_mode may be true, so the output may be random.
  m.nodes.erase(m.nodes.begin());
  m.inputs.push_back(tensor_value("train", DType::Bool, {}));
  EXPECT_EQ(model_error(m, "dropout_train_input.onnx"), expected);
}

TEST(OnnxErrors, GemmWithoutB) {
  ModelSpec m = identity_model();
  m.nodes = {node("Gemm", {"x"}, {"y"}, {}, "gemm")};
  EXPECT_EQ(model_error(m, "gemm_no_b.onnx"), "Gemm node 'gemm': inputs A and B are required");
}

TEST(OnnxErrors, ConstantOfShapeNeedsConstantShape) {
  ModelSpec m;
  m.inputs = {tensor_value("s", DType::I64, {2})};
  m.nodes = {node("ConstantOfShape", {"s"}, {"y"}, {}, "fill")};
  m.outputs = {"y"};
  std::string message = model_error(m, "cos_dynamic.onnx");
  EXPECT_EQ(message.rfind("ConstantOfShape node 'fill': input 's' must be a constant", 0), 0u) << message;
}

TEST(OnnxErrors, BatchNormTrainingMode) {
  ModelSpec m = identity_model();
  m.inputs[0].shape = {1, 2, 2, 2};
  m.initializers = {initializer("scale", Tensor(DType::F32, {2})), initializer("bias", Tensor(DType::F32, {2})),
                    initializer("mean", Tensor(DType::F32, {2})), initializer("var", Tensor(DType::F32, {2}))};
  m.nodes = {
      node("BatchNormalization", {"x", "scale", "bias", "mean", "var"}, {"y"}, {{"training_mode", int64_t{1}}}, "bn")};
  EXPECT_EQ(model_error(m, "bn_train.onnx"),
            "BatchNormalization node 'bn': training mode is not supported (Tessera runs inference); export the model "
            "in eval mode");
}

TEST(OnnxErrors, TensorPbMissingAndCorrupt) {
  std::string missing = temp_path("missing.pb");
  try {
    read_tensor_pb(missing);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot open tensor file '" + missing + "': no such file");
  }
  std::string corrupt = temp_path("corrupt.pb");
  write_bytes(corrupt, "\xff\xff\xff");
  try {
    read_tensor_pb(corrupt);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "'" + corrupt + "' is not a valid ONNX tensor file (protobuf parse failed): truncated or corrupt file");
  }
}

}  // namespace
}  // namespace tessera::frontend
