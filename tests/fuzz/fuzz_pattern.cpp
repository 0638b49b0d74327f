// libFuzzer target: bytes as Pattern IR text. The parser promises that text it
// accepts passes verify() (a failure there is an InternalError, so a finding)
// and that print() of a parsed kernel parses back to an equal kernel.
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "tessera/pattern/ir.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  tessera::fuzz::expect_only_user_errors([&] {
    const std::vector<tessera::pattern::Kernel> kernels = tessera::pattern::parse_kernels(text);
    for (const auto& k : kernels) {
      const std::string printed = tessera::pattern::print(k);
      const tessera::pattern::Kernel again = tessera::pattern::parse_kernel(printed);
      if (!tessera::pattern::equal(k, again)) {
        std::fprintf(stderr, "fuzz: print/parse round trip changed kernel:\n%s\n", printed.c_str());
        std::abort();
      }
    }
  });
  return 0;
}
