// parse_arch: the top level of a spec file. Reads the sections in dependency
// order (grid before the units it counts, chip before the energy it bounds)
// and rejects sections that mean nothing for the spec's kind.
#include <fmt/format.h>

#include "tessera/arch/parse_sections.h"
#include "tessera/support/error.h"

namespace tessera::arch {
namespace {

constexpr std::string_view kFabricSections[] = {"grid", "pcu", "pmu", "network", "agcu"};
constexpr double kMaxClockGhz = 100;

void check_name(MapReader& top, const std::string& name) {
  const bool ok = !name.empty() && name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-.") == std::string::npos;
  if (!ok) top.fail_key("name", fmt::format("'{}' is not a plain name", name), "use lower-case letters, digits, '-', '_' or '.'");
}

void parse_fabric(MapReader& top, ArchSpec& s) {
  s.clock_ghz = top.number("clock_ghz", Sign::Positive, kMaxClockGhz);
  top.forbid("roofline", "only a spec of kind 'roofline' has a roofline section");
  s.grid = detail::parse_grid(top.map("grid"));
  s.pcu = detail::parse_pcu(top.map("pcu"), s.grid);
  s.pmu = detail::parse_pmu(top.map("pmu"), s.grid);
  s.network = detail::parse_network(top.map("network"), s.grid);
  s.agcu = detail::parse_agcu(top.map("agcu"), s.grid);
}

void parse_roofline_kind(MapReader& top, ArchSpec& s) {
  s.clock_ghz = top.opt_number("clock_ghz", Sign::Positive, kMaxClockGhz).value_or(0);
  for (std::string_view section : kFabricSections)
    top.forbid(section, "a roofline spec has no PCU/PMU fabric; use kind 'rda' to describe one");
  s.roofline = detail::parse_roofline(top.map("roofline"));
}

}  // namespace

ArchSpec parse_arch(std::string_view yaml_text, const std::string& file) {
  const YAML::Node root = load_yaml(yaml_text, file);
  if (root.IsNull()) fail("{}:1: the file is empty; start from a preset in examples/arch/", file);
  MapReader top(root, "", file, 1);
  ArchSpec s;
  s.source = file;
  s.name = top.text("name");
  check_name(top, s.name);
  s.kind = top.choice("kind", {"rda", "roofline"}) == "rda" ? ArchKind::Rda : ArchKind::Roofline;
  s.description = top.text("description");
  if (std::optional<MapReader> chip = top.opt_map("chip")) s.chip = detail::parse_chip(std::move(*chip));
  if (s.kind == ArchKind::Rda)
    parse_fabric(top, s);
  else
    parse_roofline_kind(top, s);
  s.dram = detail::parse_dram(top, s.kind);
  s.energy = detail::parse_energy(top.map("energy"), s);
  top.finish();
  return s;
}

}  // namespace tessera::arch
