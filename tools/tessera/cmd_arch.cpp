// tessera arch list | tessera arch show NAME|FILE.yaml [--json]
// `list` prints one row per preset, every figure derived from its spec;
// `show` prints one spec, for people or (--json) for tools.
#include <fmt/format.h>

#include "commands.h"
#include "tessera/arch/presets.h"
#include "tessera/arch/print.h"

namespace tessera::cli {
namespace {

void list() {
  fmt::print("{:<11} {:<9} {:<20} {:<20} {:<9} {:<12} {}\n", "name", "kind", "units", "peak", "SRAM", "DRAM", "description");
  for (const arch::Preset& p : arch::presets()) {
    const arch::ArchSpec a = arch::load_preset(p.name);
    fmt::print("{:<11} {:<9} {:<20} {:<20} {:<9} {:<12} {}\n", a.name, arch::kind_name(a.kind), arch::units_words(a),
               arch::peak_words(a), arch::sram_words(a), arch::dram_words(a), a.description);
  }
}

void show(const std::string& name_or_path, bool json) {
  const arch::ArchSpec a = arch::load_arch(name_or_path);
  fmt::print("{}", json ? arch::to_json(a) : arch::summary_text(a));
}

}  // namespace

void add_arch(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("arch", "List or show architecture specs (presets or YAML files)");
  cmd->require_subcommand(1);
  CLI::App* list_cmd = cmd->add_subcommand("list", "List the built-in presets with their derived figures");
  list_cmd->callback([] { list(); });

  auto target = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  CLI::App* show_cmd = cmd->add_subcommand("show", "Show one spec: its parameters and derived figures");
  show_cmd->add_option("arch", *target, "preset name (see 'tessera arch list') or path to a .yaml file")->required();
  show_cmd->add_flag("--json", *json, "print JSON instead of a summary");
  show_cmd->callback([target, json] { show(*target, *json); });
}

}  // namespace tessera::cli
