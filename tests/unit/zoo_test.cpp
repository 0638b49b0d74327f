// The model zoo: parameter counts and multiply-adds against the published
// figures, settings and their errors, deterministic weights, and the ONNX
// round trip (build -> materialise -> export -> import -> same outputs).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>

#include "tessera/driver/driver.h"
#include "tessera/exec/executor.h"
#include "tessera/frontend/onnx/exporter.h"
#include "tessera/lower/lower.h"
#include "tessera/pattern/cost.h"
#include "tessera/support/error.h"
#include "tessera/zoo/zoo.h"

namespace tessera {
namespace {

int64_t params(const std::string& model, const zoo::Settings& s = {}) {
  return zoo::count_parameters(zoo::build(model, s));
}

// Multiply-adds, the unit papers quote as "FLOPs" for vision models (fvcore's
// convention): count_flops counts a multiply-add as 2.
double macs(const std::string& model, const zoo::Settings& s = {}) {
  return static_cast<double>(pattern::count_flops(lower::lower(zoo::build(model, s)))) / 2;
}

// Published parameter counts are rounded to 3-4 significant digits: within 0.5%.
void expect_published(int64_t got, double published, double tolerance = 0.005) {
  EXPECT_NEAR(static_cast<double>(got) / published, 1.0, tolerance) << got << " vs published " << published;
}

// --- parameter counts: exact (architecture arithmetic, equal to the reference
// implementations' counts) and against the papers' rounded figures ---

TEST(ZooParams, Gpt2Presets) {
  EXPECT_EQ(params("gpt2"), 124439808);
  EXPECT_EQ(params("gpt2", {{"preset", "medium"}}), 354823168);
  EXPECT_EQ(params("gpt2", {{"preset", "large"}}), 774030080);
  EXPECT_EQ(params("gpt2", {{"preset", "xl"}}), 1557611200);
  expect_published(params("gpt2"), 124e6);
  expect_published(params("gpt2", {{"preset", "medium"}}), 355e6);
  expect_published(params("gpt2", {{"preset", "large"}}), 774e6);
  expect_published(params("gpt2", {{"preset", "xl"}}), 1558e6);
}

TEST(ZooParams, TiedLmHeadCountsOnce) {
  // The head reuses the token embedding: no [d_model, vocab] weight of its own.
  graph::Graph g = zoo::build("gpt2", {{"layers", "1"}, {"seq", "4"}});
  int64_t vocab_sized = 0;
  for (const auto& v : g.values)
    if (v.parameter && num_elements(v.shape) == 50257 * 768) ++vocab_sized;
  EXPECT_EQ(vocab_sized, 1);
}

TEST(ZooParams, BertPresets) {
  EXPECT_EQ(params("bert"), 109482240);
  EXPECT_EQ(params("bert", {{"preset", "large"}}), 335141888);
  expect_published(params("bert"), 110e6);
  // The paper's "340M" for BERT-large is rounded generously: the released
  // encoder + pooler has 335.1M (the count above, also Hugging Face's), 1.4% less.
  expect_published(params("bert", {{"preset", "large"}}), 340e6, 0.015);
}

TEST(ZooParams, VitPresets) {
  EXPECT_EQ(params("vit", {{"preset", "tiny"}}), 5717416);
  EXPECT_EQ(params("vit"), 86567656);
  EXPECT_EQ(params("vit", {{"preset", "l16"}}), 304326632);
  expect_published(params("vit", {{"preset", "tiny"}}), 5.7e6);
  expect_published(params("vit"), 86.6e6);
  expect_published(params("vit", {{"preset", "l16"}}), 304e6);
}

TEST(ZooParams, MixerPresets) {
  EXPECT_EQ(params("mixer", {{"preset", "s16"}}), 18528264);
  EXPECT_EQ(params("mixer"), 59880472);
  expect_published(params("mixer", {{"preset", "s16"}}), 18.5e6);
  expect_published(params("mixer"), 59.9e6);
}

TEST(ZooParams, ResNet) {
  // torchvision's trainable counts (11,689,512 and 25,557,032) plus the
  // BatchNorm running mean and variance, which are parameters here too
  // (as many again as the BN scales and shifts: 9,600 and 53,120).
  EXPECT_EQ(params("resnet", {{"depth", "18"}}), 11689512 + 9600);
  EXPECT_EQ(params("resnet", {{"depth", "50"}}), 25557032 + 53120);
  expect_published(params("resnet", {{"depth", "18"}}), 11.7e6);
  expect_published(params("resnet", {{"depth", "50"}}), 25.6e6);
}

TEST(ZooParams, UnetDlrmLstmMlp) {
  // U-Net(3 in, 2 classes, 64 base, transposed-conv up-sampling): 31,037,698
  // trainable, plus 2 x 5,888 BN running statistics.
  EXPECT_EQ(params("unet"), 31037698 + 11776);
  // DLRM: 26 tables x 100000 x 16, bottom 13-512-256-64-16, top 367-512-256-1
  // (367 = 16 + 27*26/2 interaction outputs).
  EXPECT_EQ(params("dlrm"), 26 * 100000 * 16 + (13 * 512 + 512 + 512 * 256 + 256 + 256 * 64 + 64 + 64 * 16 + 16) +
                                (367 * 512 + 512 + 512 * 256 + 256 + 256 + 1));
  EXPECT_EQ(params("dlrm", {{"tables", "10-20-30"}, {"embed_dim", "4"}, {"bottom_mlp", "3-4"}, {"top_mlp", "1"}}),
            (10 + 20 + 30) * 4 + (3 * 4 + 4) + ((4 + 6) * 1 + 1));
  // Sizes take k/M/G suffixes.
  EXPECT_EQ(params("dlrm", {{"tables", "2kx3"}, {"embed_dim", "2"}, {"bottom_mlp", "1-2"}, {"top_mlp", "1"}}),
            3 * 2000 * 2 + (1 * 2 + 2) + ((2 + 6) * 1 + 1));
  // LSTM LM: embedding + 2 x (W, R, both biases) + decoder.
  EXPECT_EQ(params("lstm"), 10000 * 650 + 2 * (2 * 4 * 650 * 650 + 8 * 650) + 650 * 10000 + 10000);
  EXPECT_EQ(params("mlp", {{"widths", "4-3-2"}}), 4 * 3 + 3 + 3 * 2 + 2);
}

// --- multiply-adds: matmuls and convolutions dominate; elementwise ops
// (norms, GELU, softmax, ReLU, pooling) add under 2% here, hence 3% ---

TEST(ZooMacs, VisionModelsMatchPublished) {
  EXPECT_NEAR(macs("vit") / 17.6e9, 1.0, 0.03);
  EXPECT_NEAR(macs("vit", {{"preset", "l16"}}) / 61.6e9, 1.0, 0.03);
  EXPECT_NEAR(macs("mixer") / 12.6e9, 1.0, 0.03);
  EXPECT_NEAR(macs("resnet", {{"depth", "50"}}) / 4.1e9, 1.0, 0.03);
  EXPECT_NEAR(macs("resnet", {{"depth", "18"}}) / 1.8e9, 1.0, 0.03);
}

TEST(ZooMacs, Gpt2XlLowersWithoutWeights) {
  // seq * (12 d^2 per layer + vocab d for the head) + 2 seq^2 d per layer (attention).
  const double seq = 1024, d = 1600, layers = 48, vocab = 50257;
  const double expected = seq * (layers * 12 * d * d + vocab * d) + layers * 2 * seq * seq * d;
  graph::Graph g = zoo::build("gpt2", {{"preset", "xl"}});
  int64_t constant_bytes = 0;
  for (const auto& v : g.values) {
    EXPECT_FALSE(v.parameter && v.constant) << v.name;
    if (v.constant) constant_bytes += static_cast<int64_t>(v.constant->nbytes());
  }
  EXPECT_LT(constant_bytes, 2 << 20);  // the causal mask and small shape constants only
  EXPECT_NEAR(static_cast<double>(pattern::count_flops(lower::lower(g))) / 2 / expected, 1.0, 0.03);
}

TEST(ZooMacs, UnetAcceptsArgonneResolution) {
  graph::Graph g = zoo::build("unet", {{"height", "1260"}, {"width", "2048"}});
  const auto& out = g.value(g.outputs[0]);
  EXPECT_EQ(out.shape, (Shape{1, 2, 1260, 2048}));
  EXPECT_GT(pattern::count_flops(lower::lower(g)), 0);
}

// --- settings ---

TEST(ZooSettings, PresetThenOverrides) {
  graph::Graph g = zoo::build("gpt2", {{"preset", "medium"}, {"layers", "2"}, {"seq", "16"}});
  // 2 medium layers: embeddings + 2 blocks of width 1024 + final norm.
  EXPECT_EQ(zoo::count_parameters(g), (50257 + 1024) * 1024 + 2 * (12 * 1024 * 1024 + 13 * 1024) + 2 * 1024);
  EXPECT_EQ(g.value(g.outputs[0]).shape, (Shape{1, 16, 50257}));
}

TEST(ZooSettings, LoadParsesSpec) {
  graph::Graph g = zoo::load("zoo:vit,preset=tiny,image=32,patch=8,batch=2");
  EXPECT_EQ(g.value(g.inputs[0]).shape, (Shape{2, 3, 32, 32}));
  EXPECT_EQ(g.value(g.outputs[0]).shape, (Shape{2, 1000}));
  EXPECT_EQ(zoo::load("zoo:mlp").value(zoo::load("zoo:mlp").inputs[0]).shape, (Shape{1, 784}));
  EXPECT_TRUE(zoo::is_zoo_spec("zoo:mlp"));
  EXPECT_FALSE(zoo::is_zoo_spec("model.onnx"));
}

TEST(ZooSettings, ListDescribesEveryModel) {
  std::vector<std::string> names;
  for (const auto& m : zoo::list()) {
    names.push_back(m.name);
    EXPECT_FALSE(m.description.empty());
    EXPECT_NO_THROW(zoo::build(m.name, {})) << m.name;  // defaults build
    for (const auto& p : m.presets) EXPECT_NO_THROW(zoo::build(m.name, {{"preset", p.name}})) << p.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"mlp", "cnn", "gpt2", "bert", "vit", "mixer", "resnet", "dlrm", "unet", "lstm"}));
}

