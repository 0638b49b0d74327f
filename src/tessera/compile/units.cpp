// units: materialises each section as virtual units and the streams between
// them. A kernel becomes `par` copies of a chain of PCUs (stage i feeds stage
// i+1), its PMUs (resident weight slices, a double-buffered tile for each
// input, a staging buffer for each output leaving the section) and, per
// section, AGCUs that move DRAM traffic in and out of PMUs. A tensor produced
// and consumed in the same section streams from the producer's last stages
// straight into the consumer's input buffer.
// Needs: parallelize. Guarantees: per section, PCU/PMU/AGCU virtual units
// within the chip's counts; every stream's ends are units of its section.
#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>

#include "tessera/compile/compile.h"
#include "tessera/compile/cost_model.h"
#include "tessera/support/error.h"

namespace tessera::compile {
namespace {

class SectionBuilder {
 public:
  SectionBuilder(SpatialProgram& sp, const Section& s) : sp_(sp), s_(s), members_(s.kernels.begin(), s.kernels.end()) {}

  void run() {
    for (int k : s_.kernels)
      if (!sp_.kernels[k].view) add_kernel(k);
    for (int k : s_.kernels)
      if (!sp_.kernels[k].view) connect_outputs(k);
    add_dram();
  }

 private:
  std::function<bool(int)> inside() const {
    return [this](int c) { return members_.count(c) != 0; };
  }

  int unit(UnitKind kind, int kernel, std::string role) {
    sp_.units.push_back({kind, s_.id, kernel, std::move(role)});
    return static_cast<int>(sp_.units.size() - 1);
  }

  // Demand at the section's rate: every stream of a section is spread over the
  // section's run, which is at least its slowest kernel and its DRAM time.
  void stream(int src, int dst, int64_t bytes, int64_t /*kernel_cycles*/) {
    const double vectors = static_cast<double>(bytes) / (sp_.chip.pcu_lanes * sp_.chip.element_bytes);
    sp_.streams.push_back({src, dst, s_.id, bytes, vectors / static_cast<double>(section_cycles())});
  }

  int64_t section_cycles() const {
    int64_t cycles = 1;
    for (int k : s_.kernels) cycles = std::max(cycles, sp_.kernels[k].compute_cycles);
    if (sp_.chip.dram_bytes_per_cycle > 0)
      cycles = std::max(cycles, static_cast<int64_t>(static_cast<double>(s_.dram_read_bytes + s_.dram_write_bytes) /
                                                     sp_.chip.dram_bytes_per_cycle));
    return cycles;
  }

  void add_kernel(int k) {
    const KernelPlan& kp = sp_.kernels[k];
    auto& stages = stages_[k];
    for (int p = 0; p < kp.par; ++p) {
      stages.emplace_back();
      for (int c = 0; c < kp.chain; ++c)
        stages.back().push_back(unit(UnitKind::PCU, k, fmt::format("stage {}/{} copy {}", c + 1, kp.chain, p + 1)));
      for (int c = 0; c + 1 < kp.chain; ++c)
        stream(stages.back()[c], stages.back()[c + 1], kp.elements * 4 / std::max(kp.par, 1), kp.compute_cycles);
    }
    for (int32_t t : kp.inputs) {
      const TensorInfo& ti = sp_.tensors[t];
      const int32_t r = storage_root(sp_, t);
      const int producer = sp_.tensors[r].producer;
      const bool on_chip = producer >= 0 && members_.count(producer);
      const char* what = sp_.tensors[r].weight ? "weight" : "in";
      const int n = input_pmus(sp_, t, inside(), kp.weights_resident);
      std::vector<int> buffers;
      for (int i = 0; i < n; ++i)
        buffers.push_back(unit(UnitKind::PMU, k, n > 1 ? fmt::format("{} {} [{}/{}]", what, ti.name, i + 1, n)
                                                       : fmt::format("{} {}", what, ti.name)));
      for (int p = 0; p < kp.par; ++p) {
        const int b = buffers[static_cast<size_t>(p) % buffers.size()];
        stream(b, stages[p].front(), ti.bytes / std::max<int64_t>(kp.par, n), kp.compute_cycles);
      }
      if (buffers.size() > static_cast<size_t>(kp.par))  // slices no copy reads directly still feed copy 1
        for (size_t b = kp.par; b < buffers.size(); ++b) stream(buffers[b], stages[0].front(), ti.bytes / n, kp.compute_cycles);
      if (on_chip) on_chip_inputs_[r].push_back(buffers.front());
      else dram_inputs_.push_back({r, buffers});
    }
  }

