// load_arch: a preset name or a YAML file, read and parsed once.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "tessera/arch/presets.h"
#include "tessera/arch/spec.h"
#include "tessera/support/error.h"

namespace tessera::arch {
namespace {

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

bool looks_like_path(std::string_view s) {
  return s.find('/') != std::string_view::npos || ends_with(s, ".yaml") || ends_with(s, ".yml");
}

}  // namespace

ArchSpec load_arch_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    fail("arch file '{}' is a directory; give a .yaml file or one of the presets: {}", path, fmt::join(preset_names(), ", "));
  std::ifstream in(path, std::ios::binary);
  if (!in)
    fail("cannot read arch file '{}'; give an existing .yaml file or one of the presets: {}", path,
         fmt::join(preset_names(), ", "));
  std::stringstream text;
  text << in.rdbuf();
  return parse_arch(text.str(), path);
}

ArchSpec load_arch(const std::string& name_or_path) {
  if (looks_like_path(name_or_path)) return load_arch_file(name_or_path);
  if (find_preset(name_or_path)) return load_preset(name_or_path);
  if (std::ifstream(name_or_path).good()) return load_arch_file(name_or_path);
  return load_preset(name_or_path);  // fails, listing the presets
}

}  // namespace tessera::arch
