// What `tessera sim` writes: report.json (the keys DESIGN.md promises, per
// section its bound, the four rate terms, per-unit-kind utilisation and a PMU
// bandwidth table with bank conflicts), trace.json in Chrome/Perfetto trace
// format (when the simulation collected trace events) and a summary table
// for stdout.
#pragma once

#include <string>

#include "tessera/arch/spec.h"
#include "tessera/sim/sim.h"

namespace tessera::report {

std::string sim_report_json(const sim::SimResult& r, const arch::ArchSpec& a);
// {"traceEvents": [...]}: 'X' slices and 'C' counters in microseconds, one
// named track (tid) per TraceEvent::track.
std::string trace_json(const sim::SimResult& r);
// At most `max_rows` sections (the longest, in program order).
std::string sim_summary(const sim::SimResult& r, int max_rows = 12);
// Writes report.json, and trace.json when r.trace is not empty, into `dir` (which must exist).
void write_sim_outputs(const sim::SimResult& r, const arch::ArchSpec& a, const std::string& dir);

}  // namespace tessera::report
