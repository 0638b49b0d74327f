// model_cli_check TESSERA_BIN MODEL_DIR OUT_DIR
// Runs the CLI end to end on one exported model:
//   TESSERA_BIN run MODEL_DIR/model.onnx --input NAME=FILE.npy ... --output-dir OUT_DIR
// then compares every OUT_DIR/<output name>.npy with PyTorch's reference
// (same tolerance as the `models` test). Exit 0 when all outputs match.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "model_case.h"
#include "tessera/support/error.h"
#include "tessera/support/npy.h"

namespace fs = std::filesystem;

namespace {

// Single-quotes `s` for /bin/sh.
std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char ch : s) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return q + "'";
}

std::string listing(const std::string& dir) {
  std::string names;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir)) names += " " + e.path().filename().string();
  return names.empty() ? " (nothing)" : names;
}

int check(const std::string& bin, const std::string& model_dir, const std::string& out_dir) {
  using namespace tessera::models;
  if (!fs::exists(fs::path(model_dir) / "meta.json")) {
    std::printf("models_cli: %s is missing: run scripts/gen_testdata.sh <build dir>\n", model_dir.c_str());
    return 1;
  }
  ModelCase c = read_model_case(model_dir);
  fs::remove_all(out_dir);
  fs::create_directories(out_dir);
  std::string cmd = fmt::format("{} run {}", quoted(bin), quoted(c.dir + "/model.onnx"));
  for (const auto& in : c.inputs) cmd += " --input " + quoted(in.name + "=" + in.path);
  cmd += " --output-dir " + quoted(out_dir);
  std::printf("models_cli: %s\n", cmd.c_str());
  std::fflush(stdout);
  int rc = std::system(cmd.c_str());
  if (rc != 0) {
    std::printf("models_cli: FAILED: the CLI exited with status %d\n", rc);
    return 1;
  }
  int bad = 0;
  for (const auto& out : c.outputs) {
    std::string written = (fs::path(out_dir) / (out.name + ".npy")).string();
    if (!fs::exists(written)) {
      std::printf("models_cli: FAILED: %s was not written; %s holds:%s\n", written.c_str(), out_dir.c_str(),
                  listing(out_dir).c_str());
      ++bad;
      continue;
    }
    OutputCheck r = check_output(tessera::read_npy(out.path), tessera::read_npy(written));
    std::printf("models_cli: %s output '%s': error ratio %.2e%s%s\n", c.name.c_str(), out.name.c_str(), r.error_ratio,
                r.ok ? "" : " FAILED: ", r.message.c_str());
    bad += !r.ok;
  }
  return bad == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: model_cli_check TESSERA_BIN MODEL_DIR OUT_DIR\n");
    return 2;
  }
  try {
    return check(argv[1], argv[2], argv[3]);
  } catch (const tessera::Error& e) {
    std::printf("models_cli: FAILED: %s\n", e.what());
    return 1;
  }
}
