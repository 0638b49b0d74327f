// simulate_cycle: every section in order, each preceded by loading its
// configuration (the fast model's assumption, common.h: kConfigBytesPerUnit
// per unit used read from DRAM, plus kReconfigFixedCycles), then the totals,
// energy (energy.h, from the activity the parts counted) and notes.
#include <chrono>

#include <fmt/format.h>

#include "tessera/arch/derived.h"
#include "tessera/sim/common.h"
#include "tessera/sim/cycle/cycle.h"
#include "tessera/sim/cycle/plan.h"
#include "tessera/sim/cycle/section.h"
#include "tessera/sim/energy.h"
#include "tessera/support/checked.h"
#include "tessera/support/error.h"

namespace tessera::sim {
namespace {

using cycle::CycleSpec;

int64_t reconfig_cycles(const SectionResult& r, const DramModel& dram) {
  const int64_t units = r.pcu_used + r.pmu_used + r.agcu_used;
  if (units == 0) return 0;
  const double bytes = static_cast<double>(units * kConfigBytesPerUnit);
  return kReconfigFixedCycles + static_cast<int64_t>(std::ceil(bytes / dram.fastest_bytes_per_cycle));
}

void trace_section(std::vector<TraceEvent>& trace, const SectionResult& s, int64_t start) {
  if (s.reconfig_cycles > 0) trace.push_back({"reconfigure " + s.name, "sections", 'X', start, s.reconfig_cycles, 0, 0});
  trace.push_back({s.name + " (" + name(s.bound) + " bound)", "sections", 'X', start + s.reconfig_cycles, s.cycles, 0, 0});
}

void add_activity(Activity& act, const cycle::SectionStats& st) {
  act.pcu_busy_cycles += st.pcu_busy_cycles;
  act.pmu_busy_cycles += st.pmu_unit_cycles;
  act.agcu_busy_cycles += st.agcu_unit_cycles;
  act.network_bit_hops += st.bit_hops;
  act.dram_bytes += static_cast<double>(st.dram_read_bytes + st.dram_write_bytes);
}

SimResult header(const compile::SpatialProgram& sp, const arch::ArchSpec& a, const SimOptions& o) {
  SimResult r;
  r.model = sp.model;
  r.arch = a.name;
  r.mode = "cycle";
  r.opt = sp.opt;
  r.precision = std::string(arch::precision_name(o.precision));
  r.clock_ghz = sp.chip.clock_ghz;
  r.peak_tflops = arch::peak_tflops(a, o.precision);
  return r;
}

void finish(SimResult& r, const compile::SpatialProgram& sp, const arch::ArchSpec& a, const Activity& act,
            const DramModel& dram) {
  finish_rda_totals(r, sp, a, act, dram);
}

}  // namespace

SimResult simulate_cycle(const compile::SpatialProgram& sp, const arch::ArchSpec& a, const SimOptions& o) {
  return simulate_cycle(sp, a, o, nullptr);
}

SimResult simulate_cycle(const compile::SpatialProgram& sp, const arch::ArchSpec& a, const SimOptions& o,
                         const AccessFacts* access) {
  if (a.kind != arch::ArchKind::Rda)
    fail("'{}' is a roofline model: cycle mode simulates dataflow chips only; use simulate_roofline", a.name);
  const auto wall = std::chrono::steady_clock::now();
  const CycleSpec spec = cycle::make_cycle_spec(a, sp.chip);
  const cycle::DramLayout layout = cycle::lay_out_dram(sp, spec);
  const DramModel dram = dram_model(a, sp.chip.clock_ghz, dram_footprint(sp));
  SimResult r = header(sp, a, o);
  Activity act;
  int64_t now = 0, events = 0;
  double unit_cycles = 0;
  for (size_t s = 0; s < sp.sections.size(); ++s) {
    const cycle::SectionPlan plan = cycle::plan_section(sp, static_cast<int>(s), spec, layout, access);
    SectionResult probe;
    probe.pcu_used = sp.sections[s].pcus, probe.pmu_used = sp.sections[s].pmus, probe.agcu_used = sp.sections[s].agcus;
    const int64_t reconfig = reconfig_cycles(probe, dram);
    const cycle::RunContext ctx{&spec, &plan, o.trace ? &r.trace : nullptr, now + reconfig};
    cycle::SectionOutcome out = cycle::run_section(sp, ctx);
    out.result.reconfig_cycles = reconfig;
    if (o.trace) trace_section(r.trace, out.result, now);
    now = checked_add(now, checked_add(reconfig, out.result.cycles, "the model's simulated cycles"),
                      "the model's simulated cycles");
    events += out.events;
    unit_cycles += static_cast<double>(probe.pcu_used + probe.pmu_used + probe.agcu_used) * out.result.cycles;
    r.flops = checked_add(r.flops, out.result.flops, "the model's FLOP count");
    r.dram_read_bytes = checked_add(r.dram_read_bytes, out.result.dram_read_bytes, "the model's DRAM reads");
    r.dram_write_bytes = checked_add(r.dram_write_bytes, out.result.dram_write_bytes, "the model's DRAM writes");
    add_activity(act, out.stats);
    for (std::string& n : out.notes) r.notes.push_back(std::move(n));
    r.sections.push_back(std::move(out.result));
  }
  r.cycles = now;
  finish(r, sp, a, act, dram);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count();
  r.notes.push_back(fmt::format("cycle mode: {} events, {:.3g} unit-cycles simulated in {:.3f} s ({:.3g} unit-cycles/s)",
                                events, unit_cycles, secs, secs > 0 ? unit_cycles / secs : 0));
  if (!access) r.notes.push_back("bank conflicts not estimated: no Pattern IR access strides were given");
  return r;
}

}  // namespace tessera::sim