void expect_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

TEST(ZooErrors, UnknownModelKeyAndValue) {
  expect_error([] { zoo::build("gpt5"); }, {"unknown zoo model 'gpt5'", "gpt2", "resnet", "unet"});
  expect_error([] { zoo::build("gpt2", {{"depth", "3"}}); }, {"no setting 'depth'", "valid keys", "seq", "d_model"});
  expect_error([] { zoo::build("gpt2", {{"seq", "abc"}}); }, {"gpt2", "seq=abc", "integer"});
  expect_error([] { zoo::build("gpt2", {{"seq", "0"}}); }, {"seq=0", "at least 1"});
  expect_error([] { zoo::build("gpt2", {{"preset", "huge"}}); }, {"preset=huge", "small, medium, large, xl"});
  expect_error([] { zoo::build("gpt2", {{"seq", "2048"}}); }, {"seq=2048", "positions=1024"});
  expect_error([] { zoo::build("gpt2", {{"heads", "7"}}); }, {"heads=7", "divide d_model=768"});
  expect_error([] { zoo::build("bert", {{"heads", "5"}}); }, {"heads=5", "divide"});
  expect_error([] { zoo::build("bert", {{"seq", "513"}}); }, {"seq=513", "positions=512"});
  expect_error([] { zoo::build("vit", {{"image", "100"}}); }, {"image=100", "multiple of patch=16"});
  expect_error([] { zoo::build("vit", {{"heads", "5"}}); }, {"heads=5", "divide"});
  expect_error([] { zoo::build("mixer", {{"image", "100"}}); }, {"image=100", "multiple of patch=16"});
  expect_error([] { zoo::build("resnet", {{"depth", "20"}}); }, {"depth=20", "18, 34, 50, 101, 152"});
  expect_error([] { zoo::build("unet", {{"height", "8"}}); }, {"height=8", "2^depth = 16"});
  expect_error([] { zoo::build("unet", {{"width", "15"}}); }, {"width=15", "2^depth = 16"});
  expect_error([] { zoo::build("unet", {{"depth", "11"}}); }, {"depth=11", "at most 10"});
  expect_error([] { zoo::build("mlp", {{"widths", "784"}}); }, {"widths=784", "at least one layer"});
  expect_error([] { zoo::build("mlp", {{"widths", "784--10"}}); }, {"widths=784--10", "separated by"});
  expect_error([] { zoo::build("dlrm", {{"tables", "12xy"}}); }, {"tables=12xy", "ROWSxCOUNT"});
  expect_error([] { zoo::build("dlrm", {{"embed_dim", "32"}}); }, {"bottom_mlp", "embed_dim=32"});
  expect_error([] { zoo::build("dlrm", {{"bottom_mlp", "16"}}); }, {"bottom_mlp=16", "dense feature count"});
}

