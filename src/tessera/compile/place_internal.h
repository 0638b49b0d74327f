// Placement internals, shared by place*.cpp and the unit tests.
//
// One section is one placement problem: its units (local ids 0..n-1), the
// nets between them (a stream, weighted by the vectors per cycle it demands)
// and the chip's sites. The cost of a placement is
//     sum over nets of weight x Manhattan distance between the two sites
//   + kCongestionWeight x sum over static links of max(0, demand - capacity)
// where a net's demand is spread half on its XY and half on its YX path
// (DRAM nets, which ride the dynamic network, count for distance only).
#pragma once

#include <cstdint>
#include <vector>

#include "tessera/compile/spatial.h"

namespace tessera::compile {

inline constexpr double kCongestionWeight = 1.0;

struct Net {
  int a = 0, b = 0;   // local unit ids
  double weight = 0;  // pull on the wire: demand, plus a little for bytes so idle streams still pull
  double demand = 0;  // vectors per cycle on the static links (0 for DRAM nets)
  bool dram = false;
};

struct PlaceProblem {
  std::vector<int> units;              // global VirtualUnit ids, ascending
  std::vector<UnitKind> kinds;         // per local unit
  std::vector<int> kernels;            // per local unit: its kernel's position in the section, -1 for none
  std::vector<Net> nets;
  std::vector<std::vector<int>> nets_of;  // per local unit: indices into nets
  std::vector<uint64_t> shape;         // equal for sections with identical structure
};

PlaceProblem make_problem(const SpatialProgram& sp, int section);

// Local unit -> index into chip.sites.
using Placement = std::vector<int>;

double placement_cost(const PlaceProblem& p, const Chip& chip, const Placement& sites);
double wire_length(const PlaceProblem& p, const Chip& chip, const Placement& sites);

// Units of each kernel in connection order along a snake through the grid;
// AGCUs at the free AGCU site nearest the units they serve.
Placement initial_placement(const PlaceProblem& p, const Chip& chip);

struct AnnealOptions {
  uint64_t seed = 1;
  double moves_per_unit = -1;  // < 0: default_moves_per_unit
};
// Small sections get many moves per unit, large ones fewer (they are dearer per move).
double default_moves_per_unit(size_t units);
// Improves `sites` in place; never returns a placement costlier than the one given.
void anneal(const PlaceProblem& p, const Chip& chip, Placement& sites, const AnnealOptions& options);

// Deterministic PRNG (xoshiro256**, seeded through splitmix64).
class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t next();
  // Uniform in [0, n) for n > 0 (multiply-shift: no division; the bias is negligible here).
  uint64_t below(uint64_t n) { return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64); }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t s_[4];
};
uint64_t splitmix64(uint64_t& state);

}  // namespace tessera::compile
