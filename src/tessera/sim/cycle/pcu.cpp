#include "tessera/sim/cycle/pcu.h"

#include <algorithm>
#include <map>

#include "tessera/sim/cycle/engine.h"
#include "tessera/sim/cycle/fabric.h"
#include "tessera/sim/cycle/pmu.h"

namespace tessera::sim::cycle {

Burst PcuPipeline::feed(int64_t start, int64_t vectors, int64_t operands_done) {
  const int64_t s = std::max(start, free_);
  const int64_t in = std::max(s + vectors, operands_done);
  busy_ += vectors;
  free_ = in;
  return {s + depth_, std::max(s, in - 1) + depth_, in};
}

void PcuPart::init(const RunContext& ctx, int index) {
  ctx_ = &ctx;
  k_ = &ctx.plan->kernels[static_cast<size_t>(index)];
  name_ = k_->name;
  for (int d : k_->depth) copies_.emplace_back(d);
}

void PcuPart::connect(Fabric& f) {
  for (int b : k_->inputs) inputs_.push_back(f.buffer(b));
  for (int b : k_->outputs) outputs_.push_back(f.buffer(b));
  for (const KernelRead& r : k_->reads) read_buffers_.push_back(f.buffer(r.buffer));
  for (const KernelWrite& w : k_->writes) {
    write_buffers_.push_back(f.buffer(w.buffer));
    write_links_.push_back(f.links(w.path));
  }
  for (const ChainHop& c : k_->chain_hops) chain_links_.push_back(f.links(c.path));
  f.engine().schedule(0, this, -1);
}

void PcuPart::tick(Engine& e, int64_t) {
  if (done() || e.now() < feed_free_) return;  // a later tick is already due
  for (PmuPart* b : inputs_)
    if (!b->ready(next_)) return b->wait_for_data(this);
  for (PmuPart* b : outputs_)
    if (!b->room(next_)) return b->wait_for_room(this);
  start_tile(e);
}

void PcuPart::start_tile(Engine& e) {
  const int64_t t = next_, s = e.now(), T = k_->tiles;
  const int64_t vectors = split(k_->vectors, T, t);
  std::vector<int64_t> operands(copies_.size(), s);
  for (size_t i = 0; i < k_->reads.size(); ++i) {
    const KernelRead& r = k_->reads[i];
    const int64_t bytes = split(r.bytes, T, t);
    if (bytes > 0) operands[r.copy] = std::max(operands[r.copy], read_buffers_[i]->read(s, bytes).end);
  }
  std::vector<Burst> bursts(copies_.size());
  int64_t fed = s;  // a step with no vectors takes no time
  for (size_t p = 0; p < copies_.size(); ++p) {
    bursts[p] = copies_[p].feed(s, split(vectors, static_cast<int64_t>(copies_.size()), static_cast<int64_t>(p)), operands[p]);
    fed = std::max(fed, bursts[p].fed);
  }
  for (size_t i = 0; i < k_->chain_hops.size(); ++i) {  // bandwidth between chained PCUs (latency is in depth)
    const ChainHop& c = k_->chain_hops[i];
    send(chain_links_[i], {s, bursts[c.copy].fed - 1}, static_cast<double>(split(c.bytes, T, t)), 0);
  }
  std::map<PmuPart*, int64_t> arrival;
  for (size_t i = 0; i < k_->writes.size(); ++i) {
    const KernelWrite& w = k_->writes[i];
    const int64_t bytes = split(w.bytes, T, t);
    const Burst& b = bursts[w.copy];
    const Flow on_chip = send(write_links_[i], {b.first_out, b.last_out}, static_cast<double>(bytes), w.path.delivery_latency);
    const Flow stored = write_buffers_[i]->write(on_chip, bytes);
    arrival[write_buffers_[i]] = std::max(arrival[write_buffers_[i]], stored.last);
  }
  for (PmuPart* b : outputs_) {
    const int64_t at = std::max(arrival[b], s);
    b->arrive_at(e, at, t);
    finish_ = std::max(finish_, at);
  }
  for (PmuPart* b : inputs_) b->release_at(e, fed, t);
  trace_tile(s, fed);
  ++next_;
  feed_free_ = fed;
  if (!done()) e.schedule(fed, this, -1);
}

void PcuPart::trace_tile(int64_t start, int64_t end) const {
  if (!ctx_->trace) return;
  ctx_->trace->push_back({k_->name, "pcu", 'X', ctx_->offset + start, end - start, k_->track, 0});
}

void PcuPart::finalize(SectionStats& stats) const {
  for (const PcuPipeline& c : copies_) {
    stats.compute_busy = std::max(stats.compute_busy, static_cast<double>(c.busy()));
    stats.pcu_busy_cycles += static_cast<double>(c.busy()) * k_->chain;
  }
  stats.fu_ops += k_->fu_ops;
  stats.flops += k_->flops;
  stats.end = std::max(stats.end, finish_);
}

}  // namespace tessera::sim::cycle
