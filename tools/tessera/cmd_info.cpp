// tessera info MODEL: inputs, outputs, operator counts, parameters and FLOPs.
#include <map>

#include <fmt/format.h>

#include "commands.h"
#include "tessera/driver/driver.h"
#include "tessera/pattern/cost.h"

namespace tessera::cli {
namespace {

std::string human(double v) {
  const char* units[] = {"", "K", "M", "G", "T", "P"};
  int u = 0;
  while (v >= 1000 && u < 5) { v /= 1000; ++u; }
  return fmt::format("{:.3g}{}", v, units[u]);
}

void info(const std::string& model) {
  graph::Graph g = driver::load_model(model);
  pattern::Program p = driver::lower_model(g);
  fmt::print("model: {} (opset {})\n", model, g.opset);
  for (auto id : g.inputs)
    fmt::print("  input  {}: {}{}\n", g.value(id).name, dtype_name(g.value(id).dtype), shape_str(g.value(id).shape));
  for (auto id : g.outputs)
    fmt::print("  output {}: {}{}\n", g.value(id).name, dtype_name(g.value(id).dtype), shape_str(g.value(id).shape));
  int64_t params = 0, param_bytes = 0;
  for (const auto& v : g.values)
    if ((v.constant || v.parameter) && is_float(v.dtype)) {
      params += num_elements(v.shape);
      param_bytes += num_elements(v.shape) * static_cast<int64_t>(dtype_size(v.dtype));
    }
  std::map<std::string, int> ops;
  for (const auto& n : g.nodes) ++ops[n.op];
  fmt::print("nodes: {}   kernels: {}\n", g.nodes.size(), p.calls.size());
  fmt::print("parameters: {} ({} bytes)\n", human(static_cast<double>(params)), human(static_cast<double>(param_bytes)));
  fmt::print("FLOPs: {} ({})\n", human(static_cast<double>(pattern::count_flops(p))), pattern::count_flops(p));
  fmt::print("operators:\n");
  for (const auto& [op, count] : ops) fmt::print("  {:<24} {}\n", op, count);
}

}  // namespace

void add_info(CLI::App& app) {
  auto model = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("info", "Print a model's inputs, outputs, operators, parameter count and FLOPs");
  cmd->add_option("model", *model, "model file (.onnx) or zoo:NAME[,key=value...]")->required();
  cmd->callback([model] { info(*model); });
}

}  // namespace tessera::cli
