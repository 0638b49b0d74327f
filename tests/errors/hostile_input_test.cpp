// Hostile input: sizes that overflow, data files outside the model's folder,
// allocation before validation, long .npy headers, outputs that are files or
// symlinks, internal-error shapes. Each case must end in one user Error (no
// crash, no huge allocation, no InternalError), with a message that names the
// problem.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "tessera/frontend/onnx/importer.h"
#include "tessera/frontend/onnx/test_models.h"
#include "tessera/graph/graph.h"
#include "tessera/pattern/ir.h"
#include "tessera/support/checked.h"
#include "tessera/support/error.h"
#include "tessera/support/npy.h"
#include "tessera/support/output.h"
#include "user_error.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;
using frontend::testing::initializer;
using frontend::testing::ModelSpec;
using frontend::testing::node;
using frontend::testing::Storage;
using frontend::testing::tensor_value;

std::string temp_dir(const std::string& name) {
  fs::path dir = fs::path(::testing::TempDir()) / "hostile" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

using testing::user_error;

std::string import_error(const ModelSpec& m, const std::string& dir) {
  const std::string path = dir + "/model.onnx";
  frontend::testing::write_model(m, path);
  return user_error([&] { frontend::import_onnx(path, {}); });
}

// w: an initializer whose dims are `declared` but whose data is one float.
ModelSpec declared_initializer_model(Shape declared, Storage storage = Storage::Raw) {
  ModelSpec m;
  auto init = initializer("w", Tensor::from_f32({1.0f}, {1}), storage);
  init.declared_shape = std::move(declared);
  m.initializers = {init};
  m.nodes = {node("Identity", {"w"}, {"y"}, {}, "id")};
  m.outputs = {"y"};
  return m;
}

TEST(CheckedArithmetic, NumElementsNear2Pow62And2Pow63) {
  EXPECT_EQ(num_elements({int64_t{1} << 31, int64_t{1} << 31}), int64_t{1} << 62);
  EXPECT_EQ(num_elements({int64_t{1} << 62, 0}), 0);
  EXPECT_EQ(num_elements({0, int64_t{1} << 40, int64_t{1} << 40}), 0);
  EXPECT_NE(user_error([] { num_elements({int64_t{1} << 32, int64_t{1} << 32}); }).find("too large"),
            std::string::npos);
  EXPECT_NE(user_error([] { num_elements({int64_t{1} << 62, 2}); }).find("[4611686018427387904,2]"),
            std::string::npos);
  EXPECT_EQ(checked_add(kMaxCount - 1, 1, "x"), kMaxCount);
  EXPECT_NE(user_error([] { checked_add(kMaxCount, 1, "the sum"); }).find("the sum is too large"), std::string::npos);
  EXPECT_NE(user_error([] { checked_count(std::nan(""), "a NaN"); }).find("a NaN"), std::string::npos);
}

TEST(CheckedArithmetic, TensorByteSizeCannotWrap) {
  // 2^62 elements is a legal count, but 2^62 floats are 2^64 bytes.
  EXPECT_NE(user_error([] { Tensor(DType::F32, {int64_t{1} << 31, int64_t{1} << 31}); }).find("byte size"),
            std::string::npos);
}

TEST(HostileModels, InitializerDimsThatWrapToZero) {
  // [2^32, 2^32] wrapped to 0 elements, passed the size check and folded past a 1-byte buffer.
  const std::string e = import_error(declared_initializer_model({int64_t{1} << 32, int64_t{1} << 32}), temp_dir("wrap"));
  EXPECT_NE(e.find("element count of shape [4294967296,4294967296] is too large"), std::string::npos) << e;
}

TEST(HostileModels, InitializerNear2Pow31And2Pow62) {
  std::string e = import_error(declared_initializer_model({int64_t{1} << 31}), temp_dir("i31"));
  EXPECT_NE(e.find("initializer 'w' has 4 bytes of data, but f32[2147483648] needs 8589934592"),
            std::string::npos)
      << e;
  e = import_error(declared_initializer_model({int64_t{1} << 62}), temp_dir("i62"));
  EXPECT_NE(e.find("byte size of initializer 'w' is too large"), std::string::npos) << e;
}

TEST(HostileModels, HugeDeclaredInitializerFailsBeforeAllocating) {
  // 82 bytes declaring 4 GiB: the error must come before 4 GiB are zero-filled.
  const auto t0 = std::chrono::steady_clock::now();
  const std::string e =
      import_error(declared_initializer_model({int64_t{1} << 30}, Storage::Typed), temp_dir("typed"));
  EXPECT_NE(e.find("initializer 'w' has 1 values, but its shape [1073741824] needs 1073741824"), std::string::npos)
      << e;
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 1.0);
}

