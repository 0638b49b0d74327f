// The compiler's model of one kernel on a chip, shared by the sectioning,
// tiling and parallelisation passes (and the simulator's fast mode):
//
// - Vectorisation: the innermost output dimension runs across the PCU lanes;
//   a partial last vector wastes lanes (lane efficiency = inner / padded inner).
// - A non-contraction kernel needs `ops_per_element` stages per element: a
//   chain of ceil(ops / stages) PCUs forms one pipeline that accepts a vector
//   of `lanes` elements per cycle; `par` copies multiply the rate.
// - A contraction unrolls its multiply-adds across all stages: each PCU does
//   lanes x stages multiply-adds per cycle. A folded kernel (a reduction
//   longer per output point than the stages, analyze.cpp) runs the same way:
//   its reduced axis across the lanes, its iterations over the stages, each
//   stage and each copy accumulating a partial result of a contiguous part of
//   the reduction, the parts meeting in the reduction tree. One PCU per copy,
//   however long the reduction.
// - PMUs: resident weights take ceil(bytes / capacity) PMUs each; a streamed
//   weight and an intermediate produced in the same section take one
//   double-buffered PMU each; a DRAM input, and an output leaving the section,
//   are striped over dram_buffers() PMUs so that one stream can run at the
//   DRAM's full bandwidth (a PMU port moves one vector of 32-bit words per cycle).
#pragma once

#include <functional>

#include "tessera/compile/spatial.h"

namespace tessera::compile {

double lane_efficiency(const KernelPlan& k, const Chip& chip);
// Contractions and folded reductions: work spread over the stages, one PCU per copy.
bool over_stages(const KernelPlan& k);
int chain_length(const KernelPlan& k, const Chip& chip);
int64_t max_parallelism(const KernelPlan& k, const Chip& chip);
int64_t compute_cycles(const KernelPlan& k, const Chip& chip, int par);

// `in_section(kernel index)` tells whether a producer/consumer is in the same section.
// PMUs kernel k needs: the sum of input_pmus over its inputs and output_pmus
// over its outputs. units.cpp allocates exactly these, so sectioning's
// estimate is the count the section gets.
int pmus_needed(const SpatialProgram& sp, const KernelPlan& k, const std::function<bool(int)>& in_section,
                bool weights_resident);
// One input (looked at through views: a reshaped weight is a weight, a view
// of a tensor from another section comes from DRAM): a resident weight's
// slices, one buffer for an on-chip stream, dram_buffers() for DRAM.
int input_pmus(const SpatialProgram& sp, int32_t t, const std::function<bool(int)>& in_section,
               bool weights_resident);
// One output: dram_buffers() staging PMUs when it leaves the section, none
// when a kernel of the section reads it (it streams into that kernel's input
// buffer), one when nothing reads it (a dead output still lands somewhere).
int output_pmus(const SpatialProgram& sp, int32_t t, const std::function<bool(int)>& in_section);
// True when a kernel of the section reads t (looking through views).
bool read_in_section(const SpatialProgram& sp, int32_t t, const std::function<bool(int)>& in_section);
int64_t weight_pmus(const SpatialProgram& sp, const KernelPlan& k);
// PMU buffers (and AGCU ports) a DRAM stream is striped over: DRAM bytes per
// cycle / one vector per cycle, at most the chip's AGCUs.
int dram_buffers(const Chip& chip);
// True when tensor t is needed outside the section: a graph output, or read by
// a kernel outside it (looking through views, which alias their input).
bool leaves_section(const SpatialProgram& sp, int32_t t, const std::function<bool(int)>& in_section);
// Bytes of resident weights a section loads from DRAM before its first tile
// can start (streamed traffic overlaps with compute; this prologue does not).
int64_t resident_weight_bytes(const SpatialProgram& sp, const Section& s);
// The tensor that owns t's storage (follows views back to their input).
int32_t storage_root(const SpatialProgram& sp, int32_t t);

}  // namespace tessera::compile
