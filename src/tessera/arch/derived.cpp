#include "tessera/arch/derived.h"

#include "tessera/support/checked.h"
#include "tessera/support/error.h"

namespace tessera::arch {

int64_t grid_unit_count(const GridSpec& g, UnitKind kind) {
  const int64_t cells = int64_t{g.rows} * g.cols;
  // Even cells ((r + c) even) hold the origin kind; with an odd cell count they are one more.
  const int64_t per_tile = kind == g.origin ? (cells + 1) / 2 : cells / 2;
  return per_tile * g.tiles();
}

int64_t grid_switch_count(const GridSpec& g) { return int64_t{g.rows + 1} * (g.cols + 1) * g.tiles(); }

UnitKind unit_at(const GridSpec& g, int row, int col) {
  TESSERA_CHECK(row >= 0 && row < g.rows && col >= 0 && col < g.cols, "({}, {}) outside {}x{}", row, col,
                g.rows, g.cols);
  if ((row + col) % 2 == 0) return g.origin;
  return g.origin == UnitKind::Pcu ? UnitKind::Pmu : UnitKind::Pcu;
}

double channel_bandwidth_gbps(int channels, int bus_bits, double data_rate_mtps) {
  // bits / 8 bytes per transfer × 1e6 transfers per second, in 1e9 bytes per second.
  return channels * (bus_bits / 8.0) * data_rate_mtps / 1000.0;
}

double peak_tflops(const ArchSpec& a, Precision p) {
  if (a.kind == ArchKind::Roofline) {
    auto it = a.roofline.peak_tflops.find(p);
    return it == a.roofline.peak_tflops.end() ? 0.0 : it->second;
  }
  auto it = a.pcu.ops_per_lane.find(p);
  if (it == a.pcu.ops_per_lane.end()) return 0.0;
  const double flops_per_cycle = static_cast<double>(a.pcu.count) * a.pcu.lanes * a.pcu.stages * 2 * it->second;
  return flops_per_cycle * a.clock_ghz * 1e9 / 1e12;
}

Precision headline_precision(const ArchSpec& a) {
  Precision best = Precision::Fp32;
  // Ties go to the narrower format: that is the figure a vendor quotes.
  for (Precision p : {Precision::Bf16, Precision::Fp16})
    if (peak_tflops(a, p) >= peak_tflops(a, best) && peak_tflops(a, p) > 0) best = p;
  return best;
}

int64_t sram_bytes(const ArchSpec& a) {
  if (a.kind == ArchKind::Roofline) return static_cast<int64_t>(a.roofline.cache_mib * 1024 * 1024);
  return checked_mul(checked_mul(a.pmu.count, a.pmu.capacity_kib, "the chip's SRAM"), 1024, "the chip's SRAM");
}

double sram_mib(const ArchSpec& a) { return static_cast<double>(sram_bytes(a)) / (1024.0 * 1024.0); }

double dram_bandwidth_gbps(const ArchSpec& a) { return a.dram.empty() ? 0.0 : a.dram.front().bandwidth_gbps; }

double dram_capacity_gib(const ArchSpec& a) {
  double total = 0;
  for (const auto& t : a.dram) total += t.capacity_gib;
  return total;
}

int reduction_tree_stages(const PcuSpec& p) {
  int stages = 0;
  while ((1 << stages) < p.lanes) ++stages;
  return stages;
}

double units_area_mm2(const ArchSpec& a) {
  const EnergySpec& e = a.energy;
  return a.pcu.count * e.pcu.area_mm2 + a.pmu.count * e.pmu.area_mm2 +
         a.network.switch_count * e.switch_unit.area_mm2 + a.agcu.count * e.agcu.area_mm2;
}

double units_active_power_w(const ArchSpec& a) {
  const EnergySpec& e = a.energy;
  const double mw = a.pcu.count * e.pcu.active_mw + a.pmu.count * e.pmu.active_mw + a.agcu.count * e.agcu.active_mw;
  return mw / 1000.0;
}

std::vector<AgcuSite> agcu_sites(const ArchSpec& a) {
  std::vector<AgcuSite> sites;
  const GridSpec& g = a.grid;
  if (a.agcu.edges.empty() || g.tiles() == 0) return sites;
  const int per_edge = static_cast<int>(a.agcu.count / g.tiles() / static_cast<int64_t>(a.agcu.edges.size()));
  for (int tile = 0; tile < g.tiles(); ++tile)
    for (Edge edge : a.agcu.edges) {
      const bool vertical = edge == Edge::East || edge == Edge::West;
      const int length = vertical ? g.rows : g.cols;
      for (int i = 0; i < per_edge; ++i) {
        const int along = (2 * i + 1) * length / (2 * per_edge);  // centred in equal slices
        const int across = (edge == Edge::North || edge == Edge::West) ? -1 : (vertical ? g.cols : g.rows);
        sites.push_back(vertical ? AgcuSite{tile, edge, along, across} : AgcuSite{tile, edge, across, along});
      }
    }
  return sites;
}

}  // namespace tessera::arch
