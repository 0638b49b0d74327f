// The fast model's terms that read a section plan (cycle/plan.h), the same
// plan cycle mode runs, in closed form instead of event by event:
//
// DRAM channels: every byte of a DRAM stream lands on the channel its
// address interleaves to (kDramChunkBytes granules, cycle/dram.h), so the
// busiest channel's bytes over its rate bound the section exactly as cycle
// mode's controller sees them, small tensors piling onto one channel included.
//
// Pipeline: a forward pass over the kernels in program order, one fluid
// estimate per kernel (a tile is the plan's step, results are handed on in
// steps):
//   dur     the kernel alone: its vector-steps over its copies, or its
//           busiest PMU port (reads with bank conflicts, writes), whichever
//           is slower, in whole cycles per step
//   start   when every input has its first step: a producer's first steps
//           plus its pipeline depth; a resident weight in full; a streamed
//           DRAM input's first tile after the DRAM latency
//   finish  max(start + rem, last input + one step) + depth, where `rem` is
//           the slowest of the kernel and of its producers' unbuffered work
//           (a producer stalled by a full buffer resumes only when this
//           kernel starts)
// DRAM reads come back in the controller's order (program position of the
// kernel served): kernel k's resident weights are in once what is served
// ahead of them is, on the channels they use; its last streamed tile once
// every read of kernels up to k is, and no sooner than its start plus what
// its buffers do not prefetch. A kernel writing to DRAM ends with one step's
// write and the latency, and its writes take their DRAM time from its first
// step on. A DRAM-bound section ends two latencies, a step and the depth
// after all its traffic. The section ends with its last kernel or write.
// Not modelled: backpressure beyond `rem` (a producer slowed by a consumer
// it does not feed directly) and bursts queueing on shared links.
#pragma once

#include <cstdint>
#include <vector>

#include "tessera/sim/common.h"
#include "tessera/sim/cycle/plan.h"
#include "tessera/sim/cycle/spec.h"

namespace tessera::sim {

// Cycles the busiest DRAM channel of any tier needs for the section's streams.
double dram_channel_cycles(const cycle::SectionPlan& p, const cycle::CycleSpec& spec);

struct PipelineTime {
  double cycles = 0;  // the section's end
  double rate = 0;    // the slowest kernel's dur (no fill, drain or waiting)
  double dram = 0;    // every DRAM request of the section, bandwidth or latency bound
  double channel = 0; // the busiest DRAM channel (dram_channel_cycles)
};
PipelineTime pipeline_time(const cycle::SectionPlan& p, const cycle::CycleSpec& spec, const DramModel& dram);

}  // namespace tessera::sim
