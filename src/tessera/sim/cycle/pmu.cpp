#include "tessera/sim/cycle/pmu.h"

#include <algorithm>
#include <cmath>

#include "tessera/sim/cycle/engine.h"
#include "tessera/support/error.h"

namespace tessera::sim::cycle {

namespace {
constexpr int64_t kArrive = 0, kRelease = 1;  // tag = tile * 2 + what
}

void PmuPart::init(const RunContext& ctx, int index) {
  item_ = &ctx.plan->buffers[static_cast<size_t>(index)];
  spec_ = ctx.spec;
  name_ = "PMU " + item_->role;
  read_port_ = RateServer(spec_->pmu_port_bytes_per_cycle * spec_->read_ports);
  write_port_ = RateServer(spec_->pmu_port_bytes_per_cycle * spec_->write_ports);
  const int64_t tp = item_->producer_tiles, tc = item_->consumer_tiles;
  window_ = item_->depth * std::max<int64_t>(1, (tc + tp - 1) / tp);
}

bool PmuPart::ready(int64_t j) const {
  const int64_t tp = item_->producer_tiles, tc = item_->consumer_tiles;
  if (item_->resident) return arrived_ >= tp;
  return arrived_ >= ((j + 1) * tp + tc - 1) / tc;
}

bool PmuPart::room(int64_t i) const {
  if (item_->resident || item_->consumer_kind == EndKind::Sink) return true;
  return (i + 1) * item_->consumer_tiles <= (released_ + window_) * item_->producer_tiles;
}

void PmuPart::wait_for_data(Part* p) {
  if (std::find(consumer_waiters_.begin(), consumer_waiters_.end(), p) == consumer_waiters_.end())
    consumer_waiters_.push_back(p);
}

void PmuPart::wait_for_room(Part* p) {
  if (std::find(producer_waiters_.begin(), producer_waiters_.end(), p) == producer_waiters_.end())
    producer_waiters_.push_back(p);
}

RateServer::Slot PmuPart::read(int64_t at, int64_t bytes) {
  conflicts_ += static_cast<double>(bytes) * (item_->conflict - 1) / spec_->pmu_port_bytes_per_cycle;
  return read_port_.serve(at, static_cast<double>(bytes) * item_->conflict);
}

Flow PmuPart::write(Flow in, int64_t bytes) { return pass(write_port_, in, static_cast<double>(bytes), 1); }

void PmuPart::arrive_at(Engine& e, int64_t time, int64_t tile) { e.schedule(time, this, tile * 2 + kArrive); }

void PmuPart::release_at(Engine& e, int64_t time, int64_t tile) {
  if (!item_->resident) e.schedule(time, this, tile * 2 + kRelease);
}

void PmuPart::advance(int64_t& count, std::set<int64_t>& early, int64_t tile) {
  early.insert(tile);
  while (!early.empty() && *early.begin() == count) {
    early.erase(early.begin());
    ++count;
  }
}

void PmuPart::wake(Engine& e, std::vector<Part*>& waiters) {
  std::vector<Part*> w;
  w.swap(waiters);
  for (Part* p : w) e.schedule(e.now(), p, -1);
}

void PmuPart::tick(Engine& e, int64_t tag) {
  const int64_t tile = tag / 2;
  if (tag % 2 == kArrive) {
    advance(arrived_, early_arrivals_, tile);
    if (item_->consumer_kind == EndKind::Sink) released_ = arrived_;
    wake(e, consumer_waiters_);
  } else {
    advance(released_, early_releases_, tile);
    wake(e, producer_waiters_);
  }
}

bool PmuPart::enlarge_if_blocked(Engine& e) {
  if (producer_waiters_.empty()) return false;
  window_ *= 2;
  wake(e, producer_waiters_);
  return true;
}

void PmuPart::finalize(SectionStats& stats) const {
  const double busy = std::max(read_port_.busy_cycles(), write_port_.busy_cycles());
  stats.pmu_busy = std::max(stats.pmu_busy, busy);
  stats.pmu_port_cycles += read_port_.busy_cycles() + write_port_.busy_cycles();
  stats.pmu_unit_cycles += busy;
  stats.bank_conflicts += std::llround(conflicts_);
}

}  // namespace tessera::sim::cycle
