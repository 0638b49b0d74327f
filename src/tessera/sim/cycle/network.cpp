#include "tessera/sim/cycle/network.h"

#include <algorithm>

#include <fmt/format.h>

namespace tessera::sim::cycle {

Flow pass(RateServer& server, Flow in, double bytes, int latency_after) {
  const RateServer::Slot s = server.serve(in.first, bytes);
  const int64_t last = std::max(s.end - 1, in.last);  // the tail cannot leave before it arrives
  return {s.start + latency_after, last + latency_after};
}

void LinkPart::init(const RunContext& ctx, int index) {
  const LinkPlan& l = ctx.plan->links[static_cast<size_t>(index)];
  server_ = RateServer(l.bytes_per_cycle);
  latency_ = l.latency;
  dynamic_ = l.dynamic;
  name_ = fmt::format("{} link {}", l.dynamic ? "dynamic" : "static", l.key);
}

void LinkPart::finalize(SectionStats& stats) const {
  if (!dynamic_) stats.link_busy = std::max(stats.link_busy, server_.busy_cycles());
  stats.bit_hops += server_.units() * 8;
}

Flow send(const std::vector<LinkPart*>& links, Flow in, double bytes, int delivery_latency) {
  for (LinkPart* l : links) in = l->cross(in, bytes);
  return {in.first + delivery_latency, in.last + delivery_latency};
}

}  // namespace tessera::sim::cycle