  // Every copy sends its share of an output to each consumer buffer in the
  // section; an output leaving the section is striped over staging PMUs.
  void connect_outputs(int k) {
    const KernelPlan& kp = sp_.kernels[k];
    const int par = std::max(kp.par, 1);
    for (int32_t t : kp.outputs) {
      const TensorInfo& ti = sp_.tensors[t];
      std::vector<int> consumers;
      if (auto it = on_chip_inputs_.find(t); it != on_chip_inputs_.end()) consumers = it->second;
      const bool leaves = leaves_section(sp_, t, inside());
      const int n = output_pmus(sp_, t, inside());
      TESSERA_CHECK(leaves || (n == 0) == !consumers.empty(), "output {} of {}: {} PMUs but {} consumers in section {}",
                    ti.name, kp.name, n, consumers.size(), s_.name);
      std::vector<int> stripes;
      for (int i = 0; i < n; ++i) {
        stripes.push_back(unit(UnitKind::PMU, k, n > 1 ? fmt::format("out {} [{}/{}]", ti.name, i + 1, n)
                                                       : fmt::format("out {}", ti.name)));
        if (leaves) dram_outputs_.push_back({t, stripes.back(), n});
      }
      for (int p = 0; p < par; ++p)
        for (int c : consumers) stream(stages_[k][p].back(), c, ti.bytes / par, kp.compute_cycles);
      const size_t links = std::max<size_t>(stripes.size(), static_cast<size_t>(par));
      for (size_t i = 0; i < links && !stripes.empty(); ++i)
        stream(stages_[k][i % par].back(), stripes[i % stripes.size()], ti.bytes / static_cast<int64_t>(links),
               kp.compute_cycles);
    }
  }

  void add_dram() {
    const int agcus = sp_.chip.count(UnitKind::AGCU);
    size_t n_streams = dram_outputs_.size();  // one AGCU per DRAM buffer while the chip has them
    for (const auto& in : dram_inputs_) n_streams += in.second.size();
    if (n_streams == 0) return;
    TESSERA_CHECK(agcus > 0, "chip {} has no AGCUs but section {} moves DRAM data", sp_.chip.name, s_.name);
    std::vector<int> ag;
    for (size_t i = 0; i < std::min<size_t>(n_streams, static_cast<size_t>(agcus)); ++i)
      ag.push_back(unit(UnitKind::AGCU, -1, fmt::format("dram port {}", i + 1)));
    size_t next = 0;
    int64_t cycles = 1;
    for (int k : s_.kernels) cycles = std::max(cycles, sp_.kernels[k].compute_cycles);
    for (const auto& [t, buffers] : dram_inputs_)
      for (int b : buffers) stream(ag[next++ % ag.size()], b, sp_.tensors[t].bytes / static_cast<int64_t>(buffers.size()), cycles);
    for (const auto& o : dram_outputs_)
      stream(o.staging, ag[next++ % ag.size()], sp_.tensors[o.tensor].bytes / o.stripes, cycles);
  }

  SpatialProgram& sp_;
  const Section& s_;
  std::set<int> members_;
  std::map<int, std::vector<std::vector<int>>> stages_;      // kernel -> copy -> chain of PCU units
  std::map<int32_t, std::vector<int>> on_chip_inputs_;       // tensor -> consumer input buffers
  std::vector<std::pair<int32_t, std::vector<int>>> dram_inputs_;
  struct DramOutput {
    int32_t tensor;
    int staging;
    int stripes;
  };
  std::vector<DramOutput> dram_outputs_;
};

}  // namespace

void build_units(PassContext& ctx) {
  SpatialProgram& sp = ctx.out;
  sp.units.clear();
  sp.streams.clear();
  for (Section& s : sp.sections) {
    const size_t first = sp.units.size();
    SectionBuilder(sp, s).run();
    const int planned_pmus = s.pmus;  // tile's count, from the estimate sectioning fused by
    s.pcus = s.pmus = s.agcus = 0;
    for (size_t u = first; u < sp.units.size(); ++u) {
      switch (sp.units[u].kind) {
        case UnitKind::PCU: ++s.pcus; break;
        case UnitKind::PMU: ++s.pmus; break;
        case UnitKind::AGCU: ++s.agcus; break;
      }
    }
    TESSERA_CHECK(s.pmus == planned_pmus, "section {}: {} PMU units but tiling planned {}", s.name, s.pmus,
                  planned_pmus);
    for (UnitKind k : {UnitKind::PCU, UnitKind::PMU, UnitKind::AGCU}) {
      const int used = k == UnitKind::PCU ? s.pcus : k == UnitKind::PMU ? s.pmus : s.agcus;
      if (used > sp.chip.count(k))
        fail("section {} needs {} {}s but {} has {} ({} short)", s.name, used, name(k), sp.chip.name,
             sp.chip.count(k), used - sp.chip.count(k));
    }
  }
}

}  // namespace tessera::compile
