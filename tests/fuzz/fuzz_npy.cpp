// libFuzzer target: bytes as a .npy file; a tensor that loads must write back
// and load again to the same bytes.
#include <cstring>

#include "fuzz_common.h"
#include "tessera/support/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = tessera::fuzz::scratch_file("in.npy", data, size);
  tessera::fuzz::expect_only_user_errors([&] {
    tessera::Tensor t = tessera::read_npy(path);
    const std::string again = tessera::fuzz::scratch_file("again.npy", nullptr, 0);
    tessera::write_npy(again, t);
    tessera::Tensor u = tessera::read_npy(again);
    if (u.shape() != t.shape() || u.dtype() != t.dtype() || u.nbytes() != t.nbytes() ||
        (t.nbytes() > 0 && std::memcmp(u.raw(), t.raw(), t.nbytes()) != 0)) {
      std::fprintf(stderr, "fuzz: .npy round trip changed the tensor\n");
      std::abort();
    }
  });
  return 0;
}
