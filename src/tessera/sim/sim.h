// The simulator: two models of the same Spatial program (see DESIGN.md, "sim").
//
//   fast   per section: the slowest of its compute, PMU, network and DRAM
//          bounds, plus pipeline fill/drain and the reconfiguration before it.
//   cycle  discrete-event, cycle-level: PCU pipelines, banked PMUs, links
//          with credit flow control, AGCUs and a DRAM model (sim/cycle/).
//
// Roofline architectures (GPUs, TPUs) are simulated kernel by kernel from the
// Pattern IR program: max(flops / peak, bytes / bandwidth) + launch overhead.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tessera/arch/spec.h"
#include "tessera/compile/spatial.h"
#include "tessera/pattern/ir.h"

namespace tessera::sim {

enum class Mode : uint8_t { Fast, Cycle };

struct SimOptions {
  Mode mode = Mode::Fast;
  arch::Precision precision = arch::Precision::Bf16;  // the compute format simulated
  bool trace = false;                                 // cycle mode: collect trace events
};

// Where a section's time goes.
enum class Bound : uint8_t { Compute, Pmu, Network, Dram, Latency };
const char* name(Bound b);

struct SectionResult {
  std::string name;
  std::vector<std::string> kernels;
  int64_t cycles = 0;            // including fill/drain, excluding reconfiguration
  int64_t reconfig_cycles = 0;   // loading this section's configuration
  int64_t compute_cycles = 0, pmu_cycles = 0, network_cycles = 0, dram_cycles = 0, latency_cycles = 0;
  int pcu_used = 0, pmu_used = 0, agcu_used = 0;
  double pcu_util = 0;           // useful FU-ops / (PCUs on chip x lanes x stages x cycles)
  double pmu_util = 0;           // busy PMU port-cycles / (PMUs x cycles)
  int64_t flops = 0;
  int64_t dram_read_bytes = 0, dram_write_bytes = 0;
  int64_t bank_conflicts = 0;
  Bound bound = Bound::Compute;
};

struct TraceEvent {          // Chrome/Perfetto "complete" or "counter" events
  std::string name, category;
  char phase = 'X';          // 'X' duration, 'C' counter
  int64_t start_cycle = 0, duration_cycles = 0;
  int track = 0;             // a track per unit kind or section
  double value = 0;          // counters
};

struct SimResult {
  std::string model, arch, mode;
  int opt = 1;
  std::string precision;
  double clock_ghz = 0;
  int64_t cycles = 0;
  double seconds = 0;
  double roofline_seconds = 0;  // max(flops / peak, compulsory DRAM bytes / bandwidth)
  int64_t flops = 0;
  double achieved_tflops = 0, peak_tflops = 0;
  int64_t dram_read_bytes = 0, dram_write_bytes = 0;
  double energy_j = 0, average_w = 0;
  // energy_j by part, in a fixed order ("pcu", "pmu", "agcu", "network",
  // "dram", "compute", "static"); parts a model does not have are absent.
  std::vector<std::pair<std::string, double>> energy_parts_j;
  std::vector<SectionResult> sections;
  std::vector<TraceEvent> trace;
  std::vector<std::string> notes;  // assumptions and warnings worth printing
  // Training steps only (`--train`): the step split by phase ("forward",
  // "backward", "optimizer"; a section holding several phases is split in
  // proportion to its kernels' FLOPs) and the step's memory footprint.
  struct Phase {
    std::string name;
    double seconds = 0;
    int64_t flops = 0, dram_bytes = 0;
  };
  std::vector<Phase> phases;
  std::vector<std::pair<std::string, int64_t>> memory_bytes;  // weights, gradients, optimizer_state, activations
  // --check (sim/check.h): the mapped program against the reference executor.
  bool checked = false, check_passed = false;
  double check_max_abs_err = 0, check_tolerance = 0, check_bound = 0, check_fp32_max_abs_err = 0;
  std::string check_reference;  // the precision the reference ran in (sim/check.h)
};

SimResult simulate(const compile::SpatialProgram& sp, const arch::ArchSpec& a, const SimOptions& o);
SimResult simulate_roofline(const pattern::Program& p, const arch::ArchSpec& a, const SimOptions& o,
                            const std::string& model);

// Compulsory traffic: every graph input and weight read once, every output written once.
int64_t compulsory_dram_bytes(const compile::SpatialProgram& sp);

}  // namespace tessera::sim
