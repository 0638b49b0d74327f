#include "tessera/driver/simulate.h"

#include <fmt/format.h>

#include "tessera/arch/derived.h"
#include "tessera/compile/chip.h"
#include "tessera/compile/compile.h"
#include "tessera/pattern/cost.h"
#include "tessera/driver/driver.h"
#include "tessera/sim/access.h"
#include "tessera/support/error.h"

namespace tessera::driver {
namespace {

std::string supported(const arch::ArchSpec& a) {
  std::string s;
  for (arch::Precision p : arch::kPrecisions)
    if (arch::peak_tflops(a, p) > 0) s += (s.empty() ? "" : ", ") + std::string(arch::precision_name(p));
  return s.empty() ? "none" : s;
}

// Splits the step's time, FLOPs and DRAM traffic by phase. Sections are
// matched to kernels by name; a section holding several phases is split in
// proportion to its kernels' FLOPs (evenly when it has none).
void add_training_figures(sim::SimResult& r, const graph::Graph& g, const pattern::Program& p) {
  const train::StepMemory m = train::step_memory(g);
  r.memory_bytes = {{"weights", m.weights},
                    {"gradients", m.gradients},
                    {"optimizer_state", m.optimizer_state},
                    {"activations", m.activations}};
  static const std::map<std::string, std::string> kNames = {
      {"fwd", "forward"}, {"bwd", "backward"}, {"opt", "optimizer"}, {"", "forward"}};
  std::map<std::string, std::pair<std::string, int64_t>> kernel;  // name -> (phase, flops)
  for (const auto& c : p.calls) {
    const std::string name = c.node.empty() ? c.kernel.name : c.kernel.name + " (" + c.node + ")";
    kernel[name] = {kNames.at(c.phase), pattern::count_flops(c.kernel)};
  }
  std::map<std::string, sim::SimResult::Phase> phases;
  for (const char* n : {"forward", "backward", "optimizer"}) phases[n].name = n;
  const double clock_hz = r.clock_ghz * 1e9;
  for (const auto& s : r.sections) {
    std::map<std::string, double> share;
    double flops = 0;
    for (const auto& k : s.kernels) {
      auto it = kernel.find(k);
      const auto [phase, f] = it == kernel.end() ? std::pair<std::string, int64_t>{"forward", 0} : it->second;
      share[phase] += static_cast<double>(f);
      flops += static_cast<double>(f);
    }
    if (flops == 0)
      for (auto& [phase, v] : share) v = 1.0 / static_cast<double>(share.size());
    else
      for (auto& [phase, v] : share) v /= flops;
    const double seconds = clock_hz > 0 ? static_cast<double>(s.cycles + s.reconfig_cycles) / clock_hz : 0;
    for (const auto& [phase, f] : share) {
      auto& ph = phases[phase];
      ph.seconds += seconds * f;
      ph.flops += static_cast<int64_t>(static_cast<double>(s.flops) * f);
      ph.dram_bytes += static_cast<int64_t>(static_cast<double>(s.dram_read_bytes + s.dram_write_bytes) * f);
    }
  }
  // Sections' own times leave out what the total adds between them; scale so
  // the phases add up to the step.
  double sum = 0;
  for (const auto& [n, ph] : phases) sum += ph.seconds;
  for (const char* n : {"forward", "backward", "optimizer"}) {
    sim::SimResult::Phase ph = phases[n];
    if (sum > 0) ph.seconds *= r.seconds / sum;
    r.phases.push_back(ph);
  }
}

}  // namespace

arch::Precision sim_precision(const arch::ArchSpec& a, const std::string& dtype) {
  if (dtype.empty()) return arch::headline_precision(a);
  const auto p = arch::parse_precision(dtype);
  if (!p) fail("--dtype '{}': unknown precision; use one of fp32, bf16, fp16, int32, int8", dtype);
  if (arch::peak_tflops(a, *p) <= 0)
    fail("--dtype {}: '{}' does not compute in {}; it supports {}", dtype, a.name, dtype, supported(a));
  return *p;
}

sim::SimResult simulate_model(const std::string& model, const std::string& arch, int opt, sim::SimOptions options,
                              const std::string& dtype, const TrainMode& train) {
  if (opt != 0 && opt != 1) fail("unknown optimisation level -O{}; use -O0 or -O1", opt);
  const arch::ArchSpec spec = arch::load_arch(arch);
  options.precision = sim_precision(spec, dtype);
  const graph::Graph g = load_for(model, train, false);
  if (train.enabled) check_step_fits(g, spec);
  const pattern::Program program = lower_model(g);
  sim::SimResult r;
  if (spec.kind == arch::ArchKind::Roofline) {
    r = sim::simulate_roofline(program, spec, options, model);
    r.opt = opt;
    if (opt == 1) r.notes.push_back(fmt::format("'{}' runs kernel by kernel: -O1 fuses nothing on it", spec.name));
    if (options.mode == sim::Mode::Cycle)
      r.notes.push_back(
          fmt::format("'{}' is a roofline model: --mode cycle applies to dataflow chips only", spec.name));
  } else {
    compile::CompileOptions co;
    co.opt = opt;
    const compile::SpatialProgram sp =
        compile::compile(program, compile::chip_from_arch(spec, options.precision), co, model);
    const sim::AccessFacts access = sim::analyze_access(program, sp, spec);
    r = sim::simulate_with_access(sp, spec, options, &access);
  }
  if (train.enabled) add_training_figures(r, g, program);
  return r;
}

sim::CheckResult check_model(const std::string& model, const std::string& arch, int opt, const std::string& dtype,
                             const compile::MappedOptions& options, const std::map<std::string, Tensor>& inputs,
                             const TrainMode& train) {
  const arch::ArchSpec spec = arch::load_arch(arch);
  if (spec.kind == arch::ArchKind::Roofline)
    fail("--check executes a dataflow mapping, and '{}' is a roofline model with none; check on sn10, sn40l or "
         "plasticine", spec.name);
  const arch::Precision precision = sim_precision(spec, dtype);
  // A step runs from its real state (weights, zero moments, the learning
  // rate), not from drawn values: weights of scale 1 would blow a deep model's
  // activations up past what any precision can check. Given inputs still win.
  std::map<std::string, Tensor> feeds;
  graph::Graph g;
  if (train.enabled) {
    train::TrainingStep step = load_training_step(model, train, true);
    feeds = step_state_inputs(step, train.step);
    g = std::move(step.g);
    check_step_fits(g, spec);
  } else {
    g = load_for(model, train, true);
  }
  for (const auto& [name, t] : inputs) feeds[name] = t;
  const pattern::Program program = lower_model(g);
  compile::CompileOptions co;
  co.opt = opt;
  const compile::SpatialProgram sp = compile::compile(program, compile::chip_from_arch(spec, precision), co, model);
  return sim::check_mapping(program, sp, precision, 0, options, feeds);
}

}  // namespace tessera::driver
