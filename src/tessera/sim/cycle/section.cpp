#include "tessera/sim/cycle/section.h"
#include "tessera/sim/energy.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "tessera/sim/cycle/agcu.h"
#include "tessera/sim/cycle/fabric.h"
#include "tessera/sim/cycle/pcu.h"
#include "tessera/sim/cycle/pmu.h"
#include "tessera/support/error.h"

namespace tessera::sim::cycle {
namespace {

bool finished(Fabric& f) {
  for (size_t k = 0; k < f.kernels(); ++k)
    if (!f.kernel(static_cast<int>(k))->done()) return false;
  for (size_t s = 0; s < f.streams(); ++s)
    if (!f.stream(static_cast<int>(s))->done()) return false;
  return true;
}

std::string stuck(Fabric& f) {
  std::string out;
  for (size_t k = 0; k < f.kernels(); ++k) {
    const PcuPart* p = f.kernel(static_cast<int>(k));
    if (!p->done()) out += fmt::format("{} at tile {}/{}; ", p->name(), p->next_tile(), p->item().tiles);
  }
  for (size_t s = 0; s < f.streams(); ++s) {
    const StreamPart* p = f.stream(static_cast<int>(s));
    if (!p->done()) out += fmt::format("{} at tile {}; ", p->name(), p->next_tile());
  }
  return out;
}

// Runs until every kernel and stream is done, enlarging blocked buffers when
// the run stops short. Returns how many buffers had to grow.
int run_to_end(Fabric& f) {
  int enlarged = 0;
  for (;;) {
    f.engine().run();
    if (finished(f)) return enlarged;
    int grew = 0;
    for (size_t b = 0; b < f.buffers(); ++b) grew += f.buffer(static_cast<int>(b))->enlarge_if_blocked(f.engine());
    TESSERA_CHECK(grew > 0, "cycle mode deadlocked with nothing waiting for buffer space: {}", stuck(f));
    enlarged += grew;
  }
}


int64_t whole(double cycles) { return static_cast<int64_t>(std::ceil(cycles - 1e-9)); }

SectionResult result_of(const compile::SpatialProgram& sp, const compile::Section& s, const SectionStats& st,
                        const CycleSpec& spec) {
  SectionResult r;
  r.name = s.name;
  for (int k : s.kernels) r.kernels.push_back(sp.kernels[static_cast<size_t>(k)].name);
  r.cycles = st.end;
  r.compute_cycles = whole(st.compute_busy);
  r.pmu_cycles = whole(st.pmu_busy);
  r.network_cycles = whole(st.link_busy);
  r.dram_cycles = whole(std::max(st.dram_busy, st.agcu_busy));
  r.latency_cycles = std::max<int64_t>(0, r.cycles - std::max({r.compute_cycles, r.pmu_cycles, r.network_cycles,
                                                              r.dram_cycles}));
  r.pcu_used = s.pcus;
  r.pmu_used = s.pmus;
  r.agcu_used = s.agcus;
  if (r.cycles > 0) {
    const double cycles = static_cast<double>(r.cycles);
    r.pcu_util = static_cast<double>(st.fu_ops) /
                 (static_cast<double>(sp.chip.count(compile::UnitKind::PCU)) * spec.lanes * spec.stages * cycles);
    r.pmu_util = st.pmu_port_cycles /
                 (static_cast<double>(sp.chip.count(compile::UnitKind::PMU)) * (spec.read_ports + spec.write_ports) * cycles);
  }
  r.flops = st.flops;
  r.dram_read_bytes = st.dram_read_bytes;
  r.dram_write_bytes = st.dram_write_bytes;
  r.bank_conflicts = st.bank_conflicts;
  r.bound = bound_of(r);
  return r;
}

}  // namespace

SectionOutcome run_section(const compile::SpatialProgram& sp, const RunContext& ctx) {
  SectionOutcome out;
  Fabric f(ctx);
  const int enlarged = run_to_end(f);
  for (const Part* p : f.parts()) p->finalize(out.stats);
  out.stats.end = std::max(out.stats.end, f.engine().now());
  out.events = f.engine().events();
  out.result = result_of(sp, sp.sections[static_cast<size_t>(ctx.plan->section)], out.stats, *ctx.spec);
  out.notes = ctx.plan->notes;
  if (enlarged > 0)
    out.notes.push_back(fmt::format("{}: {} double buffers were too small for reconverging paths and were enlarged",
                                    ctx.plan->name, enlarged));
  return out;
}

}  // namespace tessera::sim::cycle
