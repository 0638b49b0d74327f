// tile: strip-mines each kernel's output (a folded reduction's input too)
// into tiles that fit a PMU (double buffered) and, in a fused section, into
// at least a few tiles per stage of its pipeline, decides which weights stay
// resident in PMUs, counts PMUs per kernel and the DRAM traffic of every
// kernel and section. A tensor read by
// several kernels of a section is read from DRAM once; a streamed weight is
// re-read once per output tile. Views alias their input (no traffic of their own).
// Needs: section. Guarantees: pmus, tiles, tile_elements, weights_resident and
// dram bytes set on every kernel; section totals; DRAM capacity checked.
#include <algorithm>
#include <bit>
#include <map>
#include <set>

#include <fmt/format.h>

#include "tessera/compile/compile.h"
#include "tessera/compile/cost_model.h"
#include "tessera/support/checked.h"
#include "tessera/support/error.h"

namespace tessera::compile {
namespace {

// Weights and inputs stay in DRAM throughout; an activation lives from its
// producer to its last consumer (program order). The peak must fit.
void check_dram_capacity(const SpatialProgram& sp) {
  int64_t resident = 0;
  std::vector<int64_t> freed_after(sp.kernels.size() + 1, 0), born_at(sp.kernels.size() + 1, 0);
  for (size_t t = 0; t < sp.tensors.size(); ++t) {
    const TensorInfo& ti = sp.tensors[t];
    if (ti.producer >= 0 && sp.kernels[ti.producer].view) continue;  // aliases its input
    if (ti.producer < 0) {
      resident = checked_add(resident, ti.bytes, "the DRAM the model's weights and inputs need");
      continue;
    }
    born_at[ti.producer] = checked_add(born_at[ti.producer], ti.bytes, "the DRAM the model's activations need");
    int last = ti.producer;
    for (int c : ti.consumers) last = std::max(last, c);
    if (!ti.graph_output) freed_after[last] = checked_add(freed_after[last], ti.bytes, "the DRAM the model's activations need");
  }
  int64_t live = 0, peak = 0;
  for (size_t k = 0; k < sp.kernels.size(); ++k) {
    live = checked_add(live, born_at[k], "the DRAM the model's activations need");
    peak = std::max(peak, live);
    live -= freed_after[k];
  }
  const int64_t total = checked_add(resident, peak, "the DRAM the model needs");
  if (sp.chip.dram_capacity_bytes > 0 && total > sp.chip.dram_capacity_bytes)
    fail("the model needs {:.3g} GB of DRAM ({:.3g} GB of weights and inputs, {:.3g} GB of live activations at "
         "the peak) but {} has {:.3g} GB ({:.3g} GB short); use a smaller batch or sequence",
         total / 1e9, resident / 1e9, peak / 1e9, sp.chip.name, sp.chip.dram_capacity_bytes / 1e9,
         (total - sp.chip.dram_capacity_bytes) / 1e9);
}

// A section pipelines its stages tile by tile (its DRAM read, each kernel,
// its DRAM write): with fewer tiles than a few times its stages, each stage
// would mostly wait for the one before it. The count is rounded up to a power
// of two so that tiles of power-of-two tensors fall on DRAM burst boundaries.
constexpr int64_t kTilesPerStage = 4;

int64_t pipeline_tiles(int64_t stages) {
  return static_cast<int64_t>(std::bit_ceil(static_cast<uint64_t>(kTilesPerStage * (stages + 2))));
}

// The stages a tile passes through in series: the longest chain of kernels
// of the section that feed one another (views are no stage). Kernels side by
// side, as a model's parallel branches or a step's per-weight updates, fill
// at the same time and add no depth.
int64_t pipeline_depth(const SpatialProgram& sp, const Section& s, const std::set<int>& members) {
  std::map<int, int64_t> depth;
  int64_t deepest = 0;
  for (int k : s.kernels) {
    const KernelPlan& kp = sp.kernels[k];
    int64_t before = 0;
    for (int32_t t : kp.inputs) {
      const int p = sp.tensors[t].producer;
      if (p >= 0 && members.count(p)) before = std::max(before, depth[p]);
    }
    depth[k] = before + (kp.view ? 0 : 1);
    deepest = std::max(deepest, depth[k]);
  }
  return deepest;
}

}  // namespace

void tile(PassContext& ctx) {
  SpatialProgram& sp = ctx.out;
  check_dram_capacity(sp);
  const int64_t pmus = sp.chip.count(UnitKind::PMU);
  const int64_t half_pmu = std::max<int64_t>(1, sp.chip.pmu_bytes / 2);
  for (Section& s : sp.sections) {
    std::set<int> members(s.kernels.begin(), s.kernels.end());
    auto inside = [&](int k) { return members.count(k) != 0; };
    int64_t resident_total = 0;
    for (int k : s.kernels) resident_total += pmus_needed(sp, sp.kernels[k], inside, true);
    const bool resident = resident_total <= pmus;
    const int64_t depth = pipeline_depth(sp, s, members);
    std::set<int32_t> read, written;
    s.pmus = 0;
    s.dram_read_bytes = s.dram_write_bytes = 0;
    for (int k : s.kernels) {
      KernelPlan& kp = sp.kernels[k];
      kp.weights_resident = resident;
      kp.pmus = pmus_needed(sp, kp, inside, resident);
      int64_t out_bytes = 0;
      const std::string what = "the DRAM traffic of kernel " + kp.name;
      for (int32_t t : kp.outputs) out_bytes = checked_add(out_bytes, sp.tensors[t].bytes, what);
      // A folded reduction reads far more than it writes: its tiles also
      // step over the reduced axis so that an input tile fits a PMU too (the
      // PCU accumulates across them).
      int64_t tiled_bytes = out_bytes;
      if (kp.folded)
        for (int32_t t : kp.inputs)
          if (!sp.tensors[t].weight) tiled_bytes = std::max(tiled_bytes, sp.tensors[t].bytes);
      kp.tiles = kp.view ? 1 : std::max<int64_t>(1, (tiled_bytes + half_pmu - 1) / half_pmu);
      if (!kp.view && resident) {
        const int64_t vectors = std::max<int64_t>(1, kp.elements / sp.chip.pcu_lanes);
        kp.tiles = std::max(kp.tiles, std::min(vectors, pipeline_tiles(depth)));
      }
      kp.tile_elements = (kp.elements + kp.tiles - 1) / kp.tiles;
      kp.dram_read_bytes = kp.dram_write_bytes = 0;
      if (kp.view) continue;
      for (int32_t t : kp.inputs) {
        const int32_t r = storage_root(sp, t);
        const int producer = sp.tensors[r].producer;
        if (producer >= 0 && inside(producer)) continue;  // streamed on chip
        const TensorInfo& ti = sp.tensors[r];
        if (ti.weight && !resident) {
          const int64_t streamed = checked_mul(ti.bytes, kp.tiles, what);
          kp.dram_read_bytes = checked_add(kp.dram_read_bytes, streamed, what);
          s.dram_read_bytes = checked_add(s.dram_read_bytes, streamed, what);
        } else if (read.insert(r).second) {
          kp.dram_read_bytes = checked_add(kp.dram_read_bytes, ti.bytes, what);
          s.dram_read_bytes = checked_add(s.dram_read_bytes, ti.bytes, what);
        }
      }
      for (int32_t t : kp.outputs) {
        const TensorInfo& ti = sp.tensors[t];
        const bool leaves = leaves_section(sp, t, inside);
        if (leaves && written.insert(t).second) {
          kp.dram_write_bytes = checked_add(kp.dram_write_bytes, ti.bytes, what);
          s.dram_write_bytes = checked_add(s.dram_write_bytes, ti.bytes, what);
        }
      }
      s.pmus += kp.pmus;
    }
  }
}

}  // namespace tessera::compile
