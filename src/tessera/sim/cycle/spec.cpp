#include "tessera/sim/cycle/spec.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "tessera/arch/derived.h"

namespace tessera::sim::cycle {

double CycleSpec::static_link_bytes_per_cycle() const {
  const double round_trip = 2.0 * std::max(1, hop_latency);  // vector out, credit back
  const double per_link = std::min(1.0, link_credits / round_trip);
  return link_lanes * per_link * vector_bytes;
}

namespace {

DramTierSpec tier_spec(const arch::DramTier& t, double clock_ghz) {
  DramTierSpec d;
  d.name = t.name;
  d.channels = std::max(1, t.channels);  // a stated bandwidth is one channel [A]
  d.channel_bytes_per_cycle = t.bandwidth_gbps / d.channels / clock_ghz;
  d.latency_cycles = std::llround(t.latency_ns * clock_ghz);
  d.turnaround_cycles = std::llround(kTurnaroundNs * clock_ghz);
  d.capacity_bytes = static_cast<int64_t>(t.capacity_gib * 1073741824.0);
  return d;
}

}  // namespace

CycleSpec make_cycle_spec(const arch::ArchSpec& a, const compile::Chip& chip) {
  CycleSpec s;
  s.lanes = chip.pcu_lanes;
  s.stages = chip.pcu_stages;
  s.reduction_stages = a.pcu.reduction_tree ? std::bit_width(static_cast<unsigned>(std::max(1, a.pcu.lanes))) - 1
                                            : std::max(0, a.pcu.lanes - 1);  // no tree: a serial chain of adds
  s.banks = std::max(1, chip.pmu_banks);
  s.read_ports = std::max(1, a.pmu.read_ports);
  s.write_ports = std::max(1, a.pmu.write_ports);
  s.pmu_port_bytes_per_cycle = static_cast<double>(s.banks) * kWordBytes;
  s.link_lanes = std::max(1, chip.link_vectors_per_cycle);
  s.vector_bytes = chip.pcu_lanes * kWordBytes;
  s.hop_latency = std::max(1, chip.hop_latency_cycles);
  s.dynamic_bytes_per_cycle = std::max(1, a.network.dynamic.link_bits) / 8.0;
  s.dynamic_hop_latency = std::max(1, a.network.dynamic.hop_latency_cycles);
  s.clock_ghz = chip.clock_ghz > 0 ? chip.clock_ghz : a.clock_ghz;
  for (const arch::DramTier& t : a.dram)
    if (t.bandwidth_gbps > 0) s.dram.push_back(tier_spec(t, s.clock_ghz));
  if (s.dram.empty()) {  // a chip without DRAM figures: the compiler's bytes per cycle, one channel
    DramTierSpec d;
    d.name = "dram";
    d.channel_bytes_per_cycle = std::max(1e-9, chip.dram_bytes_per_cycle);
    s.dram.push_back(d);
  }
  s.mesh_cols = chip.cols + 1;
  return s;
}

}  // namespace tessera::sim::cycle