ModelSpec external_model(const std::string& location) {
  ModelSpec m;
  auto init = initializer("w", Tensor::from_f32({1, 2, 3, 4}, {4}), Storage::External);
  init.external_file = location;
  init.write_external = false;
  m.initializers = {init};
  m.nodes = {node("Identity", {"w"}, {"y"}, {}, "id")};
  m.outputs = {"y"};
  return m;
}

TEST(HostileModels, ExternalDataWithAbsoluteLocation) {
  const std::string dir = temp_dir("abs");
  write_bytes(dir + "/secret.bin", std::string(16, 'x'));
  const std::string e = import_error(external_model(dir + "/secret.bin"), dir);
  EXPECT_NE(e.find("must be a relative path inside the model's folder"), std::string::npos) << e;
}

TEST(HostileModels, ExternalDataClimbingOut) {
  const std::string dir = temp_dir("climb");
  fs::create_directories(dir + "/model");
  write_bytes(dir + "/secret.bin", std::string(16, 'x'));
  frontend::testing::write_model(external_model("../secret.bin"), dir + "/model/model.onnx");
  const std::string e = user_error([&] { frontend::import_onnx(dir + "/model/model.onnx", {}); });
  EXPECT_NE(e.find("external data location '../secret.bin' must be a relative path"), std::string::npos) << e;
  frontend::testing::write_model(external_model("sub/../../secret.bin"), dir + "/model/model.onnx");
  EXPECT_NE(user_error([&] { frontend::import_onnx(dir + "/model/model.onnx", {}); }).find("no '..'"),
            std::string::npos);
}

TEST(HostileModels, ExternalDataThroughSymlinkOut) {
  const std::string dir = temp_dir("symlink");
  fs::create_directories(dir + "/model");
  write_bytes(dir + "/secret.bin", std::string(16, 'x'));
  fs::create_symlink(dir + "/secret.bin", dir + "/model/weights.bin");
  frontend::testing::write_model(external_model("weights.bin"), dir + "/model/model.onnx");
  const std::string e = user_error([&] { frontend::import_onnx(dir + "/model/model.onnx", {}); });
  EXPECT_NE(e.find("leads outside the model's folder"), std::string::npos) << e;
}

TEST(HostileModels, ExternalDataInsideTheFolderStillLoads) {
  const std::string dir = temp_dir("inside");
  ModelSpec m = external_model("data/w.bin");
  m.initializers[0].write_external = true;
  fs::create_directories(dir + "/data");
  frontend::testing::write_model(m, dir + "/model.onnx");
  graph::Graph g = frontend::import_onnx(dir + "/model.onnx", {});
  EXPECT_EQ(g.outputs.size(), 1u);
}

TEST(HostileModels, ExternalOffsetPastTheFile) {
  const std::string dir = temp_dir("offset");
  ModelSpec m = external_model("w.bin");
  m.initializers[0].write_external = true;
  frontend::testing::write_model(m, dir + "/model.onnx");
  write_bytes(dir + "/w.bin", std::string(16, '\0'));
  // Same model, offset rewritten to 2^63 - 1: offset + length must not wrap.
  ModelSpec far = m;
  far.initializers[0].write_external = false;
  far.initializers[0].external_offset = INT64_MAX;
  frontend::testing::write_model(far, dir + "/model.onnx");
  const std::string e = user_error([&] { frontend::import_onnx(dir + "/model.onnx", {}); });
  EXPECT_NE(e.find("too short for 16 bytes at offset 9223372036854775807"), std::string::npos) << e;
}

