// Cycle mode: a discrete-event, cycle-level simulation of a Spatial program
// (docs/sim-cycle.md). Each section is built into parts that follow one life
// cycle (init -> connect -> tick -> finalize, part.h): the PCUs of every
// kernel as SIMD pipelines, PMU buffers with banked ports, static and dynamic
// network links with hop latency and credit-limited rate, AGCUs and a DRAM
// model with channels, latency and read/write turnaround over several tiers.
// Tokens are bursts (a tile slice of many vectors) whose vector, byte and
// cycle counts are exact; parts only run when an event reaches them, so idle
// units cost no simulation time. Sections run one after another with a
// reconfiguration before each.
//
// Trace (o.trace): track 0 holds one event per section (and its
// reconfiguration), track 1 the DRAM bandwidth counters (GB/s, read and
// write), track 2 + i the tiles of the i-th kernel of the program, and
// track 2 + kernels + j the transfers of AGCU j of a section.
#pragma once

#include "tessera/arch/spec.h"
#include "tessera/compile/spatial.h"
#include "tessera/sim/access.h"
#include "tessera/sim/sim.h"

namespace tessera::sim {

SimResult simulate_cycle(const compile::SpatialProgram& sp, const arch::ArchSpec& a, const SimOptions& o);
// The same, with each kernel input's bank-conflict factor from the Pattern IR's
// access strides (access.h; nullptr: every read unit-stride).
SimResult simulate_cycle(const compile::SpatialProgram& sp, const arch::ArchSpec& a, const SimOptions& o,
                         const AccessFacts* access);

}  // namespace tessera::sim
