// Parsing the memory, roofline, chip and energy sections. DRAM bandwidth is
// derived from channels × bus width × data rate; only a roofline (spec-sheet)
// tier may state it instead, and a tier that gives both must agree with itself.
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "tessera/arch/derived.h"
#include "tessera/arch/parse_sections.h"

namespace tessera::arch::detail {
namespace {

constexpr double kBandwidthTolerance = 0.01;  // a stated figure may round the derived one by 1%
constexpr size_t kMaxDramTiers = 16;
constexpr int64_t kMaxChannels = 1024;
constexpr int64_t kMaxBusBits = 4096;
constexpr double kMaxDataRateMtps = 1e5;
constexpr double kMaxCapacityGib = 1 << 20;  // 1 PiB per tier; 16 tiers still fit an int64 of bytes
constexpr int64_t kMaxProcessNm = 1000;

void parse_tier_bandwidth(MapReader& m, ArchKind kind, DramTier& t) {
  const bool by_channels = m.has("channels") || m.has("bus_bits") || m.has("data_rate_mtps");
  const std::optional<double> stated = m.opt_number("bandwidth_gbps");
  if (!by_channels && !(stated && kind == ArchKind::Roofline))
    m.fail_key("channels", "missing", stated ? "an rda tier's bandwidth is derived: give channels, bus_bits and data_rate_mtps"
                                             : "give channels, bus_bits and data_rate_mtps");
  if (by_channels) {
    t.channels = small_int(m, "channels", kMaxChannels);
    t.bus_bits = small_int(m, "bus_bits", kMaxBusBits);
    t.data_rate_mtps = m.number("data_rate_mtps", Sign::Positive, kMaxDataRateMtps);
    t.bandwidth_gbps = channel_bandwidth_gbps(t.channels, t.bus_bits, t.data_rate_mtps);
  }
  if (stated && by_channels && std::abs(*stated - t.bandwidth_gbps) > kBandwidthTolerance * t.bandwidth_gbps)
    m.fail_key("bandwidth_gbps",
               fmt::format("states {} GB/s but {} channels × {} bits × {} MT/s give {:.1f} GB/s", *stated, t.channels,
                           t.bus_bits, t.data_rate_mtps, t.bandwidth_gbps),
               "fix the figure or remove it (it is derived)");
  if (stated && !by_channels) t.bandwidth_gbps = *stated;
}

DramTier parse_tier(MapReader m, ArchKind kind) {
  DramTier t;
  t.name = m.text("name");
  t.kind = m.text("kind");
  parse_tier_bandwidth(m, kind, t);
  t.capacity_gib = m.number("capacity_gib", Sign::Positive, kMaxCapacityGib);
  t.latency_ns = m.number("latency_ns");
  t.energy_pj_per_bit = m.number("energy_pj_per_bit");
  m.finish();
  return t;
}

UnitCost parse_cost(MapReader m, bool has_power) {
  UnitCost c;
  c.area_mm2 = m.number("area_mm2");
  if (has_power) c.active_mw = m.number("active_mw");
  m.finish();
  return c;
}

void check_budget(MapReader& m, std::string_view key, double used, double budget, std::string_view what, std::string_view unit) {
  if (budget > 0 && used > budget)
    m.fail_key(key, fmt::format("the units add up to {:.1f} {} but chip.{} is {}", used, unit, what, budget),
               fmt::format("lower the per-unit figures or raise chip.{}", what));
}

}  // namespace

std::vector<DramTier> parse_dram(MapReader& top, ArchKind kind) {
  std::vector<MapReader> items = top.map_list("dram");
  if (items.size() > kMaxDramTiers)
    top.fail_key("dram", fmt::format("lists {} tiers, implausibly many", items.size()),
                 fmt::format("give at most {}", kMaxDramTiers));
  std::vector<DramTier> tiers;
  std::set<std::string> names;
  for (MapReader& item : items) {
    const int line = item.line();
    tiers.push_back(parse_tier(std::move(item), kind));
    if (!names.insert(tiers.back().name).second)
      top.fail_key("dram", fmt::format("two tiers are named '{}' (second on line {})", tiers.back().name, line),
                   "give each tier its own name");
  }
  return tiers;
}

RooflineSpec parse_roofline(MapReader m) {
  RooflineSpec r;
  r.peak_tflops = parse_rates(m.map("peak_tflops"), "bf16: 312");
  r.cache_mib = m.number("cache_mib");
  r.launch_overhead_us = m.number("launch_overhead_us", Sign::NonNegative);
  m.finish();
  return r;
}

ChipSpec parse_chip(MapReader m) {
  ChipSpec c;
  c.process_nm = m.has("process_nm") ? small_int(m, "process_nm", kMaxProcessNm) : 0;
  c.area_mm2 = m.opt_number("area_mm2").value_or(0);
  c.max_power_w = m.opt_number("max_power_w").value_or(0);
  m.finish();
  return c;
}

EnergySpec parse_energy(MapReader m, const ArchSpec& spec) {
  EnergySpec e;
  e.static_w = m.number("static_w", Sign::NonNegative);
  if (spec.kind == ArchKind::Roofline) {
    e.active_w = m.number("active_w");
    check_budget(m, "active_w", e.static_w + e.active_w, spec.chip.max_power_w, "max_power_w", "W");
    m.finish();
    return e;
  }
  e.network_pj_per_bit_hop = m.number("network_pj_per_bit_hop");
  e.pcu = parse_cost(m.map("pcu"), true);
  e.pmu = parse_cost(m.map("pmu"), true);
  e.switch_unit = parse_cost(m.map("switch"), false);
  e.agcu = parse_cost(m.map("agcu"), true);
  m.finish();
  ArchSpec with_energy = spec;
  with_energy.energy = e;
  check_budget(m, "", units_area_mm2(with_energy), spec.chip.area_mm2, "area_mm2", "mm²");
  check_budget(m, "static_w", units_active_power_w(with_energy) + e.static_w, spec.chip.max_power_w, "max_power_w", "W");
  return e;
}

}  // namespace tessera::arch::detail
