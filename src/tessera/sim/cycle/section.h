// The section driver: builds a section's parts (fabric.h), runs the event
// loop to the end and turns the parts' stats into a SectionResult. When the
// double buffers of two reconverging paths cannot hold what the slower path
// needs (the run stops with work left and a producer waiting for room), the
// blocked buffers are enlarged, as if the compiler had given them more PMU
// space, and the run goes on; the result notes it.
#pragma once

#include <string>
#include <vector>

#include "tessera/sim/cycle/part.h"

namespace tessera::sim::cycle {

struct SectionOutcome {
  SectionResult result;
  SectionStats stats;
  int64_t events = 0;
  std::vector<std::string> notes;
};

// ctx.plan is the section's plan; reconfiguration is the caller's.
SectionOutcome run_section(const compile::SpatialProgram& sp, const RunContext& ctx);

}  // namespace tessera::sim::cycle
