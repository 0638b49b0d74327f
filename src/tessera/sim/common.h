// Helpers the simulator's models share (fast, roofline, energy, report):
// the off-chip memory model, element sizes per precision, and the few
// assumed constants that are not in an architecture file. Every assumption
// here is tagged [A] and listed in docs/sim.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/arch/spec.h"
#include "tessera/compile/spatial.h"
#include "tessera/pattern/ir.h"

namespace tessera::sim {

// [A] Configuration bytes streamed from DRAM per unit configured (PCU stage
// opcodes and operand selects, PMU address pipelines, switch crossbars and
// counters). Reconfiguring a section reads units x this at DRAM bandwidth.
inline constexpr int64_t kConfigBytesPerUnit = 512;
// [A] Fixed handshake per reconfiguration (quiesce, broadcast "go").
inline constexpr int64_t kReconfigFixedCycles = 100;
// [A] Random (data-dependent) PMU reads serve one lane in ~3 per cycle: Capstan
// (MICRO 2021) measures 32% of peak random-access throughput without its
// out-of-order SRAM scheduling [P]; 1 / 0.32 = 3.1.
inline constexpr double kRandomConflictFactor = 1.0 / 0.32;

// [A] DRAM interleaving granule: addresses rotate over a tier's channels
// every 4 KiB, and one request moves at most that much (the same granule
// cycle mode uses, docs/sim-cycle.md).
inline constexpr double kDramChunkBytes = 4096;

// Off-chip memory as the simulator sees it: data fills the tiers in order
// (HBM first on sn40l), so a tier holds `share` of every section's traffic;
// tiers are served one after the other (conservative: never faster than the
// fastest tier alone).
struct DramModel {
  std::vector<double> share;            // per tier, sums to 1
  std::vector<double> bytes_per_cycle;  // per tier, at the simulated clock
  std::vector<int> channels;            // per tier (1 when only the bandwidth is stated)
  std::vector<double> pj_per_bit;       // per tier
  double latency_cycles = 0;            // first tier's latency
  double fastest_bytes_per_cycle = 0;

  double cycles(double bytes) const;
  // The slowest of these transfers alone: each is cut into kDramChunkBytes
  // requests that rotate over the channels, so one channel serves up to
  // ceil(bytes / (chunk x channels)) chunks of it (a transfer under one chunk
  // sits on one channel, at 1 / channels of the bandwidth).
  double chunked_cycles(const std::vector<double>& transfers) const;
  double energy_j(double bytes) const;
};

// `clock_ghz` converts bandwidths to bytes per cycle (1 for roofline models,
// whose "cycles" are nanoseconds). `footprint` is the bytes the model keeps in DRAM.
DramModel dram_model(const arch::ArchSpec& a, double clock_ghz, int64_t footprint);

// Bytes one element of a float tensor occupies when computing in `p`.
int element_bytes(arch::Precision p);
// Bytes of a program tensor when float tensors compute in `p`.
int64_t tensor_bytes(const pattern::ProgramTensor& t, arch::Precision p);

// Bytes the model keeps in DRAM (every tensor that is not a view of another).
int64_t dram_footprint(const compile::SpatialProgram& sp);

// True when a stream is DRAM traffic (one end is an AGCU).
bool is_dram_stream(const compile::SpatialProgram& sp, const compile::Stream& s);

// Streams of each section, in stream order.
std::vector<std::vector<int>> streams_by_section(const compile::SpatialProgram& sp);

// "1.23 MB", "456 kB": for notes and tables.
std::string human_bytes(double bytes);
// "1.234 ms", "12.500 us": three decimals in the largest unit that is >= 1,
// so small models never print as 0.000.
std::string human_seconds(double seconds);
std::string human_joules(double joules);

}  // namespace tessera::sim
