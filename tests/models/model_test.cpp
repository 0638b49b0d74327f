// Real models exported from PyTorch (scripts/gen_models.py) run through the
// driver (load_model, lower_model, exec::run_program) and compared with
// PyTorch's own outputs. One test per model directory; prints each model's
// error ratio and stage times. The data directory is
// ${CMAKE_BINARY_DIR}/testdata/models, or $TESSERA_MODELS_DIR when set.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "model_case.h"
#include "tessera/driver/driver.h"
#include "tessera/exec/executor.h"
#include "tessera/support/error.h"
#include "tessera/support/npy.h"

namespace tessera::models {
namespace {

std::string models_dir() {
  const char* env = std::getenv("TESSERA_MODELS_DIR");
  return env && *env ? env : TESSERA_MODELS_DIR;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

TEST(ModelData, IsGenerated) {
  ASSERT_FALSE(list_model_dirs(models_dir()).empty())
      << "no exported models in " << models_dir() << ": run scripts/gen_testdata.sh <build dir>";
}

class ModelTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelTest, MatchesPyTorch) {
  ModelCase c = read_model_case(GetParam());
  std::map<std::string, Tensor> inputs;
  for (const auto& in : c.inputs) inputs[in.name] = read_npy(in.path);

  std::map<std::string, Tensor> results;
  double load_s = 0, lower_s = 0, exec_s = 0;
  try {
    auto t = std::chrono::steady_clock::now();
    graph::Graph g = driver::load_model(c.dir + "/model.onnx");
    load_s = seconds_since(t);
    t = std::chrono::steady_clock::now();
    pattern::Program p = driver::lower_model(g);
    lower_s = seconds_since(t);
    t = std::chrono::steady_clock::now();
    results = exec::run_program(p, inputs);
    exec_s = seconds_since(t);
  } catch (const std::exception& e) {
    FAIL() << c.name << ": " << e.what();
  }

  double worst = 0;
  for (const auto& out : c.outputs) {
    auto it = results.find(out.name);
    ASSERT_NE(it, results.end()) << c.name << ": output '" << out.name << "' was not produced";
    OutputCheck check = check_output(read_npy(out.path), it->second);
    EXPECT_TRUE(check.ok) << c.name << " output '" << out.name << "': " << check.message;
    worst = std::max(worst, check.error_ratio);
  }
  std::printf("[model] %-20s error ratio %-9.2e load %6.2fs  lower %6.2fs  exec %6.2fs\n", c.name.c_str(), worst,
              load_s, lower_s, exec_s);
}

std::string param_name(const ::testing::TestParamInfo<std::string>& info) {
  return std::filesystem::path(info.param).filename().string();
}

INSTANTIATE_TEST_SUITE_P(Models, ModelTest, ::testing::ValuesIn(list_model_dirs(models_dir())), param_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ModelTest);

}  // namespace
}  // namespace tessera::models
