// A section of a Spatial program resolved for cycle mode: what every part
// needs to know, as plain numbers and indices, built once before the event
// loop (plan.cpp reads the SpatialProgram's units, streams and routes; no
// other file of cycle mode does). Byte counts are totals over the section's
// run; parts split them over tiles and copies exactly (split() below).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/compile/spatial.h"
#include "tessera/sim/access.h"
#include "tessera/sim/cycle/spec.h"

namespace tessera::sim::cycle {

// The i-th of n near-equal shares of `total`; the shares sum to `total` exactly.
inline int64_t split(int64_t total, int64_t n, int64_t i) { return total * (i + 1) / n - total * i / n; }

// One directed link bundle between neighbouring switches (static mesh or the
// dynamic network that carries DRAM traffic).
struct LinkPlan {
  int64_t key = 0;  // (switch * 4 + direction) * 2 + dynamic
  bool dynamic = false;
  double bytes_per_cycle = 1;
  int latency = 1;  // cycles per hop
};

struct PathPlan {
  std::vector<int> links;  // LinkPlan indices, source to destination
  int delivery_latency = 1;  // from the last switch into the unit
};

struct KernelRead {   // a copy reads a buffer
  int buffer = 0, copy = 0;
  int64_t bytes = 0;
};
struct KernelWrite {  // a copy's last stage writes a buffer
  int buffer = 0, copy = 0;
  int64_t bytes = 0;
  PathPlan path;
};
struct ChainHop {     // stage i -> i + 1 of a copy
  int copy = 0;
  int64_t bytes = 0;
  PathPlan path;
};

struct KernelItem {
  int kernel = 0;             // SpatialProgram::kernels index
  std::string name;
  int par = 1, chain = 1;
  int64_t tiles = 1;          // steps results are handed on in (plan.cpp: refine_steps)
  int64_t vectors = 1;        // vector-steps of one copy at par 1 (the compiler's count)
  std::vector<int> depth;     // per copy: cycles from a vector entering to its result leaving
  int64_t fu_ops = 0, flops = 0;
  std::vector<KernelRead> reads;
  std::vector<KernelWrite> writes;
  std::vector<ChainHop> chain_hops;
  std::vector<int> inputs, outputs;  // distinct buffers read / written
  int track = 0;              // trace track
};

enum class EndKind { Kernel, Dram, Sink };

// A PMU buffer between one producer and one consumer.
struct BufferItem {
  int unit = 0;
  std::string role;
  EndKind producer_kind = EndKind::Kernel, consumer_kind = EndKind::Sink;
  int producer = -1, consumer = -1;   // KernelItem or DramStreamItem index (-1: not yet known)
  int64_t producer_tiles = 1, consumer_tiles = 1;
  int depth = 2;                      // tiles of space (of the larger side's tiles): N-buffering
  bool resident = false;              // loaded once, read by every tile, never released
  double conflict = 1;                // bank cycles per vector read over the conflict-free 1
};

struct DramTarget {
  int buffer = 0, agcu = 0;
  int64_t bytes = 0;  // delivered over the run
  PathPlan path;      // AGCU -> PMU on the dynamic network
};

// DRAM traffic of one tensor: reads into buffers or writes from a staging buffer.
struct DramStreamItem {
  bool write = false;
  std::string tensor;
  int tier = 0;
  int64_t address = 0;      // in its tier
  int64_t tile_stride = 0;  // writes: bytes from one tile's address to the next's (0: one contiguous range)
  int64_t tiles = 1;
  int64_t dram_bytes = 0;   // moved over the run (a streamed weight repeats per tile)
  int64_t tensor_bytes = 0;
  int64_t priority = 0;     // the DRAM controller serves lower first: program position of the kernel served
  int agcu = 0;             // writes: moves the data; reads: the first target's
  std::vector<int> issuers; // reads: AGCUs a tile's requests go through (a weight's slices: each its own)
  std::vector<DramTarget> targets;  // reads
  int source = -1;          // writes: the staging buffer
  PathPlan path;            // writes: PMU -> AGCU
};

struct AgcuItem {
  int unit = 0;
  int track = 0;
};

struct SectionPlan {
  int section = 0;
  std::string name;
  std::vector<KernelItem> kernels;
  std::vector<BufferItem> buffers;
  std::vector<DramStreamItem> dram_streams;
  std::vector<AgcuItem> agcus;
  std::vector<LinkPlan> links;
  std::vector<std::string> notes;
};

// Where each program tensor lives in DRAM: tier and address (views alias
// their input). Tensors fill the first tier in program order, then the next.
struct DramLayout {
  std::vector<int> tier;
  std::vector<int64_t> address;
};
DramLayout lay_out_dram(const compile::SpatialProgram& sp, const CycleSpec& spec);

// `access` (may be null) gives each kernel input's bank-conflict factor from
// the Pattern IR's strides (access.h); without it every read is unit-stride.
SectionPlan plan_section(const compile::SpatialProgram& sp, int section, const CycleSpec& spec,
                         const DramLayout& layout, const AccessFacts* access);

// Lanes of one vector access that fall on the busiest bank when consecutive
// lanes are `stride` words apart in a PMU of `banks` word-interleaved banks.
int bank_conflict_degree(int64_t stride, int lanes, int banks);

}  // namespace tessera::sim::cycle
