// The interface every simulated part implements (a PCU group, a PMU buffer,
// a link, an AGCU, a DRAM stream, the DRAM). Like ramulator2's components,
// each kind registers by name (registry.h) and follows one life cycle:
//
//   init(ctx, index)  read its item of the section plan; plain numbers only
//   connect(fabric)   find the parts it talks to; schedule its first events
//   tick(engine, tag) an event it scheduled (or was woken for) has come due;
//                     never called while the part has nothing to do
//   finalize(stats)   add its busy cycles and counts to the section's stats
//
// Passive parts (links, ports, DRAM channels) are only called by the parts
// that use them and never tick.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/sim/cycle/plan.h"
#include "tessera/sim/sim.h"

namespace tessera::sim::cycle {

class Engine;
class Fabric;

// What a part may read while the section runs.
struct RunContext {
  const CycleSpec* spec = nullptr;
  const SectionPlan* plan = nullptr;
  std::vector<TraceEvent>* trace = nullptr;  // null unless tracing
  int64_t offset = 0;                        // first cycle of the section in the whole run (trace)
};

// What parts report at the end of a section.
struct SectionStats {
  int64_t end = 0;                    // last cycle anything happened
  double compute_busy = 0;            // busiest copy: vector-steps issued
  double pcu_busy_cycles = 0;         // all PCUs: cycles with a vector in the pipeline's first stage
  double pmu_busy = 0, pmu_port_cycles = 0;  // busiest PMU port; all PMU port cycles
  double pmu_unit_cycles = 0;         // all PMUs: cycles any port was busy
  double agcu_unit_cycles = 0;        // all AGCUs: cycles moving data
  double bit_hops = 0;                // bits x links crossed, both networks
  double link_busy = 0;               // busiest link
  double dram_busy = 0;               // busiest DRAM channel
  double agcu_busy = 0;
  int64_t fu_ops = 0, flops = 0, bank_conflicts = 0;
  int64_t dram_read_bytes = 0, dram_write_bytes = 0;
};

class Part {
 public:
  virtual ~Part() = default;
  virtual void init(const RunContext& ctx, int index) = 0;
  virtual void connect(Fabric& fabric) {}
  virtual void tick(Engine& engine, int64_t tag);
  virtual void finalize(SectionStats& stats) const {}

  const std::string& name() const { return name_; }

 protected:
  std::string name_;
};

}  // namespace tessera::sim::cycle
