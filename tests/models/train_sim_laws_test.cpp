// A simulated training step (--train) obeys the laws a training step must, on
// zoo models at small settings: its FLOPs are ~3x the forward pass's where
// matrix products dominate; no phase and no section beats the chip's compute
// or DRAM bound; -O1 is never slower than -O0; the phases add up to the
// step; the memory figures are what an MLP's parameters give by hand; and a
// step that does not fit DRAM is an error naming what overflowed.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "tessera/arch/derived.h"
#include "tessera/arch/presets.h"
#include "tessera/driver/simulate.h"
#include "tessera/support/error.h"

namespace tessera {
namespace {

constexpr double kSlack = 1e-9;  // relative, for floating-point sums

struct Case {
  const char* name;
  std::string model;
  std::string loss_output;       // for models with several outputs
  bool matmul_dominated = false; // step FLOPs ~ 3x forward
  // A product reading the data input directly: its input gradient is the one
  // the backward pass skips (nothing needs the data's gradient).
  int64_t skipped_input_gradient_flops = 0;
};

const Case kCases[] = {
    {"mlp", "zoo:mlp,batch=16", "", true, 2 * 16 * 784 * 512},
    {"gpt2", "zoo:gpt2,layers=2,seq=64,d_model=64,heads=2,vocab=256,positions=64,batch=2", "", true},
    {"bert", "zoo:bert,layers=2,seq=32,d_model=64,heads=2,ff=256,vocab=256,batch=2", "last_hidden_state", true},
    {"resnet", "zoo:resnet,depth=18,image=32,classes=10,batch=2", "", false},
    {"dlrm", "zoo:dlrm,tables=1000x4,batch=16", "", false},
};

driver::TrainMode train_mode(const Case& c, train::Optimizer optimizer = train::Optimizer::Sgd) {
  driver::TrainMode m;
  m.enabled = true;
  m.step.output = c.loss_output;
  m.step.optimizer = optimizer;
  return m;
}

double peak_flops_per_second(const arch::ArchSpec& a, const std::string& precision) {
  return arch::peak_tflops(a, *arch::parse_precision(precision)) * 1e12;
}

double fastest_dram_bytes_per_second(const arch::ArchSpec& a) {
  double best = 0;
  for (const auto& t : a.dram) best = std::max(best, t.bandwidth_gbps * 1e9);
  return best;
}

const sim::SimResult::Phase& phase(const sim::SimResult& r, const std::string& name) {
  for (const auto& p : r.phases)
    if (p.name == name) return p;
  throw std::runtime_error("no phase " + name);
}

// (b) and (d): bounds per phase and per section; phases add up to the step.
void check_step(const sim::SimResult& r, const arch::ArchSpec& a) {
  const double peak = peak_flops_per_second(a, r.precision), dram = fastest_dram_bytes_per_second(a);
  ASSERT_EQ(r.phases.size(), 3u);
  double seconds = 0;
  int64_t flops = 0, bytes = 0;
  for (const auto& p : r.phases) {
    SCOPED_TRACE(p.name);
    EXPECT_GE(p.seconds * (1 + kSlack), static_cast<double>(p.flops) / peak) << "faster than the compute bound";
    EXPECT_GE(p.seconds * (1 + kSlack), static_cast<double>(p.dram_bytes) / dram) << "faster than the DRAM bound";
    EXPECT_GT(p.seconds, 0);
    seconds += p.seconds;
    flops += p.flops;
    bytes += p.dram_bytes;
  }
  EXPECT_NEAR(seconds, r.seconds, r.seconds * 1e-9) << "the phases do not add up to the step";
  // Phases split each section's figures in proportion; truncation loses < 1 per section and phase.
  const auto sections = static_cast<double>(3 * r.sections.size());
  EXPECT_NEAR(static_cast<double>(flops), static_cast<double>(r.flops), sections);
  EXPECT_NEAR(static_cast<double>(bytes), static_cast<double>(r.dram_read_bytes + r.dram_write_bytes), sections);
  EXPECT_GT(phase(r, "backward").flops, phase(r, "forward").flops) << "the backward pass does more work";
  if (a.kind == arch::ArchKind::Roofline) return;
  const double clock = a.clock_ghz * 1e9;
  for (const auto& s : r.sections) {
    const double sec = (static_cast<double>(s.cycles) + 1) / clock * (1 + kSlack);
    EXPECT_GE(sec, static_cast<double>(s.flops) / peak) << s.name << ": faster than the chip's compute";
    EXPECT_GE(sec, static_cast<double>(s.dram_read_bytes + s.dram_write_bytes) / dram) << s.name << ": faster than DRAM";
  }
}

TEST(TrainSimLaws, PhasesSectionsAndLevels) {
  for (const Case& c : kCases) {
    for (const char* name : {"plasticine", "sn10", "sn40l"}) {
      SCOPED_TRACE(std::string(c.name) + " on " + name);
      const arch::ArchSpec a = arch::load_arch(name);
      const sim::SimResult o0 = driver::simulate_model(c.model, name, 0, {}, "", train_mode(c));
      const sim::SimResult o1 = driver::simulate_model(c.model, name, 1, {}, "", train_mode(c));
      check_step(o0, a);
      check_step(o1, a);
      EXPECT_LE(o1.seconds, o0.seconds) << "-O1 is slower than -O0";
      EXPECT_EQ(o0.flops, o1.flops);
    }
    for (const char* name : {"a100", "h100"}) {
      SCOPED_TRACE(std::string(c.name) + " on " + name);
      check_step(driver::simulate_model(c.model, name, 1, {}, "", train_mode(c)), arch::load_arch(name));
    }
  }
}

TEST(TrainSimLaws, StepFlopsAreThreeTimesTheForwardPass) {
  // Backward: two products (input and weight gradients) per forward product,
  // less the input gradient of a product that reads the data (the MLP's
  // first layer; GPT-2 and BERT start with an embedding lookup).
  for (const Case& c : kCases) {
    if (!c.matmul_dominated) continue;
    SCOPED_TRACE(c.name);
    const double forward = static_cast<double>(driver::simulate_model(c.model, "sn10", 1, {}).flops);
    const double step = static_cast<double>(driver::simulate_model(c.model, "sn10", 1, {}, "", train_mode(c)).flops);
    const double expected = 3 * forward - static_cast<double>(c.skipped_input_gradient_flops);
    EXPECT_NEAR(step / expected, 1.0, 0.1) << "step " << step << " forward " << forward;
  }
}

TEST(TrainSimLaws, MlpMemoryByHand) {
  // zoo:mlp is 784-512-512-10: three weight matrices and their biases.
  const int64_t params = 784 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10;
  const int64_t weights = 4 * params, batch = 16;
  // Saved for the backward pass: the input (for dW1), and per hidden layer
  // its ReLU's input (the mask) and output (for the next dW); the loss's
  // log-probabilities and one-hot labels.
  const int64_t activations = 4 * batch * (784 + 2 * 2 * 512 + 2 * 10);
  const Case mlp = kCases[0];
  for (auto [optimizer, state] : {std::pair{train::Optimizer::Sgd, weights},          // momentum
                                  std::pair{train::Optimizer::AdamW, 2 * weights + 4}}) {  // m, v, step counter
    const sim::SimResult r = driver::simulate_model(mlp.model, "sn10", 1, {}, "", train_mode(mlp, optimizer));
    std::map<std::string, int64_t> m(r.memory_bytes.begin(), r.memory_bytes.end());
    EXPECT_EQ(m.at("weights"), weights);
    EXPECT_EQ(m.at("gradients"), weights);
    EXPECT_EQ(m.at("optimizer_state"), state);
    EXPECT_EQ(m.at("activations"), activations);
  }
}

TEST(TrainSimLaws, StepLargerThanDramIsAClearError) {
  // Plasticine with 1 MiB of DRAM: the MLP's weights alone take 2.7 MB.
  std::string yaml(arch::find_preset("plasticine")->yaml);
  const auto at = yaml.find("capacity_gib:");
  ASSERT_NE(at, std::string::npos);
  yaml.replace(at, yaml.find('\n', at) - at, "capacity_gib: 0.0009765625");
  yaml.replace(yaml.find("name: plasticine"), 16, "name: tinydram");
  const auto path = std::filesystem::temp_directory_path() / "tessera_train_tinydram.yaml";
  std::ofstream(path) << yaml;
  const Case mlp = kCases[0];
  try {
    driver::simulate_model(mlp.model, path.string(), 1, {}, "", train_mode(mlp));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    for (const char* part : {"training step needs", "'tinydram' has 0.00105 GB of DRAM", "short", "weights 0.00268 GB",
                             "gradients 0.00268 GB", "optimizer state 0.00268 GB", "saved activations"})
      EXPECT_NE(msg.find(part), std::string::npos) << part << " missing from: " << msg;
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace tessera
