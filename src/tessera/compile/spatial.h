// The Spatial program: a Pattern IR program laid out in space on one chip.
// Produced by the pass pipeline in compile.h, consumed by the simulator and
// the report writers. Sections run one after another (the chip is
// reconfigured between them); inside a section every kernel has its own
// PCUs and PMUs and all of them run concurrently on successive tiles.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tessera::compile {

enum class UnitKind : uint8_t { PCU, PMU, AGCU };
const char* name(UnitKind k);

// A physical unit on the grid.
struct Site {
  UnitKind kind = UnitKind::PCU;
  int row = 0, col = 0;
};

// What the compiler needs of an architecture, resolved to plain numbers
// (built from an arch::ArchSpec by chip_from_arch).
struct Chip {
  std::string name;
  int rows = 0, cols = 0;            // unit grid (switches sit between units)
  std::vector<Site> sites;           // every PCU, PMU and AGCU
  int pcu_lanes = 0, pcu_stages = 0;
  int64_t pmu_bytes = 0;
  int pmu_banks = 0;
  int link_vectors_per_cycle = 1;    // static vector links per direction between neighbours
  int hop_latency_cycles = 1;
  double clock_ghz = 1.0;
  double dram_bytes_per_cycle = 0;   // fastest DRAM tier
  int64_t dram_capacity_bytes = 0;   // all tiers
  int element_bytes = 4;             // native compute dtype (bf16: 2, fp32: 4)

  int count(UnitKind k) const;
};

// A program tensor as the chip sees it.
struct TensorInfo {
  std::string name;
  int64_t bytes = 0;        // at the chip's element size for float tensors
  int producer = -1;        // KernelPlan index, -1 for inputs and constants
  std::vector<int> consumers;
  bool weight = false;      // constant or parameter
  bool graph_input = false, graph_output = false;
};

// One kernel call mapped onto a section's units.
struct KernelPlan {
  int call = -1;            // index into pattern::Program::calls
  std::vector<int32_t> inputs, outputs;  // program tensor ids
  int section = -1;
  std::string name;         // "<kernel> (<node>)"
  std::string phase;        // training step phase of its node: "fwd", "bwd", "opt" ("" for inference)
  bool view = false;        // a reshape: no units, no time
  bool contraction = false; // reduce-add of a product (matmul, conv...)
  bool folded = false;      // a long reduction that is no contraction (mean, pooling, argmax...),
                            // mapped like one: iterations over the stages, not a chain
  int64_t flops = 0;        // pattern::count_flops
  int64_t fu_ops = 0;       // functional-unit operations (a multiply-add is one)
  int64_t elements = 0;     // points of the output iteration space
  int64_t inner = 1;        // innermost (vectorised) extent; a folded kernel's longest reduction
  int ops_per_element = 1;  // body operations one output element needs
  // Mapping decisions.
  int chain = 1;            // PCUs chained so a lane group holds every stage
  int par = 1;              // parallel copies of the chain
  int pmus = 0;             // PMUs holding its tiles, weights and outputs
  int64_t tile_elements = 0;
  int64_t tiles = 1;
  bool weights_resident = true;  // constant inputs held in PMUs (else streamed from DRAM per tile)
  int64_t compute_cycles = 0;    // at this chain x par, ignoring memory
  int64_t dram_read_bytes = 0, dram_write_bytes = 0;
  int pcus() const { return view ? 0 : chain * par; }
};

struct Section {
  int id = 0;
  std::string name;
  std::vector<int> kernels;  // KernelPlan indices, in program order
  int pcus = 0, pmus = 0, agcus = 0;
  int64_t dram_read_bytes = 0, dram_write_bytes = 0;
};

// A unit before placement.
struct VirtualUnit {
  UnitKind kind = UnitKind::PCU;
  int section = 0;
  int kernel = -1;    // KernelPlan index
  std::string role;   // e.g. "stage 1/2 copy 3", "buffer x0", "dram read w"
};

// Data moving between two virtual units of a section (on the static network)
// or between an AGCU and a unit (DRAM traffic, dynamic network).
struct Stream {
  int src = 0, dst = 0;      // VirtualUnit ids
  int section = 0;
  int64_t bytes = 0;         // total over the section's run
  double vectors_per_cycle = 0;  // demanded bandwidth at full rate
};

struct Hop {
  int row = 0, col = 0;  // switch coordinates
  bool operator==(const Hop&) const = default;
};

struct Route {
  int stream = 0;
  std::vector<Hop> hops;  // switches from source to destination, inclusive
};

struct PassTiming {
  std::string pass;
  double seconds = 0;
};

struct SpatialProgram {
  std::string model;
  std::string arch;
  int opt = 1;
  Chip chip;
  std::vector<TensorInfo> tensors;  // per program tensor
  std::vector<KernelPlan> kernels;  // per kernel call, same order
  std::vector<Section> sections;
  std::vector<VirtualUnit> units;
  std::vector<Stream> streams;
  std::vector<int> site;      // per VirtualUnit: index into chip.sites (after placement)
  std::vector<Route> routes;  // per on-chip stream (after routing)
  std::vector<PassTiming> timings;
};

}  // namespace tessera::compile
