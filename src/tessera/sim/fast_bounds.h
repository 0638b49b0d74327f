// The terms of the fast model that need more than one number from the
// compiler: PMU port load (with bank conflicts) and static-link load.
// Private to sim/ (fast.cpp and tests).
//
// Widths are the hardware's: a PMU port moves one 32-bit word per bank per
// cycle, a static link one vector of lanes x 32-bit words (as the compiler
// counts stream vectors and cycle mode moves them), whatever the element size.
// PMU: reads into a kernel's PCUs take the input's bank-conflict factor
// (access.h) times longer. A PMU's time is its busier port's.
// Network: a static link moves link_vectors_per_cycle vectors per cycle; the
// most loaded link (every on-chip stream's bytes summed along its route)
// sets the section's network time. DRAM streams ride the dynamic network:
// an AGCU moves one dynamic link (link_bits) per cycle each way, which
// joins the DRAM term (agcu_cycles). Fill, drain and the DRAM timing of a
// section are in fast_plan.h.
#pragma once

#include <cstdint>
#include <vector>

#include "tessera/arch/spec.h"
#include "tessera/compile/spatial.h"
#include "tessera/sim/access.h"
#include "tessera/sim/common.h"

namespace tessera::sim {

struct PmuLoad {
  int64_t cycles = 0;             // the busiest PMU
  double busy_port_cycles = 0;    // summed over PMUs and ports
  double busy_unit_cycles = 0;    // summed over PMUs: cycles any port is busy
  double read_bytes = 0, write_bytes = 0;
  int64_t conflicts = 0;          // extra bank cycles from conflicts
};

// Per virtual unit: the bank-conflict factor of reads out of it (1 for
// everything but kernel input buffers; all 1 when `access` is null).
std::vector<double> unit_conflict_factors(const compile::SpatialProgram& sp, const AccessFacts* access);

// Bytes one PMU port moves per cycle; bytes one static link moves per cycle.
double pmu_port_bytes(const arch::ArchSpec& a);
double link_bytes_per_cycle(const arch::ArchSpec& a, const compile::Chip& chip);
PmuLoad pmu_load(const compile::SpatialProgram& sp, const arch::ArchSpec& a, const std::vector<int>& streams,
                 const std::vector<double>& unit_conflict);

struct NetworkLoad {
  int64_t cycles = 0;          // the most loaded static link
  double link_bytes = 0;       // its bytes
  double bit_hops = 0;         // every stream (static and dynamic), bits x links crossed
};
// `route_of[stream]`: index into sp.routes, -1 when unrouted.
NetworkLoad network_load(const compile::SpatialProgram& sp, const arch::ArchSpec& a,
                         const std::vector<int>& streams, const std::vector<int>& route_of);

// Cycles the busiest AGCU needs to move its DRAM streams over its dynamic link.
int64_t agcu_cycles(const compile::SpatialProgram& sp, const arch::ArchSpec& a, const std::vector<int>& streams);
}  // namespace tessera::sim