TEST(HostileModels, GraphOutputThatIsAnInitializer) {
  ModelSpec m;
  m.inputs = {tensor_value("x", DType::F32, {2})};
  m.initializers = {initializer("w", Tensor::from_f32({1, 2}, {2}))};
  m.nodes = {node("Identity", {"x"}, {"y"}, {}, "id")};
  m.outputs = {"y", "w"};
  const std::string dir = temp_dir("init_out");
  frontend::testing::write_model(m, dir + "/model.onnx");
  try {
    graph::Graph g = frontend::import_onnx(dir + "/model.onnx", {});
    EXPECT_EQ(g.outputs.size(), 2u);  // accepted: the constant is an output
  } catch (const Error&) {
    // also acceptable: a user error, never an internal one
  }
}

TEST(HostileModels, NodeWithMoreOutputsThanItsOperator) {
  ModelSpec m;
  m.inputs = {tensor_value("x", DType::F32, {2})};
  m.nodes = {node("Relu", {"x"}, {"y", "z"}, {}, "relu")};
  m.outputs = {"y", "z"};
  const std::string e = import_error(m, temp_dir("outputs"));
  EXPECT_NE(e.find("relu"), std::string::npos) << e;
  EXPECT_NE(e.find("output"), std::string::npos) << e;
}

TEST(HostileAttributes, NanFloatWhereAnIntegerIsExpected) {
  graph::Node n;
  n.op = "Flatten";
  n.name = "f";
  n.attrs["axis"] = std::nan("");
  EXPECT_NE(user_error([&] { n.attr_int("axis", 1); }).find("attribute 'axis' is nan"), std::string::npos);
  n.attrs["axis"] = 1e300;
  EXPECT_NE(user_error([&] { n.attr_int("axis", 1); }).find("not a usable integer"), std::string::npos);
  n.attrs["axis"] = 2.0;
  EXPECT_EQ(n.attr_int("axis", 1), 2);
}

// A .npy file: magic, version 1, header length, header, data.
std::string npy_bytes(const std::string& header, const std::string& data = "", int version = 1) {
  std::string s("\x93NUMPY", 6);
  s.push_back(static_cast<char>(version));
  s.push_back('\0');
  const auto n = static_cast<uint32_t>(header.size());
  s.push_back(static_cast<char>(n & 0xff));
  s.push_back(static_cast<char>((n >> 8) & 0xff));
  if (version > 1) {
    s.push_back(static_cast<char>((n >> 16) & 0xff));
    s.push_back(static_cast<char>(n >> 24));
  }
  return s + header + data;
}

std::string npy_error(const std::string& bytes) {
  const std::string path = temp_dir("npy") + "/t.npy";
  write_bytes(path, bytes);
  return user_error([&] { read_npy(path); });
}

TEST(HostileNpy, LongHeaderOfBlanksDoesNotOverflowTheStack) {
  // std::regex recursed once per character: 40 KB of blanks segfaulted.
  const std::string header = "{'descr': '<f4', 'fortran_order': False," + std::string(40000, ' ') + "'shape': (1,), }";
  const std::string path = temp_dir("npy_long") + "/t.npy";
  write_bytes(path, npy_bytes(header, std::string(4, '\0'), 2));
  EXPECT_EQ(read_npy(path).shape(), Shape{1});
  EXPECT_NE(npy_error(npy_bytes(std::string(70000, ' '), "", 2)).find("corrupt .npy header"), std::string::npos);
}

TEST(HostileNpy, HeaderLengthOf4GiB) {
  std::string bytes("\x93NUMPY\x02\x00\xff\xff\xff\xff", 12);
  const std::string e = npy_error(bytes + "{}");
  EXPECT_NE(e.find("it claims 4294967295 bytes; the file has 14"), std::string::npos) << e;
}

TEST(HostileNpy, ShapesThatOverflowOrOutgrowTheFile) {
  std::string e = npy_error(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }"));
  EXPECT_NE(e.find("too large"), std::string::npos) << e;
  e = npy_error(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }"));
  EXPECT_NE(e.find("a dimension over 2^63"), std::string::npos) << e;
  // 2^28 floats declared, 8 bytes present: refused before 1 GiB is allocated.
  e = npy_error(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (268435456,), }", std::string(8, 'x')));
  EXPECT_NE(e.find("truncated .npy data (expected 1073741824 bytes for shape [268435456], the file has 8)"),
            std::string::npos)
      << e;
  e = npy_error(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"));
  EXPECT_NE(e.find("expected a non-negative integer"), std::string::npos) << e;
}

TEST(HostileNpy, MalformedHeaders) {
  for (const std::string& h : {std::string("{'descr': '<f4'"), std::string("{'descr': <f4, 'shape': ()}"),
                               std::string("{'shape': (1,), }"), std::string("{'descr': '<f4', }"),
                               std::string("not a dict"), std::string("{'descr': '<f4', 'fortran_order': Maybe}"),
                               std::string("{'descr': '<f4', 'shape': (1,2,3", 31)})
    EXPECT_NE(npy_error(npy_bytes(h)).find(".npy header"), std::string::npos) << h;
  EXPECT_NE(npy_error(npy_bytes("{}", "", 7)).find("format version 7"), std::string::npos);
}

TEST(HostileNpy, RoundTripStillWorks) {
  const std::string path = temp_dir("npy_ok") + "/t.npy";
  write_npy(path, Tensor::from_f32({1, 2, 3, 4, 5, 6}, {2, 3}));
  Tensor t = read_npy(path);
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.data<float>()[5], 6.0f);
}

