// What `tessera compile` writes: mapping.json (every unit's assignment and
// every route), placement.svg (the grid per section, units coloured by kernel,
// routes drawn, a legend) and report.json (per-section unit counts, DRAM
// traffic and the time of each pass), plus a text summary for stdout.
#pragma once

#include <string>

#include "tessera/compile/spatial.h"

namespace tessera::report {

std::string mapping_json(const compile::SpatialProgram& sp);
std::string compile_report_json(const compile::SpatialProgram& sp);
std::string placement_svg(const compile::SpatialProgram& sp);
std::string compile_summary(const compile::SpatialProgram& sp);
// Writes the three files into `dir` (which must exist).
void write_compile_outputs(const compile::SpatialProgram& sp, const std::string& dir);

}  // namespace tessera::report
