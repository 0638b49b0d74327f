// Architecture specs: the chip a program is compiled for and simulated on.
// A spec is parsed once from YAML (a preset or a user's file) into these plain
// structs, every field resolved to a plain integer or double in the unit its
// name says, and never changed afterwards: pass `const ArchSpec&`. Figures that
// follow from others (unit counts, peak FLOPS, SRAM, DRAM bandwidth) are never
// typed in a file; counts are filled in from the grid by the parser and the
// rest are computed by derived.h.
//
// Two kinds: `Rda` (a grid of PCUs and PMUs joined by switches, the machine
// Tessera compiles for) and `Roofline` (a GPU/TPU modelled kernel by kernel
// from its spec-sheet peaks). For a roofline spec only `roofline`, `dram`,
// `energy` and `chip` carry meaning; the fabric structs stay zero.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/support/dtype.h"

namespace tessera::arch {

enum class ArchKind { Rda, Roofline };
// Arithmetic formats a unit can compute in (arch-level: bf16 has no tensor DType yet).
enum class Precision { Fp32, Bf16, Fp16, Int32, Int8 };
enum class UnitKind { Pcu, Pmu };
enum class Edge { North, South, East, West };
enum class GridPattern { Checkerboard };

// Fixed orders, so that every printed table and JSON object is deterministic.
inline constexpr Precision kPrecisions[] = {Precision::Fp32, Precision::Bf16, Precision::Fp16,
                                            Precision::Int32, Precision::Int8};
inline constexpr Edge kEdges[] = {Edge::North, Edge::South, Edge::East, Edge::West};

std::string_view kind_name(ArchKind k);          // rda roofline
std::string_view precision_name(Precision p);    // fp32 bf16 fp16 int32 int8
std::string_view unit_kind_name(UnitKind u);     // pcu pmu
std::string_view edge_name(Edge e);              // north south east west
std::string_view pattern_name(GridPattern p);    // checkerboard
std::optional<Precision> parse_precision(std::string_view name);
// The precision a tensor element type computes in on the chip (none for f64, bool, ...).
std::optional<Precision> precision_of(DType t);

struct ChipSpec {
  int process_nm = 0;      // 0: not stated
  double area_mm2 = 0;     // 0: not stated
  double max_power_w = 0;  // 0: not stated
};

// The fabric: dies × tiles_per_die tiles, each rows × cols units. In a
// checkerboard, unit (r, c) is `origin` when r + c is even and the other kind
// otherwise; a switch sits at every corner, (rows + 1) × (cols + 1) per tile.
struct GridSpec {
  int dies = 0;
  int tiles_per_die = 0;
  int rows = 0;  // per tile
  int cols = 0;  // per tile
  GridPattern pattern = GridPattern::Checkerboard;
  UnitKind origin = UnitKind::Pcu;
  int tiles() const { return dies * tiles_per_die; }
};

// Pattern compute unit: a SIMD pipeline of `lanes` lanes and `stages` stages.
struct PcuSpec {
  int64_t count = 0;  // from the grid
  int lanes = 0;
  int lane_bits = 0;
  int stages = 0;
  int registers_per_stage = 0;  // pipeline registers per lane per stage
  bool reduction_tree = false;  // cross-lane reduction over log2(lanes) stages
  bool systolic = false;        // can also run as a systolic array
  // Operations per lane per stage per cycle, for each supported precision.
  std::map<Precision, double> ops_per_lane;
};

// Pattern memory unit: a banked scratchpad with its own address pipeline.
struct PmuSpec {
  int64_t count = 0;  // from the grid
  int64_t capacity_kib = 0;
  int banks = 0;
  int read_ports = 0;
  int write_ports = 0;
  int addresses_per_cycle = 0;
  bool transpose = false;  // can transpose a tile on the way out
};

// Static links are counted per switch, per direction.
struct StaticNetworkSpec {
  int vector_links = 0;
  int scalar_links = 0;
  int control_links = 0;
  int hop_latency_cycles = 0;
};

// The packet-switched network that carries DRAM traffic to and from the AGCUs.
struct DynamicNetworkSpec {
  int link_bits = 0;
  int hop_latency_cycles = 0;
};

struct NetworkSpec {
  int64_t switch_count = 0;  // from the grid
  StaticNetworkSpec static_links;
  DynamicNetworkSpec dynamic;
};

// Address generator / coalescing units at the fringe of each tile, spread evenly
// over the listed edges (derived.h gives their positions).
struct AgcuSpec {
  int64_t count = 0;
  std::vector<Edge> edges;
};

// One off-chip memory tier (e.g. HBM, then DDR). Bandwidth is derived from
// channels × bus_bits × data rate when those are given, or stated (roofline
// spec sheets); `bandwidth_gbps` is the resolved figure either way.
struct DramTier {
  std::string name;
  std::string kind;  // ddr3, ddr4, hbm2e, ... (free text)
  int channels = 0;  // 0 when the bandwidth is stated instead
  int bus_bits = 0;
  double data_rate_mtps = 0;
  double bandwidth_gbps = 0;  // GB/s = 1e9 bytes per second
  double capacity_gib = 0;
  double latency_ns = 0;
  double energy_pj_per_bit = 0;
};

struct UnitCost {
  double area_mm2 = 0;
  double active_mw = 0;  // power while the unit is busy
};

// Energy/area table. Idle units cost nothing; static_w is paid all the time.
// For roofline specs only static_w and active_w (extra power at full compute,
// DRAM excluded) are used.
struct EnergySpec {
  double static_w = 0;
  double active_w = 0;                 // roofline only
  double network_pj_per_bit_hop = 0;   // rda only
  UnitCost pcu, pmu, switch_unit, agcu;  // rda only
};

struct RooflineSpec {
  std::map<Precision, double> peak_tflops;  // spec-sheet peaks (the only typed peaks)
  double cache_mib = 0;                      // on-chip L2 / cache
  double launch_overhead_us = 0;             // per kernel
};

struct ArchSpec {
  std::string name;
  std::string description;
  std::string source;  // file it was read from ("examples/arch/sn10.yaml" for presets)
  ArchKind kind = ArchKind::Rda;
  double clock_ghz = 0;  // 0: not stated (roofline)
  ChipSpec chip;
  GridSpec grid;
  PcuSpec pcu;
  PmuSpec pmu;
  NetworkSpec network;
  AgcuSpec agcu;
  std::vector<DramTier> dram;  // first tier is the primary one
  EnergySpec energy;
  RooflineSpec roofline;
};

// Parses YAML text; `file` names it in error messages. Throws tessera::Error
// "FILE:LINE: key 'x': problem; fix" for anything malformed or inconsistent.
ArchSpec parse_arch(std::string_view yaml_text, const std::string& file);
// Reads and parses a YAML file.
ArchSpec load_arch_file(const std::string& path);
// A preset name (see presets.h) or a path to a YAML file. A name that is neither
// fails with the list of presets. A path (contains '/' or ends in .yaml/.yml) is
// always read as a file; anything else is a preset name first.
ArchSpec load_arch(const std::string& name_or_path);

}  // namespace tessera::arch
