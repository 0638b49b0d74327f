#include "tessera/compile/cost_model.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "tessera/support/checked.h"

namespace tessera::compile {

double lane_efficiency(const KernelPlan& k, const Chip& chip) {
  const int64_t lanes = chip.pcu_lanes;
  const int64_t padded = (k.inner + lanes - 1) / lanes * lanes;
  return static_cast<double>(k.inner) / static_cast<double>(padded);
}

bool over_stages(const KernelPlan& k) { return k.contraction || k.folded; }

int chain_length(const KernelPlan& k, const Chip& chip) {
  if (k.view || over_stages(k)) return 1;
  return std::max(1, (k.ops_per_element + chip.pcu_stages - 1) / chip.pcu_stages);
}

int64_t max_parallelism(const KernelPlan& k, const Chip& chip) {
  const int64_t vectors = (k.elements + chip.pcu_lanes - 1) / chip.pcu_lanes;
  if (!over_stages(k)) return std::max<int64_t>(1, vectors);
  const int64_t per_element = std::max<int64_t>(1, k.ops_per_element / chip.pcu_stages);
  int64_t par = 0;
  if (__builtin_mul_overflow(vectors, per_element, &par) || par > kMaxCount)
    fail_overflow("the parallelism of kernel " + k.name);
  return std::max<int64_t>(1, par);
}

int64_t compute_cycles(const KernelPlan& k, const Chip& chip, int par) {
  if (k.view) return 0;
  const double lanes = chip.pcu_lanes * lane_efficiency(k, chip);
  double cycles;
  if (over_stages(k)) cycles = static_cast<double>(k.fu_ops) / (par * lanes * chip.pcu_stages);
  else cycles = static_cast<double>(k.elements) / (par * lanes);
  if (!(cycles <= static_cast<double>(kMaxCount))) fail_overflow("the compute cycles of kernel " + k.name);
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(cycles)));
}

int dram_buffers(const Chip& chip) {
  const double vector_bytes = chip.pcu_lanes * 4.0;  // a 32-bit word per lane per cycle
  const int agcus = std::max(1, chip.count(UnitKind::AGCU));
  const int want = static_cast<int>(std::ceil(chip.dram_bytes_per_cycle / vector_bytes));
  return std::clamp(want, 1, agcus);
}

int64_t weight_pmus(const SpatialProgram& sp, const KernelPlan& k) {
  int64_t n = 0;
  for (int32_t t : k.inputs) {
    const TensorInfo& ti = sp.tensors[storage_root(sp, t)];
    if (ti.weight) n += std::max<int64_t>(1, (ti.bytes + sp.chip.pmu_bytes - 1) / sp.chip.pmu_bytes);
  }
  return n;
}

int input_pmus(const SpatialProgram& sp, int32_t t, const std::function<bool(int)>& in_section,
               bool weights_resident) {
  const int32_t r = storage_root(sp, t);
  const TensorInfo& ti = sp.tensors[r];
  if (ti.weight) return weights_resident ? static_cast<int>(std::min<int64_t>(
                                               std::max<int64_t>(1, (ti.bytes + sp.chip.pmu_bytes - 1) / sp.chip.pmu_bytes),
                                               1 << 30))
                                         : 1;
  if (ti.producer >= 0 && in_section(ti.producer)) return 1;  // on-chip stream
  return dram_buffers(sp.chip);  // striped so the stream can take the DRAM's full rate
}

int output_pmus(const SpatialProgram& sp, int32_t t, const std::function<bool(int)>& in_section) {
  if (leaves_section(sp, t, in_section)) return dram_buffers(sp.chip);
  return read_in_section(sp, t, in_section) ? 0 : 1;
}

int pmus_needed(const SpatialProgram& sp, const KernelPlan& k, const std::function<bool(int)>& in_section,
                bool weights_resident) {
  if (k.view) return 0;
  int64_t n = 0;
  for (int32_t t : k.inputs) n += input_pmus(sp, t, in_section, weights_resident);
  for (int32_t t : k.outputs) n += output_pmus(sp, t, in_section);
  return static_cast<int>(std::min<int64_t>(n, 1 << 30));
}

bool read_in_section(const SpatialProgram& sp, int32_t t, const std::function<bool(int)>& in_section) {
  for (int c : sp.tensors[t].consumers) {
    if (!in_section(c)) continue;
    if (!sp.kernels[c].view || read_in_section(sp, sp.kernels[c].outputs.front(), in_section)) return true;
  }
  return false;
}

bool leaves_section(const SpatialProgram& sp, int32_t t, const std::function<bool(int)>& in_section) {
  const TensorInfo& ti = sp.tensors[t];
  if (ti.graph_output) return true;
  for (int c : ti.consumers) {
    if (!in_section(c)) return true;
    if (sp.kernels[c].view && leaves_section(sp, sp.kernels[c].outputs.front(), in_section)) return true;
  }
  return false;
}

int64_t resident_weight_bytes(const SpatialProgram& sp, const Section& s) {
  std::set<int32_t> seen;
  int64_t bytes = 0;
  for (int k : s.kernels) {
    const KernelPlan& kp = sp.kernels[k];
    if (kp.view || !kp.weights_resident) continue;
    for (int32_t t : kp.inputs)
      if (sp.tensors[t].weight && seen.insert(t).second)
        bytes = checked_add(bytes, sp.tensors[t].bytes, "the resident weight bytes of section " + s.name);
  }
  return bytes;
}

int32_t storage_root(const SpatialProgram& sp, int32_t t) {
  while (sp.tensors[t].producer >= 0 && sp.kernels[sp.tensors[t].producer].view)
    t = sp.kernels[sp.tensors[t].producer].inputs.front();
  return t;
}

}  // namespace tessera::compile
