// The preset registry. Each preset's text lives in a generated
// presets_<name>.cpp (see presets.h); this file only lists them.
#include "tessera/arch/presets.h"

#include <fmt/format.h>

#include "tessera/arch/yaml_reader.h"
#include "tessera/support/error.h"

namespace tessera::arch {

std::string_view preset_yaml_plasticine();
std::string_view preset_yaml_sn10();
std::string_view preset_yaml_sn40l();
std::string_view preset_yaml_a100();
std::string_view preset_yaml_h100();
std::string_view preset_yaml_tpuv3();

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = {
      {"plasticine", preset_yaml_plasticine()}, {"sn10", preset_yaml_sn10()}, {"sn40l", preset_yaml_sn40l()},
      {"a100", preset_yaml_a100()},             {"h100", preset_yaml_h100()}, {"tpuv3", preset_yaml_tpuv3()},
  };
  return all;
}

const Preset* find_preset(std::string_view name) {
  for (const Preset& p : presets())
    if (p.name == name) return &p;
  return nullptr;
}

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  for (const Preset& p : presets()) names.emplace_back(p.name);
  return names;
}

ArchSpec load_preset(std::string_view name) {
  const Preset* p = find_preset(name);
  if (!p) {
    const std::string near = closest_name(name, preset_names());
    fail("unknown arch '{}'; {}presets: {} (or give a path to a .yaml file)", name,
         near.empty() ? "" : fmt::format("did you mean '{}'? ", near), fmt::join(preset_names(), ", "));
  }
  return parse_arch(p->yaml, fmt::format("examples/arch/{}.yaml", p->name));
}

}  // namespace tessera::arch
