// Activity-weighted energy (see energy.h).
#include "tessera/sim/energy.h"

#include <fmt/format.h>

#include <algorithm>

#include "tessera/arch/derived.h"

namespace tessera::sim {

Energy rda_energy(const Activity& act, const arch::ArchSpec& a, double clock_ghz, double seconds,
                  const DramModel& dram) {
  const double cycle_s = 1e-9 / clock_ghz;
  const arch::EnergySpec& e = a.energy;
  Energy out;
  out.pcu_j = act.pcu_busy_cycles * cycle_s * e.pcu.active_mw * 1e-3;
  out.pmu_j = act.pmu_busy_cycles * cycle_s * e.pmu.active_mw * 1e-3;
  out.agcu_j = act.agcu_busy_cycles * cycle_s * e.agcu.active_mw * 1e-3;
  out.network_j = act.network_bit_hops * e.network_pj_per_bit_hop * 1e-12;
  out.dram_j = dram.energy_j(act.dram_bytes);
  out.static_j = e.static_w * seconds;
  return out;
}

Energy roofline_energy(const arch::ArchSpec& a, double seconds, double compute_seconds, double dram_bytes,
                       const DramModel& dram) {
  Energy out;
  out.compute_j = a.energy.active_w * compute_seconds;
  out.dram_j = dram.energy_j(dram_bytes);
  out.static_j = a.energy.static_w * seconds;
  return out;
}

std::vector<std::pair<std::string, double>> energy_parts(const Energy& e) {
  const std::pair<const char*, double> all[] = {{"pcu", e.pcu_j},   {"pmu", e.pmu_j},         {"agcu", e.agcu_j},
                                                {"network", e.network_j}, {"dram", e.dram_j}, {"compute", e.compute_j},
                                                {"static", e.static_j}};
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [name, v] : all)
    if (v > 0) out.emplace_back(name, v);
  return out;
}

std::string describe(const Energy& e) {
  auto j = [](double v) { return v >= 1 ? fmt::format("{:.3g} J", v) : fmt::format("{:.3g} mJ", v * 1e3); };
  std::string s = fmt::format("energy {}:", j(e.total()));
  const std::pair<const char*, double> parts[] = {
      {"PCU", e.pcu_j},   {"PMU", e.pmu_j},         {"AGCU", e.agcu_j},    {"network", e.network_j},
      {"DRAM", e.dram_j}, {"compute", e.compute_j}, {"static", e.static_j}};
  bool first = true;
  for (const auto& [name, v] : parts) {
    if (v <= 0) continue;
    s += fmt::format("{} {} {}", first ? "" : ",", name, j(v));
    first = false;
  }
  return s;
}

void finish_rda_totals(SimResult& r, const compile::SpatialProgram& sp, const arch::ArchSpec& a, const Activity& act,
                       const DramModel& dram) {
  r.seconds = static_cast<double>(r.cycles) / (sp.chip.clock_ghz * 1e9);
  r.achieved_tflops = r.seconds > 0 ? static_cast<double>(r.flops) / r.seconds / 1e12 : 0;
  const double compute_s = r.peak_tflops > 0 ? static_cast<double>(r.flops) / (r.peak_tflops * 1e12) : 0;
  const double memory_s = static_cast<double>(compulsory_dram_bytes(sp)) / (arch::dram_bandwidth_gbps(a) * 1e9);
  r.roofline_seconds = std::max(compute_s, memory_s);
  const Energy e = rda_energy(act, a, sp.chip.clock_ghz, r.seconds, dram);
  r.energy_j = e.total();
  r.energy_parts_j = energy_parts(e);
  r.average_w = r.seconds > 0 ? r.energy_j / r.seconds : 0;
  r.notes.push_back(describe(e));
  r.notes.push_back(fmt::format("reconfiguration [A]: {} B of configuration per unit read from DRAM + {} cycles",
                                kConfigBytesPerUnit, kReconfigFixedCycles));
}

Bound bound_of(const SectionResult& r) {
  const std::pair<Bound, int64_t> terms[] = {{Bound::Compute, r.compute_cycles},
                                             {Bound::Dram, r.dram_cycles},
                                             {Bound::Pmu, r.pmu_cycles},
                                             {Bound::Network, r.network_cycles},
                                             {Bound::Latency, r.latency_cycles}};
  std::pair<Bound, int64_t> best = terms[0];
  for (const auto& t : terms)
    if (t.second > best.second) best = t;
  return best.first;
}

}  // namespace tessera::sim
