// Hostile settings for arch specs, zoo models and shape inference: sizes whose
// products overflow, NaN and infinite figures, files with 200k keys, bytes
// that are not UTF-8, zoo settings far past any real model, and dimensions
// near 2^31, 2^32, 2^62 and 2^63. Each case must end in one user Error (no
// crash, no wrapped figure, no InternalError) whose message names the field,
// setting or node and the limit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>

#include "tessera/arch/presets.h"
#include "tessera/arch/print.h"
#include "tessera/arch/spec.h"
#include "tessera/arch/yaml_reader.h"
#include "tessera/graph/graph.h"
#include "tessera/support/checked.h"
#include "tessera/support/error.h"
#include "tessera/zoo/graph_builder.h"
#include "tessera/zoo/zoo.h"
#include "user_error.h"

namespace tessera {
namespace {

constexpr int64_t kP31 = int64_t{1} << 31;
constexpr int64_t kP32 = int64_t{1} << 32;
constexpr int64_t kP62 = int64_t{1} << 62;
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();

using testing::user_error;

#define EXPECT_HAS(text, part)                                         \
  do {                                                                 \
    const std::string got_ = (text);                                   \
    EXPECT_NE(got_.find(part), std::string::npos) << got_ << "\n  wanted: " << (part); \
  } while (0)

// ---- arch specs ----------------------------------------------------------

std::string plasticine() { return std::string(arch::find_preset("plasticine")->yaml); }

// The preset with the first occurrence of `from` replaced by `to`.
std::string edited(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

std::string arch_error(const std::string& text) {
  return user_error([&] { arch::parse_arch(text, "bad.yaml"); });
}

// A grid whose product is 2^64 wrapped to 0 (SIGFPE) and one whose product
// wraps to a negative count (−9.2e18 PCUs): both are named and bounded.
TEST(HostileArch, GridCellsThatWrap) {
  std::string t = plasticine();
  t = edited(t, "  dies: 1 ", "  dies: 65536 ");
  t = edited(t, "  tiles_per_die: 1 ", "  tiles_per_die: 65536 ");
  t = edited(t, "  rows: 16 ", "  rows: 65536 ");
  t = edited(t, "  cols: 8 ", "  cols: 65536 ");
  std::string e = arch_error(t);
  EXPECT_HAS(e, "key 'grid': 65536 die(s) x 65536 tile(s) x 65536x65536 units is more than 262144 units");
  EXPECT_HAS(e, "give at most 262144 units");
  // One factor past the cap on its own.
  e = arch_error(edited(plasticine(), "  rows: 16 ", "  rows: 262145 "));
  EXPECT_HAS(e, "key 'grid.rows': 262145 is implausibly large; give at most 262144");
  // Each factor legal, the product one past the cap.
  t = edited(plasticine(), "  rows: 16 ", "  rows: 512 ");
  e = arch_error(edited(t, "  cols: 8 ", "  cols: 513 "));
  EXPECT_HAS(e, "512x513 units is more than 262144 units");
}

TEST(HostileArch, PerFieldIntegerLimits) {
  EXPECT_HAS(arch_error(edited(plasticine(), "  lanes: 16 ", "  lanes: 5000 ")),
             "key 'pcu.lanes': 5000 is implausibly large; give at most 4096");
  EXPECT_HAS(arch_error(edited(plasticine(), "  stages: 6 ", "  stages: 2000 ")),
             "key 'pcu.stages': 2000 is implausibly large; give at most 1024");
  EXPECT_HAS(arch_error(edited(plasticine(), "capacity_kib: 256", "capacity_kib: 2000000")),
             "key 'pmu.capacity_kib': 2000000 is implausibly large; give at most 1048576");
  EXPECT_HAS(arch_error(edited(plasticine(), "link_bits: 512", "link_bits: 100000")),
             "key 'network.dynamic.link_bits': 100000 is implausibly large; give at most 65536");
  EXPECT_HAS(arch_error(edited(plasticine(), "data_rate_mtps: 1600", "data_rate_mtps: 1e12")),
             "key 'dram[0].data_rate_mtps': 1e12 is implausibly large; give at most 100000");
  // Past int64 itself: named as out of range, not as "not an integer".
  EXPECT_HAS(arch_error(edited(plasticine(), "  lanes: 16 ", "  lanes: 99999999999999999999 ")),
             "key 'pcu.lanes': 99999999999999999999 is out of range");
  // Zero is never a divisor: banks, lanes, stages and the clock must be positive.
  EXPECT_HAS(arch_error(edited(plasticine(), "banks: 16", "banks: 0")), "key 'pmu.banks': must be positive, got 0");
  EXPECT_HAS(arch_error(edited(plasticine(), "clock_ghz: 1.0", "clock_ghz: 0")), "key 'clock_ghz': must be positive");
}

TEST(HostileArch, NanInfAndOutOfRangeNumbersNameTheField) {
  for (const char* v : {".nan", ".NaN", "nan", ".inf", "-.inf", "+.inf", "inf"})
    EXPECT_HAS(arch_error(edited(plasticine(), "clock_ghz: 1.0", fmt::format("clock_ghz: {}", v))),
               fmt::format("key 'clock_ghz': must be a finite number, got '{}'", v));
  EXPECT_HAS(arch_error(edited(plasticine(), "latency_ns: 80", "latency_ns: .nan")),
             "key 'dram[0].latency_ns': must be a finite number");
  EXPECT_HAS(arch_error(edited(plasticine(), "area_mm2: 0.849", "area_mm2: .inf")),
             "key 'energy.pcu.area_mm2': must be a finite number");
  EXPECT_HAS(arch_error(edited(plasticine(), "clock_ghz: 1.0", "clock_ghz: 1e999")),
             "key 'clock_ghz': 1e999 is out of range");
  EXPECT_HAS(arch_error(edited(plasticine(), "clock_ghz: 1.0", "clock_ghz: 1e308")),
             "key 'clock_ghz': 1e308 is implausibly large; give at most 100");
  EXPECT_HAS(arch_error(edited(plasticine(), "clock_ghz: 1.0", "clock_ghz: 1e-320")),
             "key 'clock_ghz': 1e-320 is implausibly small; give at least 1e-09");
  EXPECT_HAS(arch_error(edited(plasticine(), "energy_pj_per_bit: 25", "energy_pj_per_bit: 1e300")),
             "key 'dram[0].energy_pj_per_bit': 1e300 is implausibly large; give at most 1e+09");
  EXPECT_HAS(arch_error(edited(plasticine(), "static_w: 5", "static_w: -0.5")),
             "key 'energy.static_w': must not be negative, got -0.5");
  EXPECT_HAS(arch_error(edited(plasticine(), "    fp32: 1 ", "    fp32: 1000 ")),
             "key 'pcu.ops_per_lane.fp32': 1000 is implausibly large; give at most 64");
}

// 200k keys took 143 s (a quadratic duplicate check); the keys are now indexed.
TEST(HostileArch, TwoHundredThousandKeys) {
  std::string t = plasticine();
  t.reserve(t.size() + 200000 * 24);
  for (int i = 0; i < 200000; ++i) t += fmt::format("extra_key_{}: 1\n", i);
  EXPECT_HAS(arch_error(t), "key 'extra_key_0': unknown key");
  // The same file whose last key repeats the first: found, with both lines.
  t += "extra_key_0: 2\n";
  EXPECT_HAS(arch_error(t), "key 'extra_key_0': given twice (first on line");
}

TEST(HostileArch, TooManyDramTiers) {
  std::string tiers = "dram:\n";
  for (int i = 0; i < 17; ++i)
    tiers += fmt::format("  - {{name: t{}, kind: ddr4, channels: 1, bus_bits: 64, data_rate_mtps: 1600, "
                         "capacity_gib: 1, latency_ns: 80, energy_pj_per_bit: 20}}\n", i);
  std::string t = plasticine();
  const size_t from = t.find("dram:"), to = t.find("energy:");
  t.replace(from, to - from, tiers + "\n");
  EXPECT_HAS(arch_error(t), "key 'dram': lists 17 tiers, implausibly many; give at most 16");
}

TEST(HostileArch, NonUtf8TextIsRejectedAtLoad) {
  const std::string desc = "description: Stanford Plasticine research RDA, 28 nm, 1 GHz (ISCA 2017)";
  EXPECT_HAS(arch_error(edited(plasticine(), desc, "description: caf\xe9 chip")),
             "bad.yaml:12: key 'description': is not valid UTF-8 text; save the file as UTF-8");
  EXPECT_HAS(arch_error(edited(plasticine(), desc, "description: \"bad \xff byte\"")), "key 'description'");
  EXPECT_HAS(arch_error(edited(plasticine(), "    kind: ddr3", "    kind: ddr\xc0\xafx")),
             "key 'dram[0].kind': is not valid UTF-8 text");
  EXPECT_HAS(arch_error(edited(plasticine(), "clock_ghz: 1.0", "cl\xf0\x28" "ck: 1.0")), "is not valid UTF-8 text");
  // Real UTF-8 is fine.
  const arch::ArchSpec ok = arch::parse_arch(edited(plasticine(), desc, "description: café ☕ 𝄞"), "ok.yaml");
  EXPECT_EQ(ok.description, "café ☕ 𝄞");
}

TEST(HostileArch, Utf8Validator) {
  EXPECT_TRUE(arch::is_utf8("plain ascii"));
  EXPECT_TRUE(arch::is_utf8("caf\xc3\xa9 \xe2\x98\x95 \xf0\x9d\x84\x9e"));
  EXPECT_FALSE(arch::is_utf8("\xe9"));                  // Latin-1
  EXPECT_FALSE(arch::is_utf8("\xc0\xaf"));              // overlong '/'
  EXPECT_FALSE(arch::is_utf8("\xed\xa0\x80"));          // surrogate U+D800
  EXPECT_FALSE(arch::is_utf8("\xf4\x90\x80\x80"));      // above U+10FFFF
  EXPECT_FALSE(arch::is_utf8("\xe2\x98"));              // truncated
  EXPECT_FALSE(arch::is_utf8("\xff"));
}

// A spec built in code bypasses the loader; its JSON still prints.
TEST(HostileArch, JsonDumpReplacesBadBytes) {
  arch::ArchSpec a = arch::load_preset("plasticine");
  a.description = "bad \xff byte";
  std::string json;
  EXPECT_NO_THROW(json = arch::to_json(a));
  EXPECT_HAS(json, "\"description\": \"bad \xef\xbf\xbd byte\"");
}

// ---- zoo settings ----------------------------------------------------------

TEST(HostileZoo, WidthsWhoseProductOverflows) {
  // 3037000500^2 passes 2^63: parameter counts printed negative.
  const std::string e = user_error([] { zoo::load("zoo:mlp,widths=3037000500-3037000500"); });
  EXPECT_HAS(e, "zoo model 'mlp': widths=3037000500-3037000500: 3037000500 is over the zoo's limit of 1048576");
  // At the limit, the count is exact and positive.
  const graph::Graph g = zoo::load("zoo:mlp,widths=1048576-1048576");
  EXPECT_EQ(zoo::count_parameters(g), (int64_t{1} << 40) + (int64_t{1} << 20));
  EXPECT_EQ(zoo::parameter_bytes(g), 4 * ((int64_t{1} << 40) + (int64_t{1} << 20)));
}

// layers=100000 took a minute and 6.7 GB before failing; now the setting is
// rejected before any tensor is built.
TEST(HostileZoo, LayersFailFastWithTheLimit) {
  EXPECT_HAS(user_error([] { zoo::load("zoo:gpt2,layers=100000"); }),
             "zoo model 'gpt2': layers=100000: must be at most 1000 (the zoo's limit for 'layers'");
  EXPECT_HAS(user_error([] { zoo::load("zoo:bert,layers=1001"); }), "must be at most 1000");
  EXPECT_HAS(user_error([] { zoo::load("zoo:lstm,layers=9G"); }), "layers=9G: must be at most 1000");
}

TEST(HostileZoo, EverySettingHasALimit) {
  const struct {
    const char* spec;
    const char* expected;
  } cases[] = {
      {"zoo:gpt2,seq=9000,positions=9000", "seq=9000: must be at most 8192"},
      {"zoo:gpt2,heads=2048", "heads=2048: must be at most 1024"},
      {"zoo:gpt2,vocab=2000000", "vocab=2000000: must be at most 1048576"},
      {"zoo:bert,batch=100000", "batch=100000: must be at most 65536"},
      {"zoo:vit,image=16384", "image=16384: must be at most 8192"},
      {"zoo:mixer,d_model=100000", "d_model=100000: must be at most 65536"},
      {"zoo:resnet,classes=9999999", "classes=9999999: must be at most 1048576"},
      {"zoo:unet,depth=11", "depth=11: must be at most 10"},
      {"zoo:unet,height=20000", "height=20000: must be at most 16384"},
      {"zoo:dlrm,tables=5x100000", "100000 tables is over the zoo's limit of 1024"},
      {"zoo:dlrm,tables=3000000000x2", "3000000000 rows is over the zoo's limit of 2147483648"},
      {"zoo:lstm,hidden=100000", "hidden=100000: must be at most 65536"},
  };
  for (const auto& c : cases) EXPECT_HAS(user_error([&] { zoo::load(c.spec); }), c.expected);
  // Values past int64 are malformed, not wrapped.
  EXPECT_HAS(user_error([] { zoo::load("zoo:gpt2,layers=99999999999999999999"); }), "expected an integer");
  EXPECT_HAS(user_error([] { zoo::load("zoo:lstm,hidden=9223372036854775807"); }), "expected an integer");
}

TEST(HostileZoo, LongListsStayOneShortLine) {
  std::string widths = "4";
  for (int i = 0; i < 5000; ++i) widths += "-4";
  const std::string e = user_error([&] { zoo::load("zoo:mlp,widths=" + widths); });
  EXPECT_HAS(e, "lists more than 1024 items, the zoo's limit");
  EXPECT_HAS(e, "(10001 characters)");
  EXPECT_LT(e.size(), 300u);
  EXPECT_EQ(e.find('\n'), std::string::npos);
}

TEST(HostileZoo, LargestTensorCheckedBeforeBuilding) {
  EXPECT_HAS(user_error([] { zoo::load("zoo:vit,image=8192,patch=1,batch=65536"); }),
             "vit's attention scores (batch x heads x ((image/patch)^2 + 1)^2) is too large");
}

TEST(HostileZoo, MaterializeRefusesBeforeAllocating) {
  graph::Graph g = zoo::load("zoo:mlp,widths=1048576-1048576-1048576");  // 8 TiB of weights
  EXPECT_HAS(user_error([&] { zoo::materialize(g); }), "has 8192.0 GiB of weights, more than the 32 GiB");
}

// ---- shape inference -------------------------------------------------------

using zoo::GraphBuilder;
using graph::ValueId;

std::string infer_error(const std::function<void(GraphBuilder&)>& build) {
  return user_error([&] {
    GraphBuilder b("hostile");
    build(b);
  });
}

TEST(HostileShapes, ReshapeNear2Pow62And2Pow63) {
  // 2^62 elements reshape fine; a requested shape whose product wraps does not.
  GraphBuilder ok("ok");
  ValueId x = ok.input("x", DType::F32, {kP31, kP31});
  EXPECT_EQ(ok.shape(ok.op("Reshape", "r", {x, ok.ints({-1, kP31})})), (Shape{kP31, kP31}));
  std::string e = infer_error([](GraphBuilder& b) {
    ValueId x = b.input("x", DType::F32, {kP31, kP31});
    b.op("Reshape", "r", {x, b.ints({kP32, kP32, -1})});
  });
  EXPECT_HAS(e, "Reshape node 'r'");
  EXPECT_HAS(e, "too large (over 2^62)");
}

TEST(HostileShapes, FlattenOfAnEmptyTensorWithHugeDims) {
  // [2^32, 2^32, 0] holds no elements, but flattening its first two axes is 2^64.
  const std::string e = infer_error([](GraphBuilder& b) {
    ValueId x = b.input("x", DType::F32, {kP32, kP32, 0});
    b.op("Flatten", "f", {x}, {{"axis", int64_t{2}}});
  });
  EXPECT_HAS(e, "Flatten node 'f': the flattened size is too large");
}

TEST(HostileShapes, ConcatNear2Pow63) {
  GraphBuilder ok("ok");
  ValueId a = ok.input("a", DType::F32, {kP31});
  EXPECT_EQ(ok.shape(ok.op("Concat", "c", {a, a}, {{"axis", int64_t{0}}})), (Shape{kP32}));
  const std::string e = infer_error([](GraphBuilder& b) {
    ValueId x = b.input("x", DType::F32, {kP62, 1});
    b.op("Concat", "c", {x, x}, {{"axis", int64_t{0}}});
  });
  EXPECT_HAS(e, "Concat node 'c': the concatenated size is too large");
}

TEST(HostileShapes, SliceWithHugeSteps) {
  GraphBuilder b("ok");
  ValueId x = b.input("x", DType::F32, {5, kP62});
  // Steps near 2^63 no longer wrap the extent: one element each.
  ValueId s = b.op("Slice", "s", {x, b.ints({0, 0}), b.ints({kI64Max, kI64Max}), b.ints({0, 1}), b.ints({kI64Max, kP62})});
  EXPECT_EQ(b.shape(s), (Shape{1, 1}));
  ValueId r = b.op("Slice", "r", {x, b.ints({-1}), b.ints({kI64Min}), b.ints({0}), b.ints({kI64Min + 1})});
  EXPECT_EQ(b.shape(r), (Shape{1, kP62}));
}

TEST(HostileShapes, PadNear2Pow63) {
  std::string e = infer_error([](GraphBuilder& b) {
    ValueId x = b.input("x", DType::F32, {4});
    b.op("Pad", "p", {x, b.ints({kI64Max, kI64Max})});
  });
  EXPECT_HAS(e, "Pad node 'p': a padded size is too large");
  e = infer_error([](GraphBuilder& b) {
    ValueId x = b.input("x", DType::F32, {4});
    b.op("Pad", "p", {x, b.ints({kI64Min, kI64Min})});
  });
  EXPECT_HAS(e, "Pad node 'p'");
  e = infer_error([](GraphBuilder& b) {
    ValueId x = b.input("x", DType::F32, {kP62});
    b.op("Pad", "p", {x, b.ints({1, 0})});
  });
  EXPECT_HAS(e, "too large");
}

TEST(HostileShapes, ConvAndPoolWindowsNear2Pow63) {
  std::string e = infer_error([](GraphBuilder& b) {
    ValueId x = b.input("x", DType::F32, {1, 1, 8, 8});
    b.op("MaxPool", "m", {x}, {{"kernel_shape", std::vector<int64_t>{3, 3}}, {"dilations", std::vector<int64_t>{kP62, 1}}});
  });
  EXPECT_HAS(e, "MaxPool node 'm': the window's extent (kernel x dilation) is too large");
  e = infer_error([](GraphBuilder& b) {
    ValueId x = b.input("x", DType::F32, {1, 1, 8});
    b.op("AveragePool", "a", {x}, {{"kernel_shape", std::vector<int64_t>{1}}, {"pads", std::vector<int64_t>{kI64Max, kI64Max}}});
  });
  EXPECT_HAS(e, "AveragePool node 'a': the padded input size is too large");
  // A stride near 2^63 is legal and gives one window.
  GraphBuilder ok("ok");
  ValueId x = ok.input("x", DType::F32, {1, 1, 8});
  ValueId w = ok.param("w", {1, 1, 3});
  ValueId c = ok.op("Conv", "c", {x, w}, {{"strides", std::vector<int64_t>{kI64Max}}});
  EXPECT_EQ(ok.shape(c), (Shape{1, 1, 1}));
  ValueId m = ok.op("MaxPool", "m", {x}, {{"kernel_shape", std::vector<int64_t>{2}}, {"strides", std::vector<int64_t>{kI64Max}},
                                          {"ceil_mode", int64_t{1}}});
  EXPECT_EQ(ok.shape(m), (Shape{1, 1, 1}));
  e = infer_error([](GraphBuilder& b) {
    ValueId x = b.input("x", DType::F32, {1, 1, 8});
    ValueId w = b.param("w", {1, 1, 3});
    b.op("ConvTranspose", "t", {x, w}, {{"strides", std::vector<int64_t>{kP62}}});
  });
  EXPECT_HAS(e, "ConvTranspose node 't': the full output size");
}

TEST(HostileShapes, RangeNear2Pow63) {
  GraphBuilder ok("ok");
  auto scalar = [](GraphBuilder& b, const std::string& name, int64_t v) { return b.constant(name, Tensor::scalar_i64(v)); };
  ValueId r = ok.op("Range", "r", {scalar(ok, "s", 0), scalar(ok, "l", 10), scalar(ok, "d", kI64Max)});
  EXPECT_EQ(ok.shape(r), (Shape{1}));
  ValueId q = ok.op("Range", "q", {scalar(ok, "s2", 0), scalar(ok, "l2", kP62), scalar(ok, "d2", kP62 / 2)});
  EXPECT_EQ(ok.shape(q), (Shape{2}));
  ValueId down = ok.op("Range", "down", {scalar(ok, "s3", 10), scalar(ok, "l3", 0), scalar(ok, "d3", kI64Min + 1)});
  EXPECT_EQ(ok.shape(down), (Shape{1}));
  std::string e = infer_error([&](GraphBuilder& b) {
    b.op("Range", "r", {scalar(b, "s", kI64Min), scalar(b, "l", kI64Max), scalar(b, "d", 1)});
  });
  EXPECT_HAS(e, "Range node 'r': the range's length (limit - start) is too large");
  e = infer_error([](GraphBuilder& b) {
    b.op("Range", "f", {b.constant("s", Tensor::scalar_f32(0)), b.constant("l", Tensor::scalar_f32(1e30f)),
                        b.constant("d", Tensor::scalar_f32(1))});
  });
  EXPECT_HAS(e, "Range node 'f': the range from 0 to");
  EXPECT_HAS(e, "has more than 2^62 elements");
  e = infer_error([](GraphBuilder& b) {
    b.op("Range", "f", {b.constant("s", Tensor::scalar_f32(0)), b.constant("l", Tensor::scalar_f32(INFINITY)),
                        b.constant("d", Tensor::scalar_f32(INFINITY))});
  });
  EXPECT_HAS(e, "Range node 'f': start, limit and delta give no length (NaN)");
}

TEST(HostileShapes, TileAndExpandNear2Pow62) {
  GraphBuilder ok("ok");
  ValueId x = ok.input("x", DType::F32, {kP31});
  EXPECT_EQ(ok.shape(ok.op("Tile", "t", {x, ok.ints({kP31})})), (Shape{kP62}));
  std::string e = infer_error([](GraphBuilder& b) {
    ValueId x = b.input("x", DType::F32, {kP31});
    b.op("Tile", "t", {x, b.ints({kP32})});
  });
  EXPECT_HAS(e, "Tile node 't': a tiled size is too large");
  e = infer_error([](GraphBuilder& b) {
    ValueId x = b.input("x", DType::F32, {1});
    b.op("Expand", "e", {x, b.ints({kI64Max})});
  });
  EXPECT_HAS(e, "Expand node 'e': inferred dimension 9223372036854775807 in output shape [9223372036854775807] is too large");
  e = infer_error([](GraphBuilder& b) {
    ValueId x = b.input("x", DType::F32, {1, 1});
    b.op("Expand", "e", {x, b.ints({kP32, kP32})});
  });
  EXPECT_HAS(e, "Expand node 'e': output shape [4294967296,4294967296] has more than 2^62 elements");
}

TEST(HostileShapes, SplitDepthToSpaceResizeLstm) {
  std::string e = infer_error([](GraphBuilder& b) {
    ValueId x = b.input("x", DType::F32, {4});
    b.op_n("Split", "s", {x, b.ints({kI64Max, 1})}, 2);
  });
  EXPECT_HAS(e, "Split node 's': the sum of the split sizes is too large");
  e = infer_error([](GraphBuilder& b) {
    ValueId x = b.input("x", DType::F32, {1, 4, 2, 2});
    b.op("DepthToSpace", "d", {x}, {{"blocksize", kP32}});
  });
  EXPECT_HAS(e, "DepthToSpace node 'd': blocksize^2 is too large");
  e = infer_error([](GraphBuilder& b) {
    ValueId x = b.input("x", DType::F32, {1, 1, 4, 4});
    ValueId none = b.constant("roi", Tensor(DType::F32, {0}));
    ValueId scales = b.constant("scales", Tensor::from_f32({1, 1, 1e30f, 1}, {4}));
    b.op("Resize", "r", {x, none, scales});
  });
  EXPECT_HAS(e, "Resize node 'r': scale");
  EXPECT_HAS(e, "makes axis 2 (size 4) larger than 2^62");
  e = infer_error([](GraphBuilder& b) {
    ValueId x = b.input("x", DType::F32, {2, 1, 3});
    ValueId w = b.param("w", {1, 4, 3});
    ValueId r = b.param("r", {1, 4, 1});
    b.op_n("LSTM", "l", {x, w, r}, 3, {{"hidden_size", kP62}});
  });
  EXPECT_HAS(e, "LSTM node 'l': gates x hidden_size is too large");
}

}  // namespace
}  // namespace tessera
