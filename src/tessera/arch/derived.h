// Figures derived from an ArchSpec: unit counts and positions from the grid,
// peak FLOPS, SRAM and DRAM bandwidth. These are computed here and only here,
// never typed in a spec file, so a change to a unit parameter flows through to
// every printed figure. docs/arch.md works the arithmetic out for each preset.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "tessera/arch/spec.h"

namespace tessera::arch {

// Units of one kind over the whole grid (all dies and tiles).
int64_t grid_unit_count(const GridSpec& g, UnitKind kind);
// Switches over the whole grid: one at every corner of every unit cell.
int64_t grid_switch_count(const GridSpec& g);
// The unit at (row, col) of any tile.
UnitKind unit_at(const GridSpec& g, int row, int col);

// Bandwidth of `channels` channels of `bus_bits` bits at `data_rate_mtps`, in GB/s.
double channel_bandwidth_gbps(int channels, int bus_bits, double data_rate_mtps);

// Peak in TFLOPS (tera-ops for integer precisions); 0 when unsupported.
// rda: PCUs × lanes × stages × 2 (multiply-add) × clock × ops_per_lane.
// roofline: the spec-sheet figure.
double peak_tflops(const ArchSpec& a, Precision p);
// The precision with the highest peak (the chip's headline figure).
Precision headline_precision(const ArchSpec& a);
// On-chip memory: PMUs × capacity (rda) or the cache (roofline).
int64_t sram_bytes(const ArchSpec& a);
double sram_mib(const ArchSpec& a);
// The primary (first) DRAM tier's bandwidth, GB/s.
double dram_bandwidth_gbps(const ArchSpec& a);
double dram_capacity_gib(const ArchSpec& a);  // all tiers
// Stages the cross-lane reduction tree takes: log2(lanes).
int reduction_tree_stages(const PcuSpec& p);

// Area and busy power of every unit on the chip (rda; the energy table × counts).
double units_area_mm2(const ArchSpec& a);
double units_active_power_w(const ArchSpec& a);

// An AGCU beside a tile's fringe: `row`/`col` is just outside the tile's
// rows × cols cells (row -1 is north of row 0, col == cols is east of the last column).
struct AgcuSite {
  int tile;
  Edge edge;
  int row;
  int col;
};
// Spread evenly: count / tiles per tile, then evenly over the listed edges.
std::vector<AgcuSite> agcu_sites(const ArchSpec& a);

}  // namespace tessera::arch
