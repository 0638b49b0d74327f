// `sim --train --check` on the PyTorch exports (batch 1, the exported
// sizes): the mapped training step (forward, cross-entropy or MSE, backward,
// SGD update) computes what the unmapped step computes, from the model's own
// weights, on sn10 in its native bf16. A step in bf16 is compared with the
// unmapped step in bf16 and may differ by the larger of 5% of an output's
// size and twice bf16's own deviation from fp32 (sim/check.h): in fp32
// terms, some exports' gradients are 10-40% off (ReLU masks and max-pool
// choices flipping on rounding), or pure rounding noise (bias gradients
// that are analytically zero), whatever the mapping.
#include <gtest/gtest.h>

#include <chrono>

#include "model_case.h"
#include "tessera/driver/simulate.h"

namespace tessera {
namespace {

driver::TrainMode train_mode() {
  driver::TrainMode m;
  m.enabled = true;
  return m;
}

struct Case {
  const char* model;
  // -O0 too. The slow steps (convolution gradients in the interpreter,
  // 20-45 s each) run -O1 only: measured, their -O0 check gave the same
  // numbers as -O1's, output for output.
  bool both_levels;
};

// Every export of the suite.
const Case kExports[] = {{"gpt_op17", true},      {"lstm_lm_op17", true},      {"vit_op17", true},
                         {"dlrm_op17", true},     {"mlp_mixer_op17", true},    {"unet_op17", true},
                         {"resnet18_op17", false}, {"mobilenet_v2_op17", false}, {"efficientnet_b0_op17", false}};

// Zoo models at small settings, from their materialised weights.
const char* const kZoo[] = {"zoo:gpt2,layers=2,seq=64,d_model=64,heads=2,vocab=256,positions=64,batch=2",
                            "zoo:lstm,vocab=50,hidden=16,layers=1,seq=4,batch=2", "zoo:mlp,batch=16",
                            "zoo:dlrm,tables=1000x4,batch=16"};

void expect_passes(const std::string& name, const std::string& model, int opt) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = driver::check_model(model, "sn10", opt, "", {}, {}, train_mode());
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(r.passed) << name << " -O" << opt << ": error " << r.max_abs_err << " on " << r.worst_output
                        << ", allowed " << r.bound << " (max |ref| " << r.max_ref << ")";
  std::printf("%-24.24s -O%d %s: %.3g of allowed %.3g on %s; vs fp32 %.3g of max %.3g on %s; %.1f s\n", name.c_str(),
              opt, r.reference.c_str(), r.max_abs_err, r.bound, r.worst_output.c_str(), r.fp32_max_abs_err,
              r.fp32_max_ref, r.fp32_worst_output.c_str(), s);
}

TEST(TrainCheck, MappedStepMatchesTheReference) {
  const auto dirs = models::list_model_dirs(TESSERA_MODELS_DIR);
  ASSERT_FALSE(dirs.empty()) << "no models under " << TESSERA_MODELS_DIR << "; run scripts/gen_testdata.sh";
  for (const Case& c : kExports)
    for (int opt : {0, 1})
      if (opt == 1 || c.both_levels)
        expect_passes(c.model, std::string(TESSERA_MODELS_DIR) + "/" + c.model + "/model.onnx", opt);
}

// The check stays honest where its bound is loosest: a mapping that loses
// one stage's partial sum of every contraction fails each export's step
// (the fast ones), the steps with noise-sized gradients included.
TEST(TrainCheck, ABrokenMappingFails) {
  compile::MappedOptions broken;
  broken.fault_drop_partial = true;
  for (const Case& c : kExports) {
    if (!c.both_levels) continue;
    const auto r = driver::check_model(std::string(TESSERA_MODELS_DIR) + "/" + c.model + "/model.onnx", "sn10", 1,
                                       "", broken, {}, train_mode());
    EXPECT_FALSE(r.passed) << c.model;
    std::printf("%-24.24s broken: %.3g of allowed %.3g on %s\n", c.model, r.max_abs_err, r.bound,
                r.worst_output.c_str());
  }
}

TEST(TrainCheck, ZooStepsAtSmallSettings) {
  for (const char* model : kZoo)
    for (int opt : {0, 1}) expect_passes(model, model, opt);
}

}  // namespace
}  // namespace tessera
