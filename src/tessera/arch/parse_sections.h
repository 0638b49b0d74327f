// The spec parser, one function per YAML section (internal to arch/). Each
// reads its mapping strictly (MapReader), checks what can be checked within
// the section or against sections read before it, and calls finish().
// Order matters: the grid comes first, since unit counts are checked against it.
#pragma once

#include <vector>

#include "tessera/arch/spec.h"
#include "tessera/arch/yaml_reader.h"

namespace tessera::arch::detail {

// An integer that also fits an `int` comfortably (rows, lanes, ports, ...):
// at most `max`, which is never above kMaxSmallInt.
inline constexpr int64_t kMaxSmallInt = int64_t{1} << 20;
int small_int(MapReader& m, std::string_view key, int64_t max = kMaxSmallInt, Sign sign = Sign::Positive);

// The grid's cap on units over all dies and tiles (docs/arch.md "Limits"):
// 126x SN40L's 2080, and small enough that `tessera sim` on the largest legal
// grid stays within about a second and 200 MB for a small model.
inline constexpr int64_t kMaxGridCells = int64_t{1} << 18;

// A mapping from precision names to positive figures (ops per lane, peaks), each at most `max`.
std::map<Precision, double> parse_rates(MapReader m, std::string_view example, double max = kMaxNumber);

// parse_fabric.cpp
GridSpec parse_grid(MapReader m);
PcuSpec parse_pcu(MapReader m, const GridSpec& grid);
PmuSpec parse_pmu(MapReader m, const GridSpec& grid);
NetworkSpec parse_network(MapReader m, const GridSpec& grid);
AgcuSpec parse_agcu(MapReader m, const GridSpec& grid);

// parse_memory.cpp
std::vector<DramTier> parse_dram(MapReader& top, ArchKind kind);
RooflineSpec parse_roofline(MapReader m);
ChipSpec parse_chip(MapReader m);
// Reads `energy` and checks the totals against `chip` (area, power).
EnergySpec parse_energy(MapReader m, const ArchSpec& spec);

}  // namespace tessera::arch::detail
