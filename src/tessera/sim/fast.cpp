// The fast model (--mode fast) and the simulator's entry point.
//
// Sections run one after another. Inside a section every kernel runs
// concurrently on its own units, so the section takes at least the slowest
// of four rates:
//   compute  the slowest kernel at the chain x par the compiler gave it
//   PMU      the busiest PMU port, bank conflicts included (fast_bounds.h)
//   network  the most loaded static link (fast_bounds.h)
//   DRAM     the section's DRAM bytes at the tiers' bandwidth, the busiest
//            channel after 4 KiB interleaving, the requests through the
//            controller's in-flight limit (fast_plan.h), or the busiest
//            AGCU's dynamic link, whichever is slowest
// and at least the end of its pipeline (fast_plan.h): a forward pass over
// the kernels of the section plan cycle mode runs, in which a kernel starts
// when its inputs' first steps (and its resident weights, in the DRAM
// controller's order) are in, and ends no sooner than its own work, its
// producers' unbuffered work and its last input allow; then its writes
// drain. Before a section runs, the chip loads its configuration:
// kConfigBytesPerUnit per unit used, read from DRAM, plus a fixed handshake
// [A]. The section's bound names the largest term (latency when fill, drain
// and waiting exceed every rate).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "tessera/arch/derived.h"
#include "tessera/sim/access.h"
#include "tessera/sim/common.h"
#include "tessera/sim/cycle/cycle.h"
#include "tessera/sim/cycle/plan.h"
#include "tessera/sim/cycle/spec.h"
#include "tessera/sim/energy.h"
#include "tessera/sim/fast_bounds.h"
#include "tessera/sim/fast_plan.h"
#include "tessera/compile/cost_model.h"
#include "tessera/sim/sim.h"
#include "tessera/support/checked.h"
#include "tessera/support/error.h"

namespace tessera::sim {
namespace {

constexpr std::string_view kTotalCycles = "the model's simulated cycles";

using compile::KernelPlan;
using compile::Section;

class FastModel {
 public:
  FastModel(const compile::SpatialProgram& sp, const arch::ArchSpec& a, const SimOptions& o, const AccessFacts* access)
      : sp_(sp),
        a_(a),
        o_(o),
        access_(access),
        dram_(dram_model(a, sp.chip.clock_ghz, dram_footprint(sp))),
        spec_(cycle::make_cycle_spec(a, sp.chip)),
        layout_(cycle::lay_out_dram(sp, spec_)) {
    route_of_.assign(sp.streams.size(), -1);
    for (size_t r = 0; r < sp.routes.size(); ++r) route_of_[sp.routes[r].stream] = static_cast<int>(r);
    conflict_ = unit_conflict_factors(sp, access);
  }

  SimResult run() {
    SimResult r = header();
    const auto streams = streams_by_section(sp_);
    int64_t now = 0;
    for (const Section& s : sp_.sections) {
      SectionResult sr = section(s, streams[s.id]);
      if (o_.trace) trace(r, sr, now);
      now = checked_add(now, checked_add(sr.reconfig_cycles, sr.cycles, kTotalCycles), kTotalCycles);
      r.flops = checked_add(r.flops, sr.flops, "the model's FLOP count");
      r.dram_read_bytes = checked_add(r.dram_read_bytes, sr.dram_read_bytes, "the model's DRAM reads");
      r.dram_write_bytes = checked_add(r.dram_write_bytes, sr.dram_write_bytes, "the model's DRAM writes");
      r.sections.push_back(std::move(sr));
    }
    r.cycles = now;
    finish(r);
    return r;
  }

 private:
  SimResult header() const {
    SimResult r;
    r.model = sp_.model;
    r.arch = a_.name;
    r.mode = "fast";
    r.opt = sp_.opt;
    r.precision = std::string(arch::precision_name(o_.precision));
    r.clock_ghz = sp_.chip.clock_ghz;
    r.peak_tflops = arch::peak_tflops(a_, o_.precision);
    return r;
  }

