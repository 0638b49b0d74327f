// AGCUs: the address generators at the chip's fringe that move DRAM traffic.
// An AgcuPart hands its streams' DRAM requests (a tile of a tensor, read or
// written) to the DRAM controller (dram.h) and carries the data between DRAM
// and the PMUs through its port onto the dynamic network.
// A StreamPart is one DRAM stream: a read stream prefetches a tensor tile by
// tile into the PMU buffers that need it (as far as their buffers have room;
// a tensor several buffers hold is read once and multicast, a weight loaded
// into several PMUs is read through each slice's AGCU), a write stream
// drains a staging buffer tile by tile and frees each tile once written.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "tessera/sim/cycle/dram.h"
#include "tessera/sim/cycle/network.h"
#include "tessera/sim/cycle/part.h"
#include "tessera/sim/cycle/rate_server.h"

namespace tessera::sim::cycle {

class DramPart;
class PmuPart;

class AgcuPart : public Part {
 public:
  void init(const RunContext& ctx, int index) override;
  void connect(Fabric& fabric) override;
  void finalize(SectionStats& stats) const override;

  void submit(Engine& engine, const DramRequest& r);
  // Data between the AGCU and the dynamic network.
  Flow move(Flow in, int64_t bytes, int64_t trace_start);

 private:
  const RunContext* ctx_ = nullptr;
  const AgcuItem* item_ = nullptr;
  DramPart* dram_ = nullptr;
  RateServer port_;
  int64_t requests_ = 0;
};

class StreamPart : public Part {
 public:
  void init(const RunContext& ctx, int index) override;
  void connect(Fabric& fabric) override;
  void tick(Engine& engine, int64_t tag) override;
  void finalize(SectionStats& stats) const override;

  // The AGCU finished a request of this stream.
  void dram_done(Engine& engine, const DramRequest& r, Flow f);
  bool done() const { return next_ >= s_->tiles && pending_.empty(); }
  int64_t next_tile() const { return next_; }

 private:
  struct Pending {
    int parts = 0;
    Flow flow{-1, -1};
  };
  void read_tiles(Engine& engine);
  void deliver(Engine& engine, int64_t tile, Flow data);
  void drain_tiles(Engine& engine);
  void write_tile(Engine& engine, int64_t tile);
  int64_t address(int64_t tile) const;

  const DramStreamItem* s_ = nullptr;
  std::vector<AgcuPart*> issuers_;  // reads: the AGCUs a tile's parts go through
  AgcuPart* agcu_ = nullptr;
  std::vector<PmuPart*> targets_;
  std::vector<AgcuPart*> target_agcus_;
  std::vector<std::vector<LinkPart*>> target_links_;
  PmuPart* source_ = nullptr;
  std::vector<LinkPart*> source_links_;
  int64_t next_ = 0, finish_ = 0;
  std::map<int64_t, Pending> pending_;  // tiles whose DRAM requests are in flight
  std::map<int64_t, Flow> moving_;      // write tiles on their way to the AGCU
};

}  // namespace tessera::sim::cycle
