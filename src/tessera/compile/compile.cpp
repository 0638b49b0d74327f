// The pass pipeline: one list, run top to bottom, each pass timed.
#include "tessera/compile/compile.h"

#include <chrono>

#include <fmt/format.h>

#include "tessera/support/error.h"

namespace tessera::compile {

const char* name(UnitKind k) {
  switch (k) {
    case UnitKind::PCU: return "PCU";
    case UnitKind::PMU: return "PMU";
    case UnitKind::AGCU: return "AGCU";
  }
  return "?";
}

int Chip::count(UnitKind k) const {
  int n = 0;
  for (const Site& s : sites) n += s.kind == k;
  return n;
}

const std::vector<Pass>& passes() {
  static const std::vector<Pass> kPasses = {
      {"analyze", "work, shape and access facts of every kernel call", analyze},
      {"section", "group kernels into sections (-O0: one each; -O1: fused up to the chip)", section},
      {"tile", "tile sizes, PMU buffers, weight residency and DRAM traffic", tile},
      {"parallelize", "chain length and parallel copies per kernel, balancing each section", parallelize},
      {"units", "virtual PCUs, PMUs and AGCUs, and the streams between them", build_units},
      {"place", "virtual to physical units: seeded annealing on wire length and congestion", place},
      {"route", "streams on the static mesh within link capacities", route},
      {"verify", "check the whole mapping", verify_pass},
  };
  return kPasses;
}

SpatialProgram compile(const pattern::Program& p, const Chip& chip, const CompileOptions& options,
                       const std::string& model_name) {
  if (options.opt != 0 && options.opt != 1) fail("unknown optimisation level -O{}; use -O0 or -O1", options.opt);
  if (!options.print_after.empty() && options.print_after != "all") {
    bool known = false;
    std::string names;
    for (const Pass& pass : passes()) {
      known = known || options.print_after == pass.name;
      names += (names.empty() ? "" : ", ") + std::string(pass.name);
    }
    if (!known) fail("--print-after: no pass named '{}'; passes are {}", options.print_after, names);
  }
  SpatialProgram sp;
  sp.model = model_name;
  sp.arch = chip.name;
  sp.opt = options.opt;
  sp.chip = chip;
  PassContext ctx{p, options, sp};
  for (const Pass& pass : passes()) {
    const auto t0 = std::chrono::steady_clock::now();
    pass.run(ctx);
    sp.timings.push_back({pass.name, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()});
    if (options.print_after == "all" || options.print_after == pass.name)
      fmt::print(stderr, "// ----- after {} -----\n{}", pass.name, print(sp));
  }
  return sp;
}

std::string print(const SpatialProgram& sp) {
  std::string out = fmt::format("spatial {} on {} -O{}: {} sections, {} kernels, {} units, {} streams\n", sp.model,
                                sp.arch, sp.opt, sp.sections.size(), sp.kernels.size(), sp.units.size(),
                                sp.streams.size());
  for (const Section& s : sp.sections) {
    out += fmt::format("section {} ({} PCU, {} PMU, {} AGCU; DRAM read {} B, write {} B)\n", s.name, s.pcus, s.pmus,
                       s.agcus, s.dram_read_bytes, s.dram_write_bytes);
    for (int k : s.kernels) {
      const KernelPlan& kp = sp.kernels[k];
      if (kp.view) {
        out += fmt::format("  {}: view\n", kp.name);
        continue;
      }
      out += fmt::format("  {}: {} flops, {} elements x {} ops, chain {} x par {}, {} PMU{}, {} tiles, {} cycles\n",
                         kp.name, kp.flops, kp.elements, kp.ops_per_element, kp.chain, kp.par, kp.pmus,
                         kp.weights_resident ? "" : " (weights streamed)", kp.tiles, kp.compute_cycles);
    }
  }
  if (!sp.site.empty()) {
    size_t placed = 0;
    for (int s : sp.site) placed += s >= 0;
    out += fmt::format("placed {} of {} units; {} routes\n", placed, sp.units.size(), sp.routes.size());
  }
  return out;
}

}  // namespace tessera::compile
