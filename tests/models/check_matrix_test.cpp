// `--check` passes everywhere: every real model x dataflow preset x -O0/-O1,
// the mapped program (tiles, copies, storage precision) against the reference.
#include <gtest/gtest.h>

#include "model_case.h"
#include <cstring>

#include "tessera/driver/driver.h"
#include "tessera/driver/simulate.h"
#include "tessera/support/npy.h"

namespace tessera {
namespace {

TEST(CheckMatrix, MappedProgramsMatchTheReference) {
  const auto dirs = models::list_model_dirs(TESSERA_MODELS_DIR);
  ASSERT_FALSE(dirs.empty()) << "no models under " << TESSERA_MODELS_DIR << "; run scripts/gen_testdata.sh";
  for (const auto& dir : dirs)
    for (const char* arch : {"plasticine", "sn10", "sn40l"})
      for (int opt : {0, 1}) {
        const auto r = driver::check_model(dir + "/model.onnx", arch, opt);
        EXPECT_TRUE(r.passed) << dir << " on " << arch << " -O" << opt << ": max error " << r.max_abs_err
                              << " on " << r.worst_output << " (max |ref| " << r.max_ref << ")";
      }
}

// The executor splits work over threads and calls BLAS from several of them:
// the same inputs must still give bit-identical outputs, run after run.
TEST(CheckMatrix, ExecutionIsDeterministic) {
  for (const auto& dir : models::list_model_dirs(TESSERA_MODELS_DIR)) {
    const auto c = models::read_model_case(dir);
    std::map<std::string, Tensor> inputs;
    for (const auto& in : c.inputs) inputs[in.name] = read_npy(in.path);
    const auto first = driver::run_model(dir + "/model.onnx", inputs);
    for (int run = 0; run < 2; ++run) {
      const auto again = driver::run_model(dir + "/model.onnx", inputs);
      for (const auto& [name, t] : first)
        EXPECT_EQ(std::memcmp(t.raw(), again.at(name).raw(), t.nbytes()), 0) << dir << ": " << name << " differs";
    }
  }
}

}  // namespace
}  // namespace tessera
