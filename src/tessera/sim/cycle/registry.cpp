#include "tessera/sim/cycle/registry.h"

#include "tessera/sim/cycle/agcu.h"
#include "tessera/sim/cycle/dram.h"
#include "tessera/sim/cycle/network.h"
#include "tessera/sim/cycle/pcu.h"
#include "tessera/sim/cycle/pmu.h"
#include "tessera/support/error.h"

namespace tessera::sim::cycle {

namespace {
template <typename T>
std::unique_ptr<Part> make() {
  return std::make_unique<T>();
}
}  // namespace

const std::vector<PartKind>& part_kinds() {
  static const std::vector<PartKind> kKinds = {
      {"pcu", "the PCUs of one kernel: par copies of a chain of lanes x stages SIMD pipelines", make<PcuPart>},
      {"pmu", "a banked PMU buffer between a producer and a consumer, double buffered with credits", make<PmuPart>},
      {"link", "a static or dynamic network link bundle: bandwidth, hop latency, credit-limited rate", make<LinkPart>},
      {"agcu", "an AGCU's port onto the dynamic network", make<AgcuPart>},
      {"stream", "a DRAM stream an AGCU runs: tiles of one tensor between DRAM and PMU buffers", make<StreamPart>},
      {"dram", "DRAM tiers of channels: bandwidth, latency, read/write turnaround", make<DramPart>},
  };
  return kKinds;
}

std::unique_ptr<Part> make_part(std::string_view kind) {
  for (const PartKind& k : part_kinds())
    if (kind == k.name) return k.make();
  TESSERA_CHECK(false, "no part kind '{}'", kind);
  return nullptr;
}

}  // namespace tessera::sim::cycle
