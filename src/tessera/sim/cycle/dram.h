// Off-chip memory: one or more tiers (HBM, DDR...), each a set of channels
// that requests are interleaved over in kDramChunkBytes chunks. A channel
// moves `channel_bytes_per_cycle` bytes per cycle, first come first served;
// a chunk's data is back `latency_cycles` after the channel moved it;
// switching between reads and writes costs `turnaround_cycles` of dead bus
// time. Over a long busy run a channel delivers exactly its bandwidth.
//
// The controller (DramPart) queues the AGCUs' requests and keeps at most
// kDramQueuePerChannel x channels chunks per tier in flight (one channel may
// hold more than its share when the requests fall on it). Requests that
// arrive in the same cycle are all seen before it issues, always taking the next
// chunk of the request needed earliest: the lowest priority (the program
// position of the kernel the data is for), then the earliest tile, then the
// first submitted. A weight needed late never delays a tile needed now.
#pragma once

#include <cstdint>
#include <map>
#include <tuple>
#include <vector>

#include "tessera/sim/cycle/network.h"
#include "tessera/sim/cycle/part.h"
#include "tessera/sim/cycle/rate_server.h"

namespace tessera::sim::cycle {

inline constexpr int kDramQueuePerChannel = 4;  // [A] chunks in flight per channel

class StreamPart;

struct DramRequest {
  StreamPart* stream = nullptr;  // told when the request is done (null: nobody)
  int64_t tile = 0;
  int64_t priority = 0;          // lower is needed earlier
  int tier = 0;
  int64_t address = 0, bytes = 0;
  bool write = false;
};

class DramChannel {
 public:
  explicit DramChannel(const DramTierSpec& tier) : server_(tier.channel_bytes_per_cycle), tier_(&tier) {}
  // The cycle the request's last byte is back (reads) or stored (writes).
  int64_t access(int64_t ready, int64_t bytes, bool write);

  double busy_cycles() const { return server_.busy_cycles(); }
  int64_t bytes_read() const { return read_; }
  int64_t bytes_written() const { return written_; }
  int64_t turnarounds() const { return turnarounds_; }

 private:
  RateServer server_;
  const DramTierSpec* tier_;
  bool has_last_ = false, last_write_ = false;
  int64_t read_ = 0, written_ = 0, turnarounds_ = 0;
};

class DramPart : public Part {
 public:
  void init(const RunContext& ctx, int index) override;
  void tick(Engine& engine, int64_t tag) override;  // a chunk is done
  void finalize(SectionStats& stats) const override;

  // Queues a request; its stream hears back through StreamPart::dram_done.
  void submit(Engine& engine, const DramRequest& r);
  // One chunk straight to its channel (within one kDramChunkBytes granule): the cycle it is done.
  int64_t chunk(int64_t ready, int tier, int64_t address, int64_t bytes, bool write);

 private:
  struct Active {
    DramRequest r;
    int64_t issued = 0;
    int outstanding = 0;
    Flow flow{-1, -1};
  };
  using Key = std::tuple<int64_t, int64_t, int64_t>;  // priority, tile, submission
  static constexpr int64_t kIssue = -1;                // tick tag: issue what was submitted this cycle
  bool issue_due_ = false;
  // Bytes done per window of `window_` cycles; the window doubles (merging
  // pairs) whenever the section outgrows kMaxBins, so tracing costs bounded memory.
  static constexpr size_t kMaxBins = 4096;
  void sample(int64_t end, int64_t bytes, bool write);
  void issue(Engine& engine);
  void emit_counters() const;

  const RunContext* ctx_ = nullptr;
  std::vector<std::vector<DramChannel>> tiers_;
  std::map<Key, Active> queue_;         // requests with chunks left to issue or in flight
  std::map<int64_t, Key> by_id_;        // submission -> key
  std::vector<int> in_flight_;          // per tier
  std::vector<int> limit_;              // per tier
  int64_t submitted_ = 0;
  int64_t window_ = 64, last_end_ = 0;
  std::vector<double> read_bins_, write_bins_;  // tracing only
};

}  // namespace tessera::sim::cycle
