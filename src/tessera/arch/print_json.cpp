// The JSON form of a spec (`tessera arch show NAME --json`). Keys keep a fixed
// order (ordered_json) and derived figures are rounded to 4 decimals, so the
// output is stable and readable. Invalid UTF-8 in text prints as U+FFFD.
#include <cmath>

#include <nlohmann/json.hpp>

#include "tessera/arch/derived.h"
#include "tessera/arch/print.h"

namespace tessera::arch {
namespace {

using Json = nlohmann::ordered_json;

double round4(double v) { return std::round(v * 1e4) / 1e4; }

Json peaks_json(const ArchSpec& a) {
  Json peaks = Json::object();
  // fp32 and bf16 are always present (null when unsupported): tools read them by name.
  for (Precision p : kPrecisions) {
    const double t = peak_tflops(a, p);
    if (t > 0)
      peaks[std::string(precision_name(p))] = round4(t);
    else if (p == Precision::Fp32 || p == Precision::Bf16)
      peaks[std::string(precision_name(p))] = nullptr;
  }
  return peaks;
}

Json dram_json(const ArchSpec& a) {
  Json tiers = Json::array();
  for (const DramTier& t : a.dram) {
    Json j = {{"name", t.name}, {"kind", t.kind}};
    if (t.channels > 0) {
      j["channels"] = t.channels;
      j["bus_bits"] = t.bus_bits;
      j["data_rate_mtps"] = t.data_rate_mtps;
    }
    j["bandwidth_gbps"] = round4(t.bandwidth_gbps);
    j["capacity_gib"] = t.capacity_gib;
    j["latency_ns"] = t.latency_ns;
    j["energy_pj_per_bit"] = t.energy_pj_per_bit;
    tiers.push_back(j);
  }
  return tiers;
}

Json cost_json(const UnitCost& c, bool has_power) {
  Json j = {{"area_mm2", c.area_mm2}};
  if (has_power) j["active_mw"] = c.active_mw;
  return j;
}

Json energy_json(const ArchSpec& a) {
  const EnergySpec& e = a.energy;
  if (a.kind == ArchKind::Roofline) return {{"static_w", e.static_w}, {"active_w", e.active_w}};
  return {{"static_w", e.static_w},
          {"network_pj_per_bit_hop", e.network_pj_per_bit_hop},
          {"pcu", cost_json(e.pcu, true)},
          {"pmu", cost_json(e.pmu, true)},
          {"switch", cost_json(e.switch_unit, false)},
          {"agcu", cost_json(e.agcu, true)},
          {"units_area_mm2", round4(units_area_mm2(a))},
          {"units_active_w", round4(units_active_power_w(a))}};
}

Json rates_json(const std::map<Precision, double>& rates) {
  Json j = Json::object();
  for (Precision p : kPrecisions)
    if (auto it = rates.find(p); it != rates.end()) j[std::string(precision_name(p))] = it->second;
  return j;
}

void fabric_json(const ArchSpec& a, Json& j) {
  const GridSpec& g = a.grid;
  j["grid"] = {{"dies", g.dies},       {"tiles_per_die", g.tiles_per_die},
               {"rows", g.rows},       {"cols", g.cols},
               {"pattern", pattern_name(g.pattern)}, {"origin", unit_kind_name(g.origin)}};
  const PcuSpec& p = a.pcu;
  j["pcu"] = {{"count", p.count},
              {"lanes", p.lanes},
              {"stages", p.stages},
              {"lane_bits", p.lane_bits},
              {"registers_per_stage", p.registers_per_stage},
              {"reduction_tree", p.reduction_tree},
              {"systolic", p.systolic},
              {"ops_per_lane", rates_json(p.ops_per_lane)}};
  const PmuSpec& m = a.pmu;
  j["pmu"] = {{"count", m.count},           {"kib", m.capacity_kib},
              {"banks", m.banks},           {"read_ports", m.read_ports},
              {"write_ports", m.write_ports}, {"addresses_per_cycle", m.addresses_per_cycle},
              {"transpose", m.transpose}};
  const NetworkSpec& n = a.network;
  j["network"] = {{"switches", n.switch_count},
                  {"static",
                   {{"vector_links", n.static_links.vector_links},
                    {"scalar_links", n.static_links.scalar_links},
                    {"control_links", n.static_links.control_links},
                    {"hop_latency_cycles", n.static_links.hop_latency_cycles}}},
                  {"dynamic", {{"link_bits", n.dynamic.link_bits}, {"hop_latency_cycles", n.dynamic.hop_latency_cycles}}}};
  Json edges = Json::array(), sites = Json::array();
  for (Edge e : a.agcu.edges) edges.push_back(edge_name(e));
  for (const AgcuSite& s : agcu_sites(a))
    sites.push_back({{"tile", s.tile}, {"edge", edge_name(s.edge)}, {"row", s.row}, {"col", s.col}});
  j["agcu"] = {{"count", a.agcu.count}, {"edges", edges}, {"positions", sites}};
}

}  // namespace

std::string to_json(const ArchSpec& a) {
  Json j;
  j["name"] = a.name;
  j["kind"] = kind_name(a.kind);
  j["description"] = a.description;
  j["source"] = a.source;
  j["clock_ghz"] = a.clock_ghz > 0 ? Json(a.clock_ghz) : Json(nullptr);
  j["sram_mib"] = round4(sram_mib(a));
  j["peak_tflops"] = peaks_json(a);
  j["dram_gbps"] = round4(dram_bandwidth_gbps(a));
  j["dram"] = dram_json(a);
  if (a.kind == ArchKind::Rda) fabric_json(a, j);
  if (a.kind == ArchKind::Roofline)
    j["roofline"] = {{"cache_mib", a.roofline.cache_mib}, {"launch_overhead_us", a.roofline.launch_overhead_us}};
  j["energy"] = energy_json(a);
  const ChipSpec& c = a.chip;
  Json chip = Json::object();
  if (c.process_nm > 0) chip["process_nm"] = c.process_nm;
  if (c.area_mm2 > 0) chip["area_mm2"] = c.area_mm2;
  if (c.max_power_w > 0) chip["max_power_w"] = c.max_power_w;
  j["chip"] = chip;
  // The parser admits only UTF-8 text; a spec built in code might not, and a
  // stray byte should print as U+FFFD rather than end the command.
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace tessera::arch
