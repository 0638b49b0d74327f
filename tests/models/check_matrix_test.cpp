// `--check` passes everywhere: every real model x dataflow preset x -O0/-O1,
// the mapped program (tiles, copies, storage precision) against the reference.
#include <gtest/gtest.h>

#include "model_case.h"
#include "tessera/driver/simulate.h"

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

}  // namespace
}  // namespace tessera
