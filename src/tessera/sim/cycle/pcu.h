// The PCUs of one kernel: `par` copies of a chain of SIMD pipelines. A copy
// accepts one vector (lanes elements; for a contraction one vector-step of
// lanes x stages multiply-adds) per cycle and returns its result `depth`
// cycles later: stages x chain, the hops between chained PCUs, and the
// cross-lane reduction tree for kernels that reduce. Each tile's vectors are
// shared out over the copies exactly; a tile starts when every input buffer
// holds the data it needs and every output buffer has room, and its inputs
// are read through the PMU ports while its results stream over the network
// into the consumers' buffers.
#pragma once

#include <cstdint>
#include <vector>

#include "tessera/sim/cycle/network.h"
#include "tessera/sim/cycle/part.h"

namespace tessera::sim::cycle {

class PmuPart;

struct Burst {
  int64_t first_out = 0, last_out = 0;  // cycles the first and last result leave the last stage
  int64_t fed = 0;                      // first cycle the pipeline can take the next vector
};

// One copy's pipeline (lanes x stages, `depth` cycles deep).
class PcuPipeline {
 public:
  explicit PcuPipeline(int depth = 1) : depth_(depth) {}
  // Feeds `vectors` vectors from `start` (or once the previous burst is in);
  // entry also waits for operands still being read until `operands_done`.
  Burst feed(int64_t start, int64_t vectors, int64_t operands_done = 0);
  int depth() const { return depth_; }
  int64_t busy() const { return busy_; }  // vectors fed

 private:
  int depth_;
  int64_t free_ = 0, busy_ = 0;
};

class PcuPart : public Part {
 public:
  void init(const RunContext& ctx, int index) override;
  void connect(Fabric& fabric) override;
  void tick(Engine& engine, int64_t tag) override;
  void finalize(SectionStats& stats) const override;

  bool done() const { return next_ >= k_->tiles; }
  const KernelItem& item() const { return *k_; }
  int64_t next_tile() const { return next_; }

 private:
  void start_tile(Engine& engine);
  void trace_tile(int64_t start, int64_t end) const;

  const RunContext* ctx_ = nullptr;
  const KernelItem* k_ = nullptr;
  std::vector<PcuPipeline> copies_;
  std::vector<PmuPart*> inputs_, outputs_, read_buffers_, write_buffers_;
  std::vector<std::vector<LinkPart*>> write_links_, chain_links_;
  int64_t next_ = 0, feed_free_ = 0, finish_ = 0;
};

}  // namespace tessera::sim::cycle
