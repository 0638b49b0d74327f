// libFuzzer target: bytes as an architecture description (YAML), parsed,
// validated and printed both ways.
#include <string_view>

#include "fuzz_common.h"
#include "tessera/arch/print.h"
#include "tessera/arch/spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  tessera::fuzz::expect_only_user_errors([&] {
    tessera::arch::ArchSpec spec = tessera::arch::parse_arch(text, "fuzz.yaml");
    tessera::arch::summary_text(spec);
    tessera::arch::to_json(spec);
    tessera::arch::units_words(spec);
  });
  return 0;
}