TEST(ZooErrors, MalformedSpecsAndSettings) {
  expect_error([] { zoo::load("model.onnx"); }, {"not a zoo model spec", "zoo:NAME"});
  expect_error([] { zoo::load("zoo:"); }, {"names no model"});
  expect_error([] { zoo::load("zoo:gpt2,seq"); }, {"'seq' should be key=value"});
  expect_error([] { zoo::load("zoo:gpt2,seq=4,seq=8"); }, {"'seq' is given twice"});
  expect_error([] { zoo::parse_settings({"=3"}); }, {"'=3' should be key=value"});
  expect_error([] { frontend::parse_external_mode("sometimes"); }, {"'sometimes'", "auto, always or never"});
  EXPECT_EQ(frontend::parse_external_mode("always"), frontend::ExportOptions::External::Always);
}

// --- weights ---

TEST(ZooMaterialize, DeterministicAndShapedLikePyTorch) {
  graph::Graph a = zoo::build("vit", {{"preset", "tiny"}, {"layers", "1"}, {"image", "32"}});
  graph::Graph b = a, c = a;
  zoo::materialize(a, 1);
  zoo::materialize(b, 1);
  zoo::materialize(c, 2);
  const auto& w = *a.value(*a.find("blocks.0.mlp.fc1.weight")).constant;  // [192, 768]
  const auto& w_same = *b.value(*b.find("blocks.0.mlp.fc1.weight")).constant;
  const auto& w_other = *c.value(*c.find("blocks.0.mlp.fc1.weight")).constant;
  ASSERT_EQ(w.shape(), (Shape{192, 768}));
  EXPECT_EQ(std::memcmp(w.raw(), w_same.raw(), w.nbytes()), 0);
  EXPECT_NE(std::memcmp(w.raw(), w_other.raw(), w.nbytes()), 0);
  // uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in 192: within the bound,
  // mean ~0, variance bound^2/3.
  const double bound = 1 / std::sqrt(192.0);
  double sum = 0, sq = 0, max_abs = 0;
  for (int64_t i = 0; i < w.size(); ++i) {
    const double x = w.get_f64(i);
    sum += x;
    sq += x * x;
    max_abs = std::max(max_abs, std::abs(x));
  }
  EXPECT_LE(max_abs, bound);
  EXPECT_GT(max_abs, 0.99 * bound);
  EXPECT_NEAR(sum / static_cast<double>(w.size()), 0, 0.01 * bound);
  EXPECT_NEAR(sq / static_cast<double>(w.size()), bound * bound / 3, 0.02 * bound * bound);
  // The bias after that MatMul shares its bound; LayerNorm starts at identity.
  const auto& bias = *a.value(*a.find("blocks.0.mlp.fc1.bias")).constant;
  for (int64_t i = 0; i < bias.size(); ++i) EXPECT_LE(std::abs(bias.get_f64(i)), bound);
  const auto& gamma = *a.value(*a.find("blocks.0.norm1.weight")).constant;
  const auto& beta = *a.value(*a.find("blocks.0.norm1.bias")).constant;
  for (int64_t i = 0; i < gamma.size(); ++i) {
    EXPECT_EQ(gamma.get_f64(i), 1.0);
    EXPECT_EQ(beta.get_f64(i), 0.0);
  }
}

