// tessera compile MODEL --arch ARCH [-O0|-O1] [--out DIR] [--print-after PASS]
#include <fmt/format.h>

#include "commands.h"
#include "tessera/support/error.h"
#include "tessera/driver/driver.h"
#include "tessera/report/compile_report.h"
#include "tessera/support/output.h"

namespace tessera::cli {
namespace {

struct CompileArgs {
  std::string model, arch, out = "tessera-out/compile", print_after;
  int opt = 1;
  uint64_t seed = 1;
  driver::TrainMode train;
  std::string optimizer = "sgd";
};

std::string pass_list() {
  std::string s;
  for (const auto& p : compile::passes()) s += fmt::format("\n  {:<12} {}", p.name, p.summary);
  return s;
}

void run(const CompileArgs& a) {
  check_output_dir(a.out, "--out");
  compile::CompileOptions o;
  o.opt = a.opt;
  o.seed = a.seed;
  o.print_after = a.print_after;
  driver::TrainMode train = a.train;
  train.step.optimizer = parse_optimizer(a.optimizer);
  if (!train.enabled && train.batch > 0) fail("--batch sets the training batch; add --train");
  if (!train.enabled && !train.step.output.empty()) fail("--loss-output names the output a training step's loss reads; add --train");
  const compile::SpatialProgram sp = driver::compile_model(a.model, a.arch, o, train);
  prepare_output_dir(a.out, "--out");
  report::write_compile_outputs(sp, a.out);
  fmt::print("{}", report::compile_summary(sp));
  fmt::print("wrote {0}/mapping.json, {0}/placement.svg, {0}/report.json\n", a.out);
}

}  // namespace

void add_compile(CLI::App& app) {
  auto args = std::make_shared<CompileArgs>();
  CLI::App* cmd = app.add_subcommand(
      "compile", "Lay a model out on a dataflow chip: sections, tiles, placement and routing.\nPasses:" + pass_list());
  cmd->add_option("model", args->model, "model file (.onnx) or zoo:NAME")->required();
  cmd->add_option("--arch", args->arch, "preset name (tessera arch list) or YAML file")->required();
  cmd->add_option("-O", args->opt,
                  "-O0: kernel by kernel (one kernel per section, intermediates in DRAM); "
                  "-O1: spatial dataflow (default)")
      ->check(CLI::IsMember({0, 1}));
  cmd->add_option("--out", args->out, "output directory (default: tessera-out/compile)");
  cmd->add_option("--print-after", args->print_after, "dump the spatial program after a pass (or 'all') on stderr");
  cmd->add_option("--seed", args->seed, "placement seed (default 1)");
  add_train_options(cmd, args->train, args->optimizer);
  cmd->callback([args] { run(*args); });
}

}  // namespace tessera::cli
