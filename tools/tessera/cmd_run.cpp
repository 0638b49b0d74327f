// tessera run MODEL [--input NAME=FILE.npy]... [--output-dir DIR]
#include <chrono>
#include <filesystem>

#include <unistd.h>

#include <fmt/format.h>

#include "commands.h"
#include "tessera/driver/driver.h"
#include "tessera/exec/executor.h"
#include "tessera/support/error.h"
#include "tessera/support/npy.h"
#include "tessera/support/output.h"

namespace tessera::cli {
namespace {

struct RunArgs {
  std::string model;
  std::vector<std::string> inputs;
  std::string output_dir = ".";
  bool timing = false;
};

// Progress on a terminal only, and only once the work has taken a moment.
exec::Progress terminal_progress(const char* what) {
  if (!isatty(STDERR_FILENO)) return {};
  auto start = std::chrono::steady_clock::now();
  return [what, start, shown = false](size_t done, size_t total) mutable {
    const bool slow = std::chrono::steady_clock::now() - start > std::chrono::milliseconds(300);
    if (!slow && !shown) return;
    shown = true;
    fmt::print(stderr, "\r{} kernel {}/{}{}", what, done, total, done == total ? "\r\033[K" : "");
    std::fflush(stderr);
  };
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void run(const RunArgs& a) {
  check_output_dir(a.output_dir, "--output-dir");  // before the work, so a bad folder fails fast
  const std::map<std::string, Tensor> feeds = driver::read_inputs(a.inputs);
  auto t0 = std::chrono::steady_clock::now();
  graph::Graph g = driver::load_model_for_execution(a.model);
  const double t_load = since(t0);
  t0 = std::chrono::steady_clock::now();
  pattern::Program p = driver::lower_model(g);
  const double t_lower = since(t0);
  t0 = std::chrono::steady_clock::now();
  auto outputs = exec::run_program(p, feeds, terminal_progress("executing"));
  const double t_exec = since(t0);
  prepare_output_dir(a.output_dir, "--output-dir");
  for (int32_t id : p.outputs) {
    const auto& name = p.tensors[id].name;
    const std::string path = (std::filesystem::path(a.output_dir) / (file_name_for_tensor(name) + ".npy")).string();
    write_npy(path, outputs.at(name));
    fmt::print("{} -> {} ({}{})\n", name, path, dtype_name(outputs.at(name).dtype()),
               shape_str(outputs.at(name).shape()));
  }
  if (a.timing)
    fmt::print(stderr, "timing: load {:.3f} s, lower {:.3f} s, execute {:.3f} s ({} kernels)\n", t_load, t_lower,
               t_exec, p.calls.size());
}

}  // namespace

void add_run(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Execute a model functionally; write each output as DIR/<name>.npy");
  cmd->add_option("model", args->model, "model file (.onnx) or zoo:NAME[,key=value...]")->required();
  cmd->add_option("--input,-i", args->inputs, "a model input, NAME=FILE.npy (repeat for each input)");
  cmd->add_option("--output-dir,-o", args->output_dir, "directory for the output .npy files (default: .); a name's characters other than letters, digits, '.', '-' and '_' are written as %XX");
  cmd->add_flag("--timing", args->timing, "print load / lower / execute times on stderr");
  cmd->callback([args] { run(*args); });
}

}  // namespace tessera::cli
