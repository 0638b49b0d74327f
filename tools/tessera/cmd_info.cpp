// tessera info MODEL: inputs, outputs, operator counts, parameters and FLOPs.
#include <map>

#include <fmt/format.h>

#include "commands.h"
#include "tessera/driver/driver.h"
#include "tessera/pattern/cost.h"
#include "tessera/support/checked.h"

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
  // Every figure first (a count past 2^62 is an error), then the printout:
  // a failing model prints nothing but its one-line error.
  int64_t params = 0, param_bytes = 0;
  for (const auto& v : g.values)
    if ((v.constant || v.parameter) && is_float(v.dtype)) {
      const int64_t n = num_elements(v.shape);
      params = checked_add(params, n, "the parameter count");
      param_bytes = checked_add(param_bytes, checked_mul(n, static_cast<int64_t>(dtype_size(v.dtype)), "a parameter's bytes"),
                                "the parameter bytes");
    }
  const int64_t flops = pattern::count_flops(p);
  std::map<std::string, int> ops;
  for (const auto& n : g.nodes) ++ops[n.op];
  fmt::print("model: {} (opset {})\n", model, g.opset);
  for (auto id : g.inputs)
    fmt::print("  input  {}: {}{}\n", g.value(id).name, dtype_name(g.value(id).dtype), shape_str(g.value(id).shape));
  for (auto id : g.outputs)
    fmt::print("  output {}: {}{}\n", g.value(id).name, dtype_name(g.value(id).dtype), shape_str(g.value(id).shape));
  fmt::print("nodes: {}   kernels: {}\n", g.nodes.size(), p.calls.size());
  fmt::print("parameters: {} ({} bytes)\n", human(static_cast<double>(params)), human(static_cast<double>(param_bytes)));
  fmt::print("FLOPs: {} ({})\n", human(static_cast<double>(flops)), flops);
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
