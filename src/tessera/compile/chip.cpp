#include "tessera/compile/chip.h"

#include <cmath>

#include "tessera/arch/derived.h"
#include "tessera/support/error.h"

namespace tessera::compile {

Chip chip_from_arch(const arch::ArchSpec& a, arch::Precision precision) {
  if (a.kind != arch::ArchKind::Rda)
    fail("'{}' is a {} model (kernel by kernel), not a dataflow chip: there is nothing to place; "
         "simulate it with 'tessera sim' instead", a.name, arch::kind_name(a.kind));
  auto packing = a.pcu.ops_per_lane.find(precision);
  if (packing == a.pcu.ops_per_lane.end() || packing->second <= 0)
    fail("'{}' PCUs do not compute in {}", a.name, arch::precision_name(precision));
  Chip c;
  c.name = a.name;
  const int tiles = a.grid.tiles();
  const int tiles_x = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(tiles))));
  const int tiles_y = (tiles + tiles_x - 1) / tiles_x;
  const int block_rows = a.grid.rows + 2, block_cols = a.grid.cols + 2;
  c.rows = tiles_y * block_rows;
  c.cols = tiles_x * block_cols;
  for (int t = 0; t < tiles; ++t) {
    const int r0 = (t / tiles_x) * block_rows + 1, c0 = (t % tiles_x) * block_cols + 1;
    for (int r = 0; r < a.grid.rows; ++r)
      for (int col = 0; col < a.grid.cols; ++col)
        c.sites.push_back({arch::unit_at(a.grid, r, col) == arch::UnitKind::Pcu ? UnitKind::PCU : UnitKind::PMU,
                           r0 + r, c0 + col});
  }
  for (const arch::AgcuSite& s : arch::agcu_sites(a)) {
    const int r0 = (s.tile / tiles_x) * block_rows + 1, c0 = (s.tile % tiles_x) * block_cols + 1;
    c.sites.push_back({UnitKind::AGCU, r0 + s.row, c0 + s.col});
  }
  c.pcu_lanes = static_cast<int>(std::lround(a.pcu.lanes * packing->second));
  c.pcu_stages = a.pcu.stages;
  c.pmu_bytes = a.pmu.capacity_kib * 1024;
  c.pmu_banks = a.pmu.banks;
  c.link_vectors_per_cycle = std::max(1, a.network.static_links.vector_links);
  c.hop_latency_cycles = std::max(1, a.network.static_links.hop_latency_cycles);
  c.clock_ghz = a.clock_ghz;
  c.dram_bytes_per_cycle = arch::dram_bandwidth_gbps(a) / a.clock_ghz;
  c.dram_capacity_bytes = static_cast<int64_t>(arch::dram_capacity_gib(a) * 1073741824.0);
  c.element_bytes = precision == arch::Precision::Fp32 || precision == arch::Precision::Int32 ? 4
                    : precision == arch::Precision::Int8                                    ? 1
                                                                                             : 2;
  return c;
}

}  // namespace tessera::compile
