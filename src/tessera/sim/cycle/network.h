// Links and the way bursts cross them. A static link bundle carries
// `link_lanes` physical links of one vector per cycle, each limited by its
// credits: the next switch has `credits` vector slots per link and a slot
// comes back one round trip (2 hops) after it is used, so a link sends at
// most credits / round-trip vectors per cycle and never more than its
// capacity. Bursts cross links cut-through: the head moves on after the hop
// latency while the tail is still on earlier links, and a burst never moves
// faster than its source emits it nor than any link on its way.
#pragma once

#include <cstdint>
#include <vector>

#include "tessera/sim/cycle/part.h"
#include "tessera/sim/cycle/rate_server.h"

namespace tessera::sim::cycle {

// A burst in flight: the cycles its first and last byte are ready at a point.
struct Flow {
  int64_t first = 0, last = 0;
};

// Moves a burst of `bytes` through a server; its head continues
// `latency_after` cycles after it starts, its tail after it ends.
Flow pass(RateServer& server, Flow in, double bytes, int latency_after);

class LinkPart : public Part {
 public:
  void init(const RunContext& ctx, int index) override;
  void finalize(SectionStats& stats) const override;

  Flow cross(Flow in, double bytes) { return pass(server_, in, bytes, latency_); }
  const RateServer& server() const { return server_; }

 private:
  RateServer server_;
  int latency_ = 1;
  bool dynamic_ = false;
};

// A burst along a whole path; `delivery_latency` takes it from the last switch into the unit.
Flow send(const std::vector<LinkPart*>& links, Flow in, double bytes, int delivery_latency);

}  // namespace tessera::sim::cycle