TEST(ZooMaterialize, BatchNormStartsAsIdentity) {
  graph::Graph g = zoo::build("resnet", {{"depth", "18"}, {"image", "32"}});
  zoo::materialize(g);
  auto all = [&](const std::string& name, double want) {
    const auto& t = *g.value(*g.find(name)).constant;
    for (int64_t i = 0; i < t.size(); ++i) EXPECT_EQ(t.get_f64(i), want) << name;
  };
  all("bn1.weight", 1);
  all("bn1.bias", 0);
  all("bn1.running_mean", 0);
  all("bn1.running_var", 1);
}

TEST(ZooMaterialize, UnmaterialisedModelsDoNotRunOrExport) {
  graph::Graph g = zoo::build("mlp", {{"widths", "2-2"}});
  expect_error([&] { exec::run_program(lower::lower(g), {{"input", Tensor(DType::F32, {1, 2})}}); },
               {"layers.0.weight", "no values"});
  expect_error([&] { frontend::export_onnx(g, "/nonexistent/never.onnx"); }, {"layers.0.weight", "materialise"});
}

// --- export round trip ---

std::filesystem::path temp_dir() {
  return std::filesystem::temp_directory_path() / ("tessera_zoo_test_" + std::to_string(::getpid()));
}

std::string temp_path(const std::string& file) {
  std::filesystem::create_directories(temp_dir());
  return (temp_dir() / file).string();
}

