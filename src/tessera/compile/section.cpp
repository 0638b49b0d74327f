// section: groups kernel calls into sections that run one after another.
// -O0 puts every kernel in its own section (kernel by kernel: every
// intermediate goes through DRAM, the chip is reconfigured in between).
// -O1 fuses consecutive kernels while the section's minimum needs (one chain
// per kernel, its PMUs) fit the chip, and never when fusing would push a
// weight that fits on chip alone out to DRAM. Views join the current section.
// Needs: analyze. Guarantees: every KernelPlan has a section; sections are in
// program order and non-empty; a kernel that cannot fit even alone is an
// Error naming the resource and the shortfall.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "tessera/compile/compile.h"
#include "tessera/compile/cost_model.h"
#include "tessera/support/error.h"

namespace tessera::compile {
namespace {

struct Needs {
  int64_t pcus = 0, pmus = 0;
};

Needs section_needs(const SpatialProgram& sp, const std::vector<int>& members) {
  std::set<int> in(members.begin(), members.end());
  auto inside = [&](int k) { return in.count(k) != 0; };
  Needs n;
  for (int k : members) {
    n.pcus += sp.kernels[k].view ? 0 : chain_length(sp.kernels[k], sp.chip);
    n.pmus += pmus_needed(sp, sp.kernels[k], inside, true);
  }
  return n;
}

void check_fits_alone(const SpatialProgram& sp, int k) {
  const KernelPlan& kp = sp.kernels[k];
  const int pcus = sp.chip.count(UnitKind::PCU), pmus = sp.chip.count(UnitKind::PMU);
  const int chain = chain_length(kp, sp.chip);
  if (chain > pcus)
    fail("kernel {} needs a chain of {} PCUs for its {} operations per element, but {} has {} PCUs ({} short)",
         kp.name, chain, kp.ops_per_element, sp.chip.name, pcus, chain - pcus);
  auto alone = [k](int other) { return other == k; };
  const int streamed = pmus_needed(sp, kp, alone, false);
  if (streamed > pmus)
    fail("kernel {} needs {} PMUs even with its weights streamed from DRAM, but {} has {} PMUs ({} short)",
         kp.name, streamed, sp.chip.name, pmus, streamed - pmus);
}

}  // namespace

void section(PassContext& ctx) {
  SpatialProgram& sp = ctx.out;
  sp.sections.clear();
  const int64_t pcus = sp.chip.count(UnitKind::PCU), pmus = sp.chip.count(UnitKind::PMU);
  std::vector<int> current;
  auto close = [&] {
    if (current.empty()) return;
    Section s;
    s.id = static_cast<int>(sp.sections.size());
    s.kernels = current;
    sp.sections.push_back(std::move(s));
    current.clear();
  };
  for (int k = 0; k < static_cast<int>(sp.kernels.size()); ++k) {
    const KernelPlan& kp = sp.kernels[k];
    if (kp.view) {
      current.push_back(k);
      continue;
    }
    check_fits_alone(sp, k);
    if (ctx.options.opt == 0) {
      close();
      current.push_back(k);
      continue;
    }
    std::vector<int> trial = current;
    trial.push_back(k);
    const Needs n = section_needs(sp, trial);
    const bool weights_fit_alone = weight_pmus(sp, kp) + 2 <= pmus;
    bool fits = n.pcus <= pcus && n.pmus <= pmus;
    if (!weights_fit_alone) fits = fits && current.empty();
    if (!fits) close();
    current.push_back(k);
  }
  close();
  for (Section& s : sp.sections) {
    for (int k : s.kernels) sp.kernels[k].section = s.id;
    const KernelPlan& first = sp.kernels[s.kernels.front()];
    s.name = fmt::format("s{}", s.id) + (s.kernels.size() == 1 ? " " + first.name
                                                               : fmt::format(" {} +{}", first.name, s.kernels.size() - 1));
  }
}

}  // namespace tessera::compile
