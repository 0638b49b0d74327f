// tessera grad MODEL --input NAME=FILE.npy... [--output-grad NAME=FILE.npy]... --output-dir DIR
#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "tessera/driver/driver.h"
#include "tessera/exec/executor.h"
#include "tessera/support/error.h"
#include "tessera/support/npy.h"
#include "tessera/support/output.h"
#include "tessera/train/step.h"

namespace tessera::cli {
namespace {

struct GradArgs {
  std::string model;
  std::vector<std::string> inputs, output_grads;
  std::string output_dir;
};

// The tensor name with characters outside [A-Za-z0-9._-] replaced by '_'; a
// name that would collide with an earlier one gets a numeric suffix.
std::string grad_file(const std::string& name, std::set<std::string>& taken) {
  std::string s;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    s += ok ? c : '_';
  }
  if (s.empty() || s == "." || s == "..") s = "_" + s;
  std::string file = s + ".npy";
  for (int k = 2; taken.count(file); ++k) file = fmt::format("{}_{}.npy", s, k);
  taken.insert(file);
  return file;
}

void grad(const GradArgs& a) {
  check_output_dir(a.output_dir, "--output-dir");
  std::map<std::string, Tensor> feeds = driver::read_inputs(a.inputs);
  const std::map<std::string, Tensor> seeds_given = driver::read_inputs(a.output_grads);
  train::VjpGraph v = train::vjp_graph(driver::load_model_for_execution(a.model, /*trainable=*/true));
  std::map<std::string, std::string> seed_input;
  for (const auto& [out, in] : v.seeds) seed_input[out] = in;
  for (const auto& [name, t] : seeds_given) {
    auto it = seed_input.find(name);
    if (it == seed_input.end()) {
      std::vector<std::string> names;
      for (const auto& [o, i] : v.seeds) names.push_back(o);
      fail("--output-grad names '{}', which is not a float output of the model; its float outputs are: {}", name,
           fmt::join(names, ", "));
    }
    feeds[it->second] = t;
  }
  for (const auto& [out, in] : v.seeds) {
    if (feeds.count(in)) continue;
    const graph::Value& s = v.g.value(*v.g.find(in));
    Tensor ones(s.dtype, s.shape);
    for (int64_t i = 0; i < ones.size(); ++i) ones.set_f64(i, 1.0);
    feeds[in] = ones;
  }
  const auto results = exec::run_program(driver::lower_model(v.g), feeds);
  prepare_output_dir(a.output_dir, "--output-dir");
  nlohmann::ordered_json index = {{"inputs", nlohmann::ordered_json::object()},
                                  {"parameters", nlohmann::ordered_json::object()}};
  std::set<std::string> taken;
  auto write = [&](const std::vector<std::pair<std::string, std::string>>& list, const char* key) {
    for (const auto& [name, grad_value] : list) {
      const std::string file = grad_file(name, taken);
      write_npy((std::filesystem::path(a.output_dir) / file).string(), results.at(grad_value));
      index[key][name] = file;
    }
  };
  write(v.inputs, "inputs");
  write(v.parameters, "parameters");
  std::ofstream((std::filesystem::path(a.output_dir) / "grads.json").string()) << index.dump(1) << "\n";
  fmt::print("{} input gradient{} and {} parameter gradient{} -> {}/grads.json\n", v.inputs.size(),
             v.inputs.size() == 1 ? "" : "s", v.parameters.size(), v.parameters.size() == 1 ? "" : "s",
             a.output_dir);
}

}  // namespace

void add_grad(CLI::App& app) {
  auto args = std::make_shared<GradArgs>();
  CLI::App* cmd = app.add_subcommand(
      "grad", "Gradients (vector-Jacobian product) of a model's float outputs w.r.t. its float inputs and weights");
  cmd->add_option("model", args->model, "model file (.onnx) or zoo:NAME[,key=value...]")->required();
  cmd->add_option("--input,-i", args->inputs, "a model input, NAME=FILE.npy (repeat for each input)");
  cmd->add_option("--output-grad", args->output_grads,
                  "upstream gradient of a float output, NAME=FILE.npy (default: all ones)");
  cmd->add_option("--output-dir,-o", args->output_dir,
                  "directory for one .npy per gradient and grads.json (names: characters outside "
                  "[A-Za-z0-9._-] become '_')")
      ->required();
  cmd->callback([args] { grad(*args); });
}

}  // namespace tessera::cli
