// The human-readable summary of a spec (`tessera arch show NAME`).
#include <fmt/format.h>

#include "tessera/arch/derived.h"
#include "tessera/arch/print.h"

namespace tessera::arch {
namespace {

// Up to 3 decimals, trailing zeros dropped: 1 -> "1", 2666.67 -> "2666.67".
std::string num(double v) {
  std::string s = fmt::format("{:.3f}", v);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string rate_unit(Precision p) {
  return p == Precision::Int32 || p == Precision::Int8 ? "TOPS" : "TFLOPS";
}

std::string peaks_line(const ArchSpec& a) {
  std::string out;
  for (Precision p : kPrecisions)
    if (const double t = peak_tflops(a, p); t > 0)
      out += fmt::format("{}{} {:.1f} {}", out.empty() ? "" : ", ", precision_name(p), t, rate_unit(p));
  return out;
}

std::string tier_line(const DramTier& t) {
  const std::string bandwidth = t.channels > 0 ? fmt::format("{} ch x {} bit x {} MT/s = {:.1f} GB/s", t.channels,
                                                             t.bus_bits, num(t.data_rate_mtps), t.bandwidth_gbps)
                                               : fmt::format("{} GB/s", num(t.bandwidth_gbps));
  return fmt::format("{}: {}, {}, {} GiB, {} ns, {} pJ/bit", t.name, t.kind, bandwidth, num(t.capacity_gib), num(t.latency_ns),
                     num(t.energy_pj_per_bit));
}

std::string cost_words(const UnitCost& c, bool has_power) {
  return has_power ? fmt::format("{} mm2, {} mW", num(c.area_mm2), num(c.active_mw)) : fmt::format("{} mm2", num(c.area_mm2));
}

void fabric_lines(const ArchSpec& a, std::string& out) {
  const GridSpec& g = a.grid;
  out += fmt::format("  {:<9} {} die(s) x {} tile(s) of {} x {}, {} (unit at row 0, col 0: {}); {} switches\n",
                     "grid", g.dies, g.tiles_per_die, g.rows, g.cols, pattern_name(g.pattern),
                     unit_kind_name(g.origin), a.network.switch_count);
  const PcuSpec& p = a.pcu;
  out += fmt::format("  {:<9} {} x ({} lanes x {} stages, {}-bit lanes, {} registers/stage{}{})\n", "PCU", p.count, p.lanes,
                     p.stages, p.lane_bits, p.registers_per_stage,
                     p.reduction_tree ? fmt::format(", reduction tree of {} stages", reduction_tree_stages(p)) : "",
                     p.systolic ? ", systolic mode" : "");
  const PmuSpec& m = a.pmu;
  out += fmt::format("  {:<9} {} x {} KiB ({} banks, {} read / {} write ports, {} address(es)/cycle{})\n", "PMU", m.count,
                     m.capacity_kib, m.banks, m.read_ports, m.write_ports, m.addresses_per_cycle, m.transpose ? ", transpose" : "");
  const StaticNetworkSpec& s = a.network.static_links;
  out += fmt::format("  {:<9} static, per switch and direction: {} vector, {} scalar, {} control links, {}-cycle hops\n",
                     "network", s.vector_links, s.scalar_links, s.control_links, s.hop_latency_cycles);
  out += fmt::format("  {:<9} dynamic: {}-bit links, {}-cycle hops\n", "", a.network.dynamic.link_bits,
                     a.network.dynamic.hop_latency_cycles);
  std::string edges;
  for (Edge e : a.agcu.edges) edges += fmt::format("{}{}", edges.empty() ? "" : ", ", edge_name(e));
  out += fmt::format("  {:<9} {} on the {} edge(s) of each tile\n", "AGCU", a.agcu.count, edges);
}

void energy_lines(const ArchSpec& a, std::string& out) {
  const EnergySpec& e = a.energy;
  if (a.kind == ArchKind::Roofline) {
    out += fmt::format("  {:<9} static {} W, +{} W at full compute\n", "energy", num(e.static_w), num(e.active_w));
    return;
  }
  out += fmt::format("  {:<9} static {} W; network {} pJ/bit/hop\n", "energy", num(e.static_w), num(e.network_pj_per_bit_hop));
  out += fmt::format("  {:<9} pcu {}; pmu {}; switch {}; agcu {}\n", "", cost_words(e.pcu, true), cost_words(e.pmu, true),
                     cost_words(e.switch_unit, false), cost_words(e.agcu, true));
  out += fmt::format("  {:<9} all units: {:.1f} mm2, {:.1f} W when busy\n", "", units_area_mm2(a), units_active_power_w(a));
}

}  // namespace

std::string peak_words(const ArchSpec& a) {
  const Precision p = headline_precision(a);
  return fmt::format("{:.1f} {} {}", peak_tflops(a, p), rate_unit(p), precision_name(p));
}

std::string sram_words(const ArchSpec& a) { return fmt::format("{} MiB", num(sram_mib(a))); }

std::string dram_words(const ArchSpec& a) { return fmt::format("{:.1f} GB/s", dram_bandwidth_gbps(a)); }

std::string units_words(const ArchSpec& a) {
  if (a.kind == ArchKind::Roofline) return "roofline";
  return fmt::format("{} PCU + {} PMU", a.pcu.count, a.pmu.count);
}

std::string summary_text(const ArchSpec& a) {
  std::string out = fmt::format("{} ({}): {}\n", a.name, kind_name(a.kind), a.description);
  out += fmt::format("  {:<9} {}\n", "source", a.source);
  if (a.clock_ghz > 0) out += fmt::format("  {:<9} {} GHz\n", "clock", num(a.clock_ghz));
  if (a.kind == ArchKind::Rda) fabric_lines(a, out);
  out += fmt::format("  {:<9} {}\n", "peak", peaks_line(a));
  out += fmt::format("  {:<9} {}{}\n", "SRAM", sram_words(a), a.kind == ArchKind::Roofline ? " (on-chip cache)" : "");
  if (a.kind == ArchKind::Roofline)
    out += fmt::format("  {:<9} {} us per kernel\n", "launch", num(a.roofline.launch_overhead_us));
  for (size_t i = 0; i < a.dram.size(); ++i)
    out += fmt::format("  {:<9} {}\n", i == 0 ? "DRAM" : "", tier_line(a.dram[i]));
  energy_lines(a, out);
  std::string chip;
  const ChipSpec& c = a.chip;
  if (c.process_nm > 0) chip += fmt::format("{} nm", c.process_nm);
  if (c.area_mm2 > 0) chip += fmt::format("{}{} mm2", chip.empty() ? "" : ", ", num(c.area_mm2));
  if (c.max_power_w > 0) chip += fmt::format("{}{} W max", chip.empty() ? "" : ", ", num(c.max_power_w));
  if (!chip.empty()) out += fmt::format("  {:<9} {}\n", "chip", chip);
  return out;
}

}  // namespace tessera::arch
