// The figures cycle mode simulates with, resolved once from the arch spec and
// the chip the program was compiled for into plain numbers (STYLE.md rule 4:
// specs are immutable; simulation state lives in the parts). Assumptions the
// arch files do not state are the k* constants below, marked [A] in
// docs/sim-cycle.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/arch/spec.h"
#include "tessera/compile/spatial.h"

namespace tessera::sim::cycle {

inline constexpr int kLinkCredits = 4;            // [A] vector slots per physical link at the next switch
inline constexpr int64_t kDramChunkBytes = 4096;  // [A] interleaving granule across channels (one request)
inline constexpr double kTurnaroundNs = 7.5;      // [A] bus turnaround between reads and writes (DDR4 tWTR)
inline constexpr int kWordBytes = 4;              // one PMU bank word / one network lane (32 bits)

struct DramTierSpec {
  std::string name;
  int channels = 1;
  double channel_bytes_per_cycle = 1;  // bandwidth / channels / clock
  int64_t latency_cycles = 0;
  int64_t turnaround_cycles = 0;
  int64_t capacity_bytes = 0;          // 0: unbounded
};

struct CycleSpec {
  // PCU: a SIMD pipeline of `lanes` lanes and `stages` stages.
  int lanes = 1, stages = 1;
  int reduction_stages = 0;  // cross-lane tree, log2(lanes) when the arch has one
  // PMU: `banks` banks of 32-bit words; each port moves one word per bank per cycle.
  int banks = 1, read_ports = 1, write_ports = 1;
  double pmu_port_bytes_per_cycle = 4;
  // Static network: per switch and direction, `link_lanes` links of one vector per cycle.
  int link_lanes = 1;
  int vector_bytes = 4;      // one link vector: lanes 32-bit words (as the compiler counts stream vectors)
  int hop_latency = 1;
  int link_credits = kLinkCredits;
  // Dynamic network (DRAM traffic between AGCUs and PMUs).
  double dynamic_bytes_per_cycle = 4;
  int dynamic_hop_latency = 1;
  std::vector<DramTierSpec> dram;  // first tier first
  double clock_ghz = 1;
  int mesh_cols = 1;               // switch columns (link keys)

  // Bytes per cycle of one static link bundle, after credit flow control:
  // a physical link sends at most credits / round trip vectors per cycle.
  double static_link_bytes_per_cycle() const;
};

CycleSpec make_cycle_spec(const arch::ArchSpec& a, const compile::Chip& chip);

}  // namespace tessera::sim::cycle
