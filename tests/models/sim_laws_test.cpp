// The simulator obeys the laws any honest performance model must, over every
// real model x dataflow preset x -O0/-O1 (fast mode): no section finishes
// faster than the chip's full compute allows for its FLOPs or than DRAM
// allows for its bytes; -O1 moves no more DRAM data than -O0; no run beats
// its roofline; energy is positive; the same inputs give the same report.
// The roofline presets (GPUs, TPU) simulate every model too.
#include <gtest/gtest.h>

#include <algorithm>

#include "model_case.h"
#include "tessera/arch/derived.h"
#include "tessera/driver/simulate.h"
#include "tessera/report/sim_report.h"

namespace tessera {
namespace {

const char* const kDataflow[] = {"plasticine", "sn10", "sn40l"};
const char* const kRoofline[] = {"a100", "h100", "tpuv3"};
constexpr double kSlack = 1e-9;  // relative, for floating-point sums

// FLOPs the whole chip can do per cycle in the simulated precision.
double flops_per_cycle(const arch::ArchSpec& a, const std::string& precision) {
  const auto p = arch::parse_precision(precision);
  return arch::peak_tflops(a, *p) * 1e12 / (a.clock_ghz * 1e9);
}

double fastest_dram_bytes_per_cycle(const arch::ArchSpec& a) {
  double best = 0;
  for (const auto& t : a.dram) best = std::max(best, t.bandwidth_gbps);
  return best / a.clock_ghz;
}

void check_laws(const sim::SimResult& r, const arch::ArchSpec& a) {
  const double peak = flops_per_cycle(a, r.precision), dram = fastest_dram_bytes_per_cycle(a);
  int64_t cycles = 0;
  for (const auto& s : r.sections) {
    const double c = static_cast<double>(s.cycles) * (1 + kSlack) + 1;
    EXPECT_GE(c, static_cast<double>(s.flops) / peak) << s.name << ": faster than the chip's compute";
    EXPECT_GE(c, static_cast<double>(s.dram_read_bytes + s.dram_write_bytes) / dram) << s.name << ": faster than DRAM";
    EXPECT_GE(s.cycles, std::max({s.compute_cycles, s.pmu_cycles, s.network_cycles, s.dram_cycles})) << s.name;
    EXPECT_GE(s.pcu_util, 0);
    EXPECT_LE(s.pcu_util, 1 + kSlack) << s.name;
    EXPECT_LE(s.pcu_used, a.pcu.count) << s.name;
    cycles += s.cycles + s.reconfig_cycles;
  }
  EXPECT_EQ(r.cycles, cycles);
  EXPECT_GE(r.seconds * (1 + kSlack), r.roofline_seconds) << "faster than the roofline";
  EXPECT_GT(r.energy_j, 0);
  EXPECT_GT(r.average_w, 0);
}

int64_t dram_bytes(const sim::SimResult& r) { return r.dram_read_bytes + r.dram_write_bytes; }

TEST(SimLaws, EveryModelEveryPresetBothLevels) {
  const auto dirs = models::list_model_dirs(TESSERA_MODELS_DIR);
  ASSERT_FALSE(dirs.empty()) << "no models under " << TESSERA_MODELS_DIR << "; run scripts/gen_testdata.sh";
  for (const auto& dir : dirs) {
    const std::string model = dir + "/model.onnx";
    for (const char* name : kDataflow) {
      SCOPED_TRACE(dir + " on " + name);
      const arch::ArchSpec a = arch::load_arch(name);
      const sim::SimResult o0 = driver::simulate_model(model, name, 0, {});
      const sim::SimResult o1 = driver::simulate_model(model, name, 1, {});
      check_laws(o0, a);
      check_laws(o1, a);
      EXPECT_LE(dram_bytes(o1), dram_bytes(o0)) << "-O1 moves more DRAM data than -O0";
      EXPECT_EQ(o0.flops, o1.flops);
      EXPECT_EQ(o0.roofline_seconds, o1.roofline_seconds);
      const sim::SimResult again = driver::simulate_model(model, name, 1, {});
      EXPECT_EQ(report::sim_report_json(again, a), report::sim_report_json(o1, a))
          << "report.json is not deterministic";
    }
  }
}

TEST(SimLaws, RooflinePresetsSimulateEveryModel) {
  const auto dirs = models::list_model_dirs(TESSERA_MODELS_DIR);
  ASSERT_FALSE(dirs.empty()) << "no models under " << TESSERA_MODELS_DIR << "; run scripts/gen_testdata.sh";
  for (const auto& dir : dirs) {
    for (const char* name : kRoofline) {
      SCOPED_TRACE(dir + " on " + name);
      const sim::SimResult r = driver::simulate_model(dir + "/model.onnx", name, 1, {});
      EXPECT_EQ(r.mode, "roofline");
      EXPECT_FALSE(r.sections.empty());
      EXPECT_GT(r.seconds, 0);
      EXPECT_GE(r.seconds * (1 + kSlack), r.roofline_seconds);
      EXPECT_GT(r.energy_j, 0);
      for (const auto& s : r.sections) EXPECT_GT(s.cycles, 0) << s.name;  // every launch costs its overhead
    }
  }
}

}  // namespace
}  // namespace tessera
