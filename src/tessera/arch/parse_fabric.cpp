// Parsing the fabric sections: grid, pcu, pmu, network, agcu. Unit counts come
// from the grid; a count stated in the file is a check, not a source.
#include <algorithm>

#include <fmt/format.h>

#include "tessera/arch/derived.h"
#include "tessera/arch/parse_sections.h"
#include "tessera/support/checked.h"

namespace tessera::arch::detail {
namespace {

// Per-field bounds, far above any real chip (SN40L: 32 lanes x 6 stages,
// 512 KiB PMUs of 32 banks), low enough that products of them in the compiler
// and simulators (lanes x stages x par, bytes per vector, ...) stay in an int.
constexpr int64_t kMaxLanes = 4096;
constexpr int64_t kMaxStages = 1024;
constexpr int64_t kMaxLaneBits = 1024;
constexpr int64_t kMaxRegisters = 1024;
constexpr int64_t kMaxPmuKib = int64_t{1} << 20;  // 1 GiB per PMU
constexpr int64_t kMaxBanks = 4096;
constexpr int64_t kMaxPorts = 1024;
constexpr int64_t kMaxLinks = 1024;
constexpr int64_t kMaxLatencyCycles = 1000000;
constexpr int64_t kMaxLinkBits = 65536;
constexpr double kMaxOpsPerLane = 64;  // packed narrow formats: a handful per lane

std::string grid_words(const GridSpec& g) {
  return fmt::format("{} tile(s) of {}x{}, {}", g.tiles(), g.rows, g.cols, pattern_name(g.pattern));
}

// A stated unit count must match what the grid holds.
int64_t stated_count(MapReader& m, std::string_view unit, int64_t from_grid, const GridSpec& g) {
  const std::optional<int64_t> stated = m.opt_integer("count");
  if (stated && *stated != from_grid)
    m.fail_key("count", fmt::format("states {} {}s but the grid ({}) holds {}", *stated, unit, grid_words(g), from_grid),
               "fix 'count' or the grid's dies/tiles_per_die/rows/cols");
  return from_grid;
}

}  // namespace

int small_int(MapReader& m, std::string_view key, int64_t max, Sign sign) {
  max = std::min(max, kMaxSmallInt);
  const int64_t v = m.integer(key, sign);
  if (v > max) m.fail_key(key, fmt::format("{} is implausibly large", v), fmt::format("give at most {}", max));
  return static_cast<int>(v);
}

std::map<Precision, double> parse_rates(MapReader m, std::string_view example, double max) {
  std::vector<std::string> names;
  for (Precision p : kPrecisions) names.emplace_back(precision_name(p));
  std::map<Precision, double> rates;
  for (const std::string& key : m.keys()) {
    const std::optional<Precision> p = parse_precision(key);
    if (!p) {
      const std::string near = closest_name(key, names);
      m.fail_key(key, "unknown precision",
                 near.empty() ? "use one of: fp32, bf16, fp16, int32, int8" : fmt::format("did you mean '{}'?", near));
    }
    rates[*p] = m.number(key, Sign::Positive, max);
  }
  if (rates.empty()) m.fail_key("", "lists no precision", fmt::format("add e.g. '{}'", example));
  m.finish();
  return rates;
}

GridSpec parse_grid(MapReader m) {
  GridSpec g;
  g.dies = m.has("dies") ? small_int(m, "dies", kMaxGridCells) : 1;
  g.tiles_per_die = m.has("tiles_per_die") ? small_int(m, "tiles_per_die", kMaxGridCells) : 1;
  g.rows = small_int(m, "rows", kMaxGridCells);
  g.cols = small_int(m, "cols", kMaxGridCells);
  m.choice("pattern", {"checkerboard"});
  g.pattern = GridPattern::Checkerboard;
  g.origin = m.opt_choice("origin", {"pcu", "pmu"}).value_or("pcu") == "pcu" ? UnitKind::Pcu : UnitKind::Pmu;
  // Each factor is at most 2^18, so the product cannot pass 2^72: check it
  // factor by factor, before anything (tiles(), unit counts) multiplies them.
  int64_t cells = 1;
  for (int64_t f : {int64_t{g.dies}, int64_t{g.tiles_per_die}, int64_t{g.rows}, int64_t{g.cols}}) {
    cells = checked_mul(cells, f, "the grid's unit count");
    if (cells > kMaxGridCells)
      m.fail_key("",
                 fmt::format("{} die(s) x {} tile(s) x {}x{} units is more than {} units", g.dies, g.tiles_per_die,
                             g.rows, g.cols, kMaxGridCells),
                 fmt::format("give at most {} units over all dies and tiles (docs/arch.md, Limits)", kMaxGridCells));
  }
  if (int64_t{g.rows} * g.cols < 2)
    m.fail_key("rows", fmt::format("a {}x{} tile holds no PMU beside its PCU", g.rows, g.cols), "give at least 2 cells per tile");
  m.finish();
  return g;
}

PcuSpec parse_pcu(MapReader m, const GridSpec& grid) {
  PcuSpec p;
  p.count = stated_count(m, "PCU", grid_unit_count(grid, UnitKind::Pcu), grid);
  p.lanes = small_int(m, "lanes", kMaxLanes);
  p.lane_bits = small_int(m, "lane_bits", kMaxLaneBits);
  p.stages = small_int(m, "stages", kMaxStages);
  p.registers_per_stage = small_int(m, "registers_per_stage", kMaxRegisters);
  p.reduction_tree = m.flag("reduction_tree", false);
  p.systolic = m.flag("systolic", false);
  p.ops_per_lane = parse_rates(m.map("ops_per_lane"), "fp32: 1", kMaxOpsPerLane);
  if (p.reduction_tree && reduction_tree_stages(p) > p.stages)
    m.fail_key("reduction_tree",
               fmt::format("a tree over {} lanes needs {} stages but the PCU has {}", p.lanes,
                           reduction_tree_stages(p), p.stages),
               "add stages, use fewer lanes, or set reduction_tree: false");
  m.finish();
  return p;
}

PmuSpec parse_pmu(MapReader m, const GridSpec& grid) {
  PmuSpec p;
  p.count = stated_count(m, "PMU", grid_unit_count(grid, UnitKind::Pmu), grid);
  p.capacity_kib = small_int(m, "capacity_kib", kMaxPmuKib);
  p.banks = small_int(m, "banks", kMaxBanks);
  p.read_ports = small_int(m, "read_ports", kMaxPorts);
  p.write_ports = small_int(m, "write_ports", kMaxPorts);
  p.addresses_per_cycle = m.has("addresses_per_cycle") ? small_int(m, "addresses_per_cycle", kMaxPorts) : 1;
  p.transpose = m.flag("transpose", false);
  if ((p.capacity_kib * 1024) % p.banks != 0)
    m.fail_key("banks", fmt::format("{} KiB does not split evenly into {} banks", p.capacity_kib, p.banks),
               "make capacity_kib × 1024 a multiple of banks");
  m.finish();
  return p;
}

NetworkSpec parse_network(MapReader m, const GridSpec& grid) {
  NetworkSpec n;
  n.switch_count = grid_switch_count(grid);
  const std::optional<int64_t> stated = m.opt_integer("switches");
  if (stated && *stated != n.switch_count)
    m.fail_key("switches", fmt::format("states {} switches but the grid ({}) has {}", *stated, grid_words(grid), n.switch_count),
               "fix 'switches' or the grid");
  MapReader s = m.map("static");
  n.static_links.vector_links = small_int(s, "vector_links", kMaxLinks);
  n.static_links.scalar_links = small_int(s, "scalar_links", kMaxLinks);
  n.static_links.control_links = small_int(s, "control_links", kMaxLinks);
  n.static_links.hop_latency_cycles = small_int(s, "hop_latency_cycles", kMaxLatencyCycles);
  s.finish();
  MapReader d = m.map("dynamic");
  n.dynamic.link_bits = small_int(d, "link_bits", kMaxLinkBits);
  n.dynamic.hop_latency_cycles = small_int(d, "hop_latency_cycles", kMaxLatencyCycles);
  d.finish();
  m.finish();
  return n;
}

AgcuSpec parse_agcu(MapReader m, const GridSpec& grid) {
  AgcuSpec a;
  a.count = m.integer("count");
  for (const std::string& e : m.choice_list("edges", {"north", "south", "east", "west"}))
    for (Edge edge : kEdges)
      if (edge_name(edge) == e) a.edges.push_back(edge);
  const int64_t slots = int64_t{grid.tiles()} * static_cast<int64_t>(a.edges.size());
  if (a.count % slots != 0)
    m.fail_key("count",
               fmt::format("{} AGCUs do not spread evenly over {} tile(s) × {} edge(s)", a.count, grid.tiles(),
                           a.edges.size()),
               fmt::format("give a multiple of {}", slots));
  const int64_t per_edge = a.count / slots;
  for (Edge edge : a.edges) {
    const int length = (edge == Edge::East || edge == Edge::West) ? grid.rows : grid.cols;
    if (per_edge > length)
      m.fail_key("count", fmt::format("{} AGCUs per {} edge, but that edge is {} units long", per_edge, edge_name(edge), length),
                 "use fewer AGCUs or more edges");
  }
  m.finish();
  return a;
}

}  // namespace tessera::arch::detail