class RemoveTempDir : public ::testing::Environment {
 public:
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(temp_dir(), ec);
  }
};
[[maybe_unused]] ::testing::Environment* const kCleanup = ::testing::AddGlobalTestEnvironment(new RemoveTempDir);

// Deterministic inputs: floats in [-1, 1), integers in [0, high).
Tensor input_for(const graph::Value& v, int64_t high) {
  Tensor t(v.dtype, v.shape);
  uint64_t s = 12345;
  for (int64_t i = 0; i < t.size(); ++i) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    if (is_float(v.dtype))
      t.set_f64(i, static_cast<double>(s >> 40) / 8388608.0 - 1.0);
    else
      t.set_i64(i, static_cast<int64_t>((s >> 33) % static_cast<uint64_t>(high)));
  }
  return t;
}

// Runs the materialised graph in memory and the exported + re-imported ONNX
// file, and requires bit-identical outputs (the export is lossless: float32
// weights, float32-rounded attributes).
void expect_round_trip(const std::string& model, const zoo::Settings& s, int64_t int_high,
                       frontend::ExportOptions options = {}) {
  SCOPED_TRACE(model);
  graph::Graph g = zoo::build(model, s);
  zoo::materialize(g, 7);
  std::map<std::string, Tensor> feeds;
  for (auto id : g.inputs) feeds[g.value(id).name] = input_for(g.value(id), int_high);
  const auto want = exec::run_program(lower::lower(g), feeds);

  const std::string path = temp_path(model + ".onnx");
  const frontend::ExportSummary summary = frontend::export_onnx(g, path, options);
  EXPECT_GE(summary.initializer_bytes, zoo::parameter_bytes(g));
  graph::Graph back = driver::load_model(path);
  EXPECT_EQ(back.outputs.size(), g.outputs.size());
  const auto got = exec::run_program(driver::lower_model(back), feeds);
  for (const auto& [name, t] : want) {
    ASSERT_TRUE(got.count(name)) << name;
    const Tensor& u = got.at(name);
    ASSERT_EQ(u.shape(), t.shape()) << name;
    ASSERT_EQ(u.dtype(), t.dtype()) << name;
    EXPECT_EQ(std::memcmp(u.raw(), t.raw(), t.nbytes()), 0) << name << " differs after export";
    double energy = 0;
    for (int64_t i = 0; i < t.size(); ++i) {
      ASSERT_TRUE(std::isfinite(t.get_f64(i))) << name;
      energy += std::abs(t.get_f64(i));
    }
    EXPECT_GT(energy, 0) << name << " is all zeros: the comparison would prove nothing";
  }
}

