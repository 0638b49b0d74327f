// tessera sim MODEL --arch ARCH [-O0|-O1] [--mode fast|cycle] [--dtype D] [--check [--input NAME=FILE.npy]...] [--out DIR]
#include <fmt/format.h>

#include <chrono>

#include "commands.h"
#include "tessera/arch/spec.h"
#include "tessera/driver/driver.h"
#include "tessera/driver/simulate.h"
#include "tessera/report/sim_report.h"
#include "tessera/support/error.h"
#include "tessera/support/output.h"

namespace tessera::cli {
namespace {

struct SimArgs {
  std::string model, arch, out = "tessera-out/sim", mode = "fast", dtype;
  int opt = 1;
  bool check = false;
  std::vector<std::string> inputs;
  driver::TrainMode train;
  std::string optimizer = "sgd";
};

void print_check(const sim::CheckResult& c) {
  const char* verdict = c.passed ? "passed" : "FAILED";
  if (c.reference == "fp32") {
    fmt::print("check: {} — max |mapped - reference| = {:.3g} on '{}' (max |reference| {:.3g}, tolerance {:g} x it)\n",
               verdict, c.max_abs_err, c.worst_output, c.max_ref, c.tolerance);
    return;
  }
  fmt::print("check: {} — against the unmapped step in {}: |mapped - reference| = {:.3g} on '{}' (max |reference| "
             "{:.3g}; allowed {:.3g}: {:g} x it, or twice {}'s own deviation from fp32)\n",
             verdict, c.reference, c.max_abs_err, c.worst_output, c.max_ref, c.bound, c.tolerance, c.reference);
  fmt::print("       against fp32 (information): |mapped - fp32| = {:.3g} on '{}' (max |fp32| {:.3g}), the largest "
               "relative to its output\n",
             c.fp32_max_abs_err, c.fp32_worst_output, c.fp32_max_ref);
}

void run(const SimArgs& a) {
  check_output_dir(a.out, "--out");
  if (!a.inputs.empty() && !a.check) fail("--input gives the inputs of --check; add --check or drop --input");
  const std::map<std::string, Tensor> inputs = driver::read_inputs(a.inputs);  // a bad file fails before the work
  const auto t0 = std::chrono::steady_clock::now();
  const arch::ArchSpec spec = arch::load_arch(a.arch);
  if (a.mode == "cycle" && spec.kind == arch::ArchKind::Roofline)
    fmt::print(stderr, "tessera: note: {} is a kernel-by-kernel roofline model; --mode cycle applies to dataflow "
                       "chips only, so this runs the roofline\n", a.arch);
  sim::SimOptions o;
  o.mode = a.mode == "cycle" ? sim::Mode::Cycle : sim::Mode::Fast;
  o.trace = true;
  driver::TrainMode train = a.train;
  train.step.optimizer = parse_optimizer(a.optimizer);
  if (!train.enabled && train.batch > 0) fail("--batch sets the training batch; add --train");
  if (!train.enabled && !train.step.output.empty()) fail("--loss-output names the output a training step's loss reads; add --train");
  sim::SimResult r = driver::simulate_model(a.model, a.arch, a.opt, o, a.dtype, train);
  if (a.check) {
    const sim::CheckResult c = driver::check_model(a.model, a.arch, a.opt, a.dtype, {}, inputs, train);
    r.checked = true;
    r.check_passed = c.passed;
    r.check_max_abs_err = c.max_abs_err;
    r.check_tolerance = c.tolerance;
    r.check_bound = c.bound;
    r.check_reference = c.reference;
    r.check_fp32_max_abs_err = c.fp32_max_abs_err;
    print_check(c);
  }
  prepare_output_dir(a.out, "--out");
  report::write_sim_outputs(r, spec, a.out);
  fmt::print("{}", report::sim_summary(r));
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print("wrote {}/report.json{} in {:.2f} s\n", a.out,
             r.trace.empty() ? "" : fmt::format(", {}/trace.json", a.out), s);
}

}  // namespace

void add_sim(CLI::App& app) {
  auto args = std::make_shared<SimArgs>();
  CLI::App* cmd =
      app.add_subcommand("sim",
                         "Simulate a model on an architecture: cycles, bounds, utilisation, DRAM traffic, energy.\n"
                         "Dataflow chips (sn10, sn40l, plasticine) are compiled and simulated section by section;\n"
                         "GPU/TPU presets (a100, h100, tpuv3) run kernel by kernel as rooflines.");
  cmd->add_option("model", args->model, "model file (.onnx) or zoo:NAME")->required();
  cmd->add_option("--arch", args->arch, "preset name (tessera arch list) or YAML file")->required();
  cmd->add_option("-O", args->opt,
                  "-O0: kernel by kernel (one kernel per section, intermediates in DRAM); "
                  "-O1: spatial dataflow (default)")
      ->check(CLI::IsMember({0, 1}));
  cmd->add_option("--mode", args->mode, "fast (analytical, default) or cycle (cycle-level, writes trace.json)")
      ->check(CLI::IsMember({"fast", "cycle"}));
  cmd->add_option("--dtype", args->dtype,
                  "compute precision (fp32, bf16, ...; default: the architecture's native one)");
  cmd->add_flag("--check", args->check,
                "execute the mapped program (tiles, copies, storage precision) and compare it with the reference executor");
  cmd->add_option("--input,-i", args->inputs,
                  "with --check: a model input, NAME=FILE.npy (repeat for each; the rest are drawn at random, an "
                  "index input within the dimension it indexes)");
  add_train_options(cmd, args->train, args->optimizer);
  cmd->add_option("--out", args->out, "output directory (default: tessera-out/sim)");
  cmd->callback([args] { run(*args); });
}

}  // namespace tessera::cli
