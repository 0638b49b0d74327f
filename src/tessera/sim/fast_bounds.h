// The terms of the fast model that need more than one number from the
// compiler: PMU port load (with bank conflicts), static-link load and the
// pipeline fill/drain of a section. Private to sim/ (fast.cpp and tests).
//
// PMU: a port moves one vector (lanes x element bytes) per cycle; reads into
// a kernel's PCUs take the input's bank-conflict factor (access.h) times
// longer. A PMU's time is its busier port's.
// Network: a static link moves link_vectors_per_cycle vectors per cycle; the
// most loaded link (every on-chip stream's bytes summed along its route)
// sets the section's network time. DRAM streams ride the dynamic network
// and are counted by the DRAM term instead.
// Fill/drain: along the longest producer -> consumer chain of the section,
// every kernel's pipeline depth (chain x stages) and input route latency,
// plus the first tile of every kernel but the slowest (meta-pipelining with
// double buffers: a consumer starts when its producer's first tile is done).
#pragma once

#include <cstdint>
#include <vector>

#include "tessera/arch/spec.h"
#include "tessera/compile/spatial.h"
#include "tessera/sim/access.h"

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

// Bytes one PMU port moves per cycle.
double pmu_port_bytes(const compile::Chip& chip);
PmuLoad pmu_load(const compile::SpatialProgram& sp, const arch::ArchSpec& a, const std::vector<int>& streams,
                 const std::vector<double>& unit_conflict);

struct NetworkLoad {
  int64_t cycles = 0;          // the most loaded static link
  double link_bytes = 0;       // its bytes
  double bit_hops = 0;         // every stream (static and dynamic), bits x links crossed
};
// `route_of[stream]`: index into sp.routes, -1 when unrouted.
NetworkLoad network_load(const compile::SpatialProgram& sp, const std::vector<int>& streams,
                         const std::vector<int>& route_of);

int64_t fill_drain_cycles(const compile::SpatialProgram& sp, const compile::Section& s,
                          const std::vector<int>& streams, const std::vector<int>& route_of, int64_t steady);

}  // namespace tessera::sim