TEST(ZooExport, MlpRoundTrip) { expect_round_trip("mlp", {{"widths", "16-32-8"}, {"batch", "3"}}, 0); }

TEST(ZooExport, TinyGpt2RoundTrip) {
  expect_round_trip("gpt2",
                    {{"layers", "2"}, {"d_model", "32"}, {"heads", "4"}, {"vocab", "97"}, {"positions", "16"},
                     {"seq", "8"}, {"batch", "2"}},
                    97);
}

TEST(ZooExport, ResNet18At64RoundTrip) { expect_round_trip("resnet", {{"depth", "18"}, {"image", "64"}}, 0); }

TEST(ZooExport, OtherFamiliesRoundTrip) {
  expect_round_trip("bert",
                    {{"layers", "2"}, {"d_model", "32"}, {"heads", "2"}, {"ff", "64"}, {"vocab", "50"},
                     {"positions", "16"}, {"seq", "8"}},
                    2);
  expect_round_trip("vit", {{"preset", "tiny"}, {"layers", "1"}, {"image", "32"}, {"classes", "10"}}, 0);
  expect_round_trip("mixer", {{"preset", "s16"}, {"layers", "1"}, {"image", "32"}, {"patch", "8"}}, 0);
  expect_round_trip("dlrm",
                    {{"tables", "50x3"}, {"embed_dim", "4"}, {"bottom_mlp", "5-8-4"}, {"top_mlp", "8-1"},
                     {"lookups", "2"}, {"batch", "4"}},
                    50);
  // Odd sizes: 21x30 pools to 10x15, then 5x7; up-sampling gives 10x14 (padded
  // to 10x15), then 20x30 (padded to 21x30).
  expect_round_trip("unet", {{"height", "21"}, {"width", "30"}, {"depth", "2"}, {"base_channels", "4"}}, 0);
  expect_round_trip("lstm", {{"vocab", "40"}, {"hidden", "8"}, {"seq", "5"}, {"batch", "3"}}, 40);
}

TEST(ZooExport, ExternalDataRoundTrip) {
  frontend::ExportOptions options;
  options.external = frontend::ExportOptions::External::Always;
  expect_round_trip("mlp", {{"widths", "64-300-8"}}, 0, options);
  const std::string data = temp_path("mlp.onnx.data");
  ASSERT_TRUE(std::filesystem::exists(data));
  // Weights of 1 KiB and more are external: 64x300 and 300x8 floats, 64-byte aligned.
  EXPECT_GE(static_cast<int64_t>(std::filesystem::file_size(data)), (64 * 300 + 300 * 8 + 300) * 4);
}

// Debian's python3-onnx checks the files independently of Tessera (skipped
// where it is not installed).
TEST(ZooExport, OnnxCheckerAccepts) {
  if (std::system("/usr/bin/python3 -c 'import onnx' >/dev/null 2>&1") != 0) GTEST_SKIP() << "python3-onnx missing";
  for (const auto& [model, settings] : std::vector<std::pair<std::string, zoo::Settings>>{
           {"gpt2", {{"layers", "1"}, {"d_model", "16"}, {"heads", "2"}, {"vocab", "20"}, {"seq", "4"}}},
           {"mixer", {{"layers", "1"}, {"d_model", "16"}, {"image", "32"}}},
           {"unet", {{"height", "20"}, {"width", "20"}, {"depth", "2"}, {"base_channels", "2"}}},
           {"dlrm", {{"tables", "10x2"}, {"embed_dim", "2"}, {"bottom_mlp", "3-2"}, {"batch", "2"}}},
           {"lstm", {{"vocab", "10"}, {"hidden", "4"}}}}) {
    graph::Graph g = zoo::build(model, settings);
    zoo::materialize(g);
    frontend::ExportOptions options;
    options.external = frontend::ExportOptions::External::Always;
    const std::string path = temp_path(model + "_checked.onnx");
    frontend::export_onnx(g, path, options);
    const std::string cmd = "/usr/bin/python3 -c \"import onnx; onnx.checker.check_model('" + path +
                            "', full_check=True)\"";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << model;
  }
}

}  // namespace
}  // namespace tessera
