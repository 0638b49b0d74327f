#include "tessera/sim/cycle/fabric.h"

#include "tessera/sim/cycle/agcu.h"
#include "tessera/sim/cycle/dram.h"
#include "tessera/sim/cycle/network.h"
#include "tessera/sim/cycle/pcu.h"
#include "tessera/sim/cycle/pmu.h"
#include "tessera/sim/cycle/registry.h"
#include "tessera/support/error.h"

namespace tessera::sim::cycle {

std::vector<std::unique_ptr<Part>> Fabric::make(const char* kind, size_t n, const RunContext& ctx) {
  std::vector<std::unique_ptr<Part>> parts;
  for (size_t i = 0; i < n; ++i) {
    parts.push_back(make_part(kind));
    parts.back()->init(ctx, static_cast<int>(i));
    all_.push_back(parts.back().get());
  }
  return parts;
}

Fabric::Fabric(const RunContext& ctx) {
  const SectionPlan& p = *ctx.plan;
  dram_ = make("dram", 1, ctx);
  links_ = make("link", p.links.size(), ctx);
  agcus_ = make("agcu", p.agcus.size(), ctx);
  buffers_ = make("pmu", p.buffers.size(), ctx);
  kernels_ = make("pcu", p.kernels.size(), ctx);
  streams_ = make("stream", p.dram_streams.size(), ctx);
  for (Part* part : all_) part->connect(*this);
}

namespace {
template <typename T>
T* at(const std::vector<std::unique_ptr<Part>>& v, int i, const char* what) {
  TESSERA_CHECK(i >= 0 && static_cast<size_t>(i) < v.size(), "no {} {} (of {})", what, i, v.size());
  return static_cast<T*>(v[static_cast<size_t>(i)].get());
}
}  // namespace

PcuPart* Fabric::kernel(int i) { return at<PcuPart>(kernels_, i, "kernel"); }
PmuPart* Fabric::buffer(int i) { return at<PmuPart>(buffers_, i, "buffer"); }
AgcuPart* Fabric::agcu(int i) { return at<AgcuPart>(agcus_, i, "AGCU"); }
StreamPart* Fabric::stream(int i) { return at<StreamPart>(streams_, i, "DRAM stream"); }
LinkPart* Fabric::link(int i) { return at<LinkPart>(links_, i, "link"); }
DramPart& Fabric::dram() { return *at<DramPart>(dram_, 0, "DRAM"); }

std::vector<LinkPart*> Fabric::links(const PathPlan& path) {
  std::vector<LinkPart*> out;
  for (int l : path.links) out.push_back(link(l));
  return out;
}

}  // namespace tessera::sim::cycle
