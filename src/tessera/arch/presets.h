// The built-in presets. Their YAML text is compiled into the binary, so that
// `--arch sn10` works from any directory; examples/arch/<name>.yaml is the
// same text byte for byte (a unit test checks it). To change a preset, edit
// the YAML file and regenerate the embedded copies:
//   cmake -P cmake/embed_presets.cmake
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tessera/arch/spec.h"

namespace tessera::arch {

struct Preset {
  std::string_view name;
  std::string_view yaml;
};

// In display order: the RDAs first, then the roofline baselines.
const std::vector<Preset>& presets();
const Preset* find_preset(std::string_view name);
std::vector<std::string> preset_names();
// Parses a preset; fails listing the presets when `name` is none of them.
ArchSpec load_preset(std::string_view name);

}  // namespace tessera::arch
