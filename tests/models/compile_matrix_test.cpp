// Every real model x every dataflow preset x -O0/-O1 compiles, and the
// mapping obeys the laws that must hold: each kernel in exactly one section,
// no section over the chip's units, no kernel faster than its compute bound,
// DRAM traffic at -O1 no more than at -O0, and the same inputs give a
// byte-identical mapping.json.
#include <gtest/gtest.h>

#include <set>

#include "model_case.h"
#include "tessera/compile/cost_model.h"
#include "tessera/driver/driver.h"
#include "tessera/report/compile_report.h"

namespace tessera {
namespace {

const char* const kPresets[] = {"plasticine", "sn10", "sn40l"};

int64_t dram_bytes(const compile::SpatialProgram& sp) {
  int64_t total = 0;
  for (const auto& s : sp.sections) total += s.dram_read_bytes + s.dram_write_bytes;
  return total;
}

void check_laws(const compile::SpatialProgram& sp) {
  std::vector<int> seen(sp.kernels.size(), 0);
  for (const auto& s : sp.sections) {
    EXPECT_LE(s.pcus, sp.chip.count(compile::UnitKind::PCU)) << s.name;
    EXPECT_LE(s.pmus, sp.chip.count(compile::UnitKind::PMU)) << s.name;
    EXPECT_LE(s.agcus, sp.chip.count(compile::UnitKind::AGCU)) << s.name;
    for (int k : s.kernels) ++seen[k];
  }
  for (size_t k = 0; k < sp.kernels.size(); ++k) {
    EXPECT_EQ(seen[k], 1) << sp.kernels[k].name << " is in " << seen[k] << " sections";
    const auto& kp = sp.kernels[k];
    if (kp.view) continue;
    // Compute bound: every PCU does at most lanes x stages operations per cycle.
    const double bound = static_cast<double>(kp.fu_ops) / (kp.pcus() * sp.chip.pcu_lanes * sp.chip.pcu_stages);
    EXPECT_GE(static_cast<double>(kp.compute_cycles) + 1e-9, bound) << kp.name;
  }
}

TEST(CompileMatrix, EveryModelEveryPresetBothLevels) {
  const auto dirs = models::list_model_dirs(TESSERA_MODELS_DIR);
  ASSERT_FALSE(dirs.empty()) << "no models under " << TESSERA_MODELS_DIR << "; run scripts/gen_testdata.sh";
  for (const auto& name : dirs) {
    const std::string model = name + "/model.onnx";  // list_model_dirs gives full paths
    for (const char* arch : kPresets) {
      SCOPED_TRACE(name + " on " + std::string(arch));
      compile::CompileOptions o0, o1;
      o0.opt = 0;
      o1.opt = 1;
      const auto a = driver::compile_model(model, arch, o0);
      const auto b = driver::compile_model(model, arch, o1);
      check_laws(a);
      check_laws(b);
      EXPECT_LE(dram_bytes(b), dram_bytes(a)) << "-O1 moves more DRAM data than -O0";
      EXPECT_LE(b.sections.size(), a.sections.size());
      const auto again = driver::compile_model(model, arch, o1);
      EXPECT_EQ(report::mapping_json(again), report::mapping_json(b)) << "mapping.json is not deterministic";
    }
  }
}

}  // namespace
}  // namespace tessera