  SectionResult section(const Section& s, const std::vector<int>& streams) {
    SectionResult r;
    r.name = s.name;
    r.pcu_used = s.pcus;
    r.pmu_used = s.pmus;
    r.agcu_used = s.agcus;
    r.dram_read_bytes = s.dram_read_bytes;
    r.dram_write_bytes = s.dram_write_bytes;
    double fu_ops = 0, pcu_busy = 0;
    for (int k : s.kernels) {
      const KernelPlan& kp = sp_.kernels[k];
      r.kernels.push_back(kp.name);
      if (kp.view) continue;
      r.flops = checked_add(r.flops, kp.flops, "the FLOP count of section " + s.name);
      fu_ops += static_cast<double>(kp.fu_ops);
      r.compute_cycles = std::max(r.compute_cycles, kp.compute_cycles);
      pcu_busy += static_cast<double>(kp.pcus()) * static_cast<double>(kp.compute_cycles);
    }
    const double dram_bytes = static_cast<double>(s.dram_read_bytes + s.dram_write_bytes);
    const cycle::SectionPlan plan = cycle::plan_section(sp_, s.id, spec_, layout_, access_);
    const PipelineTime pipe = pipeline_time(plan, spec_, dram_);
    const double dram = std::max({dram_.cycles(dram_bytes), pipe.channel, pipe.dram});
    const std::string what = "the simulated cycles of section " + s.name;
    r.dram_cycles = std::max(checked_count(std::ceil(dram - 1e-9), what), agcu_cycles(sp_, a_, streams));
    const PmuLoad pmu = pmu_load(sp_, a_, streams, conflict_);
    r.pmu_cycles = pmu.cycles;
    r.bank_conflicts = pmu.conflicts;
    const NetworkLoad net = network_load(sp_, a_, streams, route_of_);
    r.network_cycles = net.cycles;
    // The pipeline's end (fast_plan.h) covers weights arriving, fill, drain
    // and waiting; the shared rates bound it from below, and DRAM is done no
    // sooner than its busiest term plus the latency of the last write.
    const int64_t rates = std::max({r.compute_cycles, r.pmu_cycles, r.network_cycles, r.dram_cycles});
    const double latency = s.dram_write_bytes > 0 ? dram_.latency_cycles : 0;
    r.cycles = std::max({checked_count(std::ceil(pipe.cycles - 1e-9), what),
                         checked_count(std::ceil(static_cast<double>(r.dram_cycles) + latency), what), rates});
    r.latency_cycles = r.cycles - rates;
    r.bound = bound_of(r);
    r.reconfig_cycles = reconfiguration(r);
    if (r.cycles > 0) {
      const double cycles = static_cast<double>(r.cycles);
      r.pcu_util = fu_ops / (pcu_capacity() * cycles);
      const double ports = std::max(1, a_.pmu.read_ports) + std::max(1, a_.pmu.write_ports);
      r.pmu_util = pmu.busy_port_cycles / (sp_.chip.count(compile::UnitKind::PMU) * ports * cycles);
    }
    activity_.pcu_busy_cycles += pcu_busy;
    activity_.pmu_busy_cycles += pmu.busy_unit_cycles;
    activity_.agcu_busy_cycles += static_cast<double>(r.agcu_used) * static_cast<double>(r.dram_cycles);
    activity_.network_bit_hops += net.bit_hops;
    activity_.dram_bytes += dram_bytes;
    return r;
  }

  // Operations the whole chip's PCUs can do per cycle.
  double pcu_capacity() const {
    return static_cast<double>(sp_.chip.count(compile::UnitKind::PCU)) * sp_.chip.pcu_lanes * sp_.chip.pcu_stages;
  }


  int64_t reconfiguration(const SectionResult& r) const {
    const int64_t units = r.pcu_used + r.pmu_used + r.agcu_used;
    if (units == 0) return 0;
    const double bytes = static_cast<double>(units * kConfigBytesPerUnit);
    return kReconfigFixedCycles +
           checked_count(std::ceil(bytes / dram_.fastest_bytes_per_cycle), "the reconfiguration cycles of " + r.name);
  }

  void trace(SimResult& r, const SectionResult& s, int64_t start) const {
    if (s.reconfig_cycles > 0)
      r.trace.push_back({"reconfigure " + s.name, "sections", 'X', start, s.reconfig_cycles, 0, 0});
    const int64_t run = start + s.reconfig_cycles;
    r.trace.push_back({s.name + " (" + name(s.bound) + " bound)", "sections", 'X', run, s.cycles, 0, 0});
    if (s.cycles > 0) {
      const double gbps = static_cast<double>(s.dram_read_bytes + s.dram_write_bytes) /
                          (static_cast<double>(s.cycles) / sp_.chip.clock_ghz);
      r.trace.push_back({"DRAM bandwidth (GB/s)", "dram", 'C', run, 0, 1, gbps});
      r.trace.push_back({"DRAM bandwidth (GB/s)", "dram", 'C', run + s.cycles, 0, 1, 0});
    }
  }

  void finish(SimResult& r) const {
    finish_rda_totals(r, sp_, a_, activity_, dram_);
    if (!access_) r.notes.push_back("bank conflicts not estimated: no Pattern IR access strides were given");
    if (dram_.share.size() > 1 && dram_.share.front() < 1)
      r.notes.push_back(fmt::format("the model's {} do not fit in {}: {:.0f}% of its traffic goes to slower tiers",
                                    human_bytes(static_cast<double>(dram_footprint(sp_))), a_.dram.front().name,
                                    100 * (1 - dram_.share.front())));
  }

  const compile::SpatialProgram& sp_;
  const arch::ArchSpec& a_;
  const SimOptions& o_;
  const AccessFacts* access_;
  DramModel dram_;
  cycle::CycleSpec spec_;
  cycle::DramLayout layout_;
  std::vector<int> route_of_;
  std::vector<double> conflict_;
  Activity activity_;
};

void check_matches(const compile::SpatialProgram& sp, const arch::ArchSpec& a, const SimOptions& o) {
  if (a.kind != arch::ArchKind::Rda)
    fail("'{}' is a roofline model: simulate the Pattern IR program with simulate_roofline, not a spatial program",
         a.name);
  if (sp.arch != a.name)
    fail("the spatial program was compiled for '{}' but is simulated on '{}'; compile it for '{}'", sp.arch, a.name,
         a.name);
  if (element_bytes(o.precision) != sp.chip.element_bytes)
    fail("the spatial program was compiled for {}-byte elements but is simulated in {}; compile it in {}",
         sp.chip.element_bytes, arch::precision_name(o.precision), arch::precision_name(o.precision));
}

}  // namespace

SimResult simulate_with_access(const compile::SpatialProgram& sp, const arch::ArchSpec& a, const SimOptions& o,
                               const AccessFacts* access) {
  check_matches(sp, a, o);
  if (o.mode == Mode::Cycle) return simulate_cycle(sp, a, o, access);
  return FastModel(sp, a, o, access).run();
}

SimResult simulate(const compile::SpatialProgram& sp, const arch::ArchSpec& a, const SimOptions& o) {
  return simulate_with_access(sp, a, o, nullptr);
}

}  // namespace tessera::sim
