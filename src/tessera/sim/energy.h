// Energy from the architecture's energy table (arch::EnergySpec): each unit
// costs its active power only while it is busy (idle units cost nothing),
// DRAM costs its tier's pJ/bit, the networks cost pJ/bit per hop, and the
// static power is paid for the whole run. Roofline models pay static power,
// `active_w` while computing at peak (scaled by the compute-bound time) and
// DRAM pJ/bit. Every constant comes from the preset, where each is marked as
// published or assumed.
#pragma once

#include <string>

#include "tessera/arch/spec.h"
#include "tessera/sim/common.h"
#include "tessera/sim/sim.h"

namespace tessera::sim {

// What the units did over a run, in unit-cycles and bits.
struct Activity {
  double pcu_busy_cycles = 0;   // sum over PCUs of cycles computing
  double pmu_busy_cycles = 0;   // sum over PMUs of cycles a port was moving data
  double agcu_busy_cycles = 0;  // sum over AGCUs of cycles moving DRAM data
  double network_bit_hops = 0;  // bits x links crossed (static and dynamic networks)
  double dram_bytes = 0;
};

struct Energy {
  double pcu_j = 0, pmu_j = 0, agcu_j = 0, network_j = 0, dram_j = 0, compute_j = 0, static_j = 0;
  double total() const { return pcu_j + pmu_j + agcu_j + network_j + dram_j + compute_j + static_j; }
};

Energy rda_energy(const Activity& act, const arch::ArchSpec& a, double clock_ghz, double seconds,
                  const DramModel& dram);
// `compute_seconds`: time the chip spends at full compute (flops / peak).
Energy roofline_energy(const arch::ArchSpec& a, double seconds, double compute_seconds, double dram_bytes,
                       const DramModel& dram);

// The parts that are present, in a fixed order, for report.json.
std::vector<std::pair<std::string, double>> energy_parts(const Energy& e);
// One line for the notes: "energy 1.23 J: PCU 0.5 J, PMU ..., static ...".
std::string describe(const Energy& e);

// Totals every dataflow simulation ends with (fast and cycle mode alike):
// seconds, achieved TFLOPS, the roofline bound, energy and average power, and
// the notes on energy and reconfiguration. r.cycles, r.flops and
// r.peak_tflops must be set.
void finish_rda_totals(SimResult& r, const compile::SpatialProgram& sp, const arch::ArchSpec& a, const Activity& act,
                       const DramModel& dram);
// The bound a section's largest term names.
Bound bound_of(const SectionResult& r);

}  // namespace tessera::sim
