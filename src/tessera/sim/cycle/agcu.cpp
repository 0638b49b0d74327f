#include "tessera/sim/cycle/agcu.h"

#include <algorithm>

#include <fmt/format.h>

#include "tessera/sim/cycle/dram.h"
#include "tessera/sim/cycle/engine.h"
#include "tessera/sim/cycle/fabric.h"
#include "tessera/sim/cycle/pmu.h"
#include "tessera/support/error.h"

namespace tessera::sim::cycle {

void AgcuPart::init(const RunContext& ctx, int index) {
  ctx_ = &ctx;
  item_ = &ctx.plan->agcus[static_cast<size_t>(index)];
  name_ = fmt::format("AGCU {}", index);
  port_ = RateServer(ctx.spec->dynamic_bytes_per_cycle);
}

void AgcuPart::connect(Fabric& f) { dram_ = &f.dram(); }

void AgcuPart::submit(Engine& e, const DramRequest& r) {
  ++requests_;
  dram_->submit(e, r);
}

Flow AgcuPart::move(Flow in, int64_t bytes, int64_t trace_start) {
  const Flow out = pass(port_, in, static_cast<double>(bytes), ctx_->spec->dynamic_hop_latency);
  if (ctx_->trace)
    ctx_->trace->push_back({fmt::format("{} B", bytes), "agcu", 'X', ctx_->offset + trace_start,
                            std::max<int64_t>(1, out.last - trace_start), item_->track, 0});
  return out;
}

void AgcuPart::finalize(SectionStats& stats) const {
  stats.agcu_busy = std::max(stats.agcu_busy, port_.busy_cycles());
  stats.agcu_unit_cycles += port_.busy_cycles();
}

void StreamPart::init(const RunContext& ctx, int index) {
  s_ = &ctx.plan->dram_streams[static_cast<size_t>(index)];
  name_ = fmt::format("dram {} {}", s_->write ? "write" : "read", s_->tensor);
}

void StreamPart::connect(Fabric& f) {
  agcu_ = f.agcu(s_->agcu);
  for (const DramTarget& t : s_->targets) {
    targets_.push_back(f.buffer(t.buffer));
    target_agcus_.push_back(f.agcu(t.agcu));
    target_links_.push_back(f.links(t.path));
  }
  for (int a : s_->issuers) issuers_.push_back(f.agcu(a));
  if (s_->write) {
    source_ = f.buffer(s_->source);
    source_links_ = f.links(s_->path);
  }
  f.engine().schedule(0, this, -1);
}

int64_t StreamPart::address(int64_t tile) const {
  if (s_->tile_stride > 0) return s_->address + tile * s_->tile_stride;
  const int64_t before = s_->dram_bytes * tile / s_->tiles;  // bytes of the earlier tiles
  return s_->address + (s_->tensor_bytes > 0 ? before % s_->tensor_bytes : before);
}

void StreamPart::tick(Engine& e, int64_t tag) {
  if (tag >= 0) return write_tile(e, tag);
  if (s_->write) drain_tiles(e);
  else read_tiles(e);
}

// Requests every tile whose buffers have room, in parts through the issuing AGCUs.
void StreamPart::read_tiles(Engine& e) {
  while (next_ < s_->tiles) {
    for (PmuPart* b : targets_)
      if (!b->room(next_)) return b->wait_for_room(this);
    const int64_t bytes = split(s_->dram_bytes, s_->tiles, next_), at = address(next_);
    const int64_t parts = static_cast<int64_t>(issuers_.size());
    pending_[next_].parts = static_cast<int>(parts);
    for (int64_t i = 0; i < parts; ++i)
      issuers_[static_cast<size_t>(i)]->submit(
          e, {this, next_, s_->priority, s_->tier, at + bytes * i / parts, split(bytes, parts, i), false});
    ++next_;
  }
}

void StreamPart::dram_done(Engine& e, const DramRequest& r, Flow f) {
  if (r.write) {
    const Flow in = moving_.at(r.tile);
    moving_.erase(r.tile);
    const int64_t done = std::max(f.last, in.last + 1);
    source_->release_at(e, done, r.tile);
    finish_ = std::max(finish_, done);
    pending_.erase(r.tile);
    return;
  }
  Pending& p = pending_.at(r.tile);
  p.flow.first = p.flow.first < 0 ? f.first : std::min(p.flow.first, f.first);
  p.flow.last = std::max(p.flow.last, f.last);
  if (--p.parts > 0) return;
  const Flow data = p.flow;
  pending_.erase(r.tile);
  deliver(e, r.tile, data);
}

// The tile's data, back from DRAM, to every buffer that holds it.
void StreamPart::deliver(Engine& e, int64_t tile, Flow data) {
  for (size_t i = 0; i < targets_.size(); ++i) {
    const int64_t b = split(s_->targets[i].bytes, s_->tiles, tile);
    Flow f = target_agcus_[i]->move(data, b, data.first);
    f = send(target_links_[i], f, static_cast<double>(b), s_->targets[i].path.delivery_latency);
    f = targets_[i]->write(f, b);
    targets_[i]->arrive_at(e, std::max(f.last, e.now() + 1), tile);
    finish_ = std::max(finish_, f.last);
  }
}

// Moves every tile the staging buffer holds to the AGCU; writes it when it gets there.
void StreamPart::drain_tiles(Engine& e) {
  while (next_ < s_->tiles) {
    if (!source_->ready(next_)) return source_->wait_for_data(this);
    const int64_t bytes = split(s_->dram_bytes, s_->tiles, next_);
    const RateServer::Slot r = source_->read(e.now(), bytes);
    Flow f = send(source_links_, {r.start, std::max(r.start, r.end - 1)}, static_cast<double>(bytes), 0);
    f = agcu_->move(f, bytes, r.start);
    moving_[next_] = f;
    pending_[next_].parts = 1;
    e.schedule(std::max(f.first, e.now()), this, next_);
    ++next_;
  }
}

void StreamPart::write_tile(Engine& e, int64_t tile) {
  agcu_->submit(e, {this, tile, s_->priority, s_->tier, address(tile), split(s_->dram_bytes, s_->tiles, tile), true});
}

void StreamPart::finalize(SectionStats& stats) const { stats.end = std::max(stats.end, finish_); }

}  // namespace tessera::sim::cycle