TEST(HostileOutputs, OutputDirThatIsAFileOrADanglingSymlink) {
  const std::string dir = temp_dir("outdir");
  write_bytes(dir + "/file", "x");
  EXPECT_EQ(user_error([&] { prepare_output_dir(dir + "/file", "--out"); }),
            "--out '" + dir + "/file' is an existing file, not a folder; choose another path");
  fs::create_symlink(dir + "/nowhere", dir + "/dangling");
  EXPECT_EQ(user_error([&] { prepare_output_dir(dir + "/dangling", "--output-dir"); }),
            "--output-dir '" + dir + "/dangling' is a symlink to nothing; remove it or choose another folder");
  prepare_output_dir(dir + "/new/nested", "--out");
  EXPECT_TRUE(fs::is_directory(dir + "/new/nested"));
}

TEST(HostileOutputs, PlantedSymlinkIsNotFollowed) {
  const std::string dir = temp_dir("planted");
  write_bytes(dir + "/victim", "keep");
  fs::create_symlink(dir + "/victim", dir + "/report.json");
  EXPECT_NE(user_error([&] { write_output_file(dir + "/report.json", "overwritten"); }).find("is a symlink"),
            std::string::npos);
  std::ifstream in(dir + "/victim");
  std::string kept;
  in >> kept;
  EXPECT_EQ(kept, "keep");
  EXPECT_NE(user_error([&] { write_npy(dir + "/report.json", Tensor::scalar_f32(1)); }).find("is a symlink"),
            std::string::npos);
}

TEST(HostileOutputs, TensorFileNamesNeverCollide) {
  EXPECT_NE(file_name_for_tensor("a/b"), file_name_for_tensor("a_b"));
  EXPECT_EQ(file_name_for_tensor("a/b"), "a%2Fb");
  EXPECT_EQ(file_name_for_tensor("out:0"), "out%3A0");
  EXPECT_EQ(file_name_for_tensor("logits"), "logits");
  EXPECT_EQ(file_name_for_tensor("../../etc/passwd").find('/'), std::string::npos);
  EXPECT_EQ(file_name_for_tensor(""), "%");
  EXPECT_NE(file_name_for_tensor(".."), "..");
}

// Found by the fuzz_pattern target: 100,000 '-' signs overflowed the stack of
// the recursive-descent parser. Nesting is bounded (blocks and operands).
TEST(HostilePatternText, DeepNestingIsAUserError) {
  auto kernel = [](const std::string& expr) {
    return "kernel k(x0: f32[1]) -> (y0: f32[1]) {\n  map i in 0..1 {\n    y0[i] = " + expr + "\n  }\n}\n";
  };
  for (const std::string& expr : {std::string(100000, '-') + "x0[i]",
                                  std::string(100000, '(') + "x0[i]" + std::string(100000, ')'),
                                  std::string(300, '!') + "x0[i]"}) {
    const std::string what = user_error([&] { pattern::parse_kernel(kernel(expr)); });
    EXPECT_NE(what.find("nesting deeper than 200 levels"), std::string::npos) << what;
  }
  // 100 levels is fine, and prints back to the same kernel.
  const pattern::Kernel k = pattern::parse_kernel(kernel(std::string(50, '(') + "-x0[i]" + std::string(50, ')')));
  EXPECT_TRUE(pattern::equal(k, pattern::parse_kernel(pattern::print(k))));
}

}  // namespace
}  // namespace tessera
