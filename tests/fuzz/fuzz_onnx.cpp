// libFuzzer target: bytes as an ONNX model file, through import, shape
// inference, constant folding and lowering to the Pattern IR.
#include "fuzz_common.h"
#include "tessera/driver/driver.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = tessera::fuzz::scratch_file("model.onnx", data, size);
  tessera::fuzz::expect_only_user_errors([&] {
    tessera::graph::Graph g = tessera::driver::load_model(path);
    tessera::driver::lower_model(g);
  });
  return 0;
}
