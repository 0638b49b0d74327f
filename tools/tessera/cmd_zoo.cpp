// tessera zoo list | tessera zoo export NAME [--set key=value]... -o FILE.onnx [--seed N]
#include <fmt/format.h>

#include "commands.h"
#include "tessera/frontend/onnx/exporter.h"
#include "tessera/support/error.h"
#include "tessera/zoo/zoo.h"

namespace tessera::cli {
namespace {

struct ExportArgs {
  std::string model;
  std::vector<std::string> sets;
  std::string output;
  uint64_t seed = 0;
  std::string external = "auto";
};

std::string human(double v, const char* unit) {
  const char* prefixes[] = {"", "K", "M", "G", "T", "P"};
  int p = 0;
  while (v >= 1000 && p < 5) {
    v /= 1000;
    ++p;
  }
  return fmt::format("{:.4g} {}{}", v, prefixes[p], unit);
}

void list_models() {
  for (const auto& m : zoo::list()) {
    fmt::print("{:<8} {}\n", m.name, m.description);
    std::string defaults;
    for (const auto& s : m.settings) defaults += fmt::format(" {}={}", s.key, s.default_value);
    fmt::print("{:<8}   settings:{}\n", "", defaults);
    if (m.presets.empty()) continue;
    std::string presets;
    for (const auto& p : m.presets) {
      presets += " " + p.name + " (";
      bool first = true;
      for (const auto& [k, v] : p.settings) {
        presets += fmt::format("{}{}={}", first ? "" : " ", k, v);
        first = false;
      }
      presets += ")";
    }
    fmt::print("{:<8}   presets:{}\n", "", presets);
  }
  fmt::print("\nUse: tessera zoo export NAME [--set key=value]... -o FILE.onnx, or MODEL = zoo:NAME[,key=value...]\n");
}

void export_model(const ExportArgs& a) {
  const zoo::Settings settings = zoo::parse_settings(a.sets);
  frontend::ExportOptions options;
  options.external = frontend::parse_external_mode(a.external);

  graph::Graph g = zoo::build(a.model, settings);
  const int64_t params = zoo::count_parameters(g);
  zoo::materialize(g, a.seed);
  const frontend::ExportSummary s = frontend::export_onnx(g, a.output, options);
  fmt::print("{}: {} parameters, {} of weights (seed {})\n", a.model, human(static_cast<double>(params), ""),
             human(static_cast<double>(zoo::parameter_bytes(g)), "B"), a.seed);
  fmt::print("wrote {} ({})\n", s.model_path, human(static_cast<double>(s.model_file_bytes), "B"));
  if (!s.data_path.empty())
    fmt::print("wrote {} (external weights, {})\n", s.data_path, human(static_cast<double>(s.data_file_bytes), "B"));
}

}  // namespace

void add_zoo(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("zoo", "Built-in models: list them, or export one as ONNX");
  cmd->require_subcommand(1);
  CLI::App* list = cmd->add_subcommand("list", "List the built-in models, their settings, defaults and presets");
  list->callback([] { list_models(); });

  auto args = std::make_shared<ExportArgs>();
  CLI::App* exp = cmd->add_subcommand("export", "Write a built-in model (weights seeded) as an ONNX file");
  exp->add_option("name", args->model, "model name (see 'tessera zoo list')")->required();
  exp->add_option("--set,-s", args->sets, "a setting, key=value (repeat for each)");
  exp->add_option("--output,-o", args->output, "output file (.onnx)")->required();
  exp->add_option("--seed", args->seed, "seed of the pseudo-random weights (default 0)");
  exp->add_option("--external-data", args->external,
                  "auto (weights over 1 GiB go to FILE.onnx.data), always or never (default auto)");
  exp->callback([args] { export_model(*args); });
}

}  // namespace tessera::cli
