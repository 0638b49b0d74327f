#include "tessera/sim/cycle/rate_server.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace tessera::sim::cycle {

namespace {
constexpr double kEps = 1e-9;
}

RateServer::Slot RateServer::serve(int64_t ready, double units, double extra_cycles) {
  const double work = units / rate_ + extra_cycles;
  if (ready < free_ && work > 0 && !gaps_.empty() && ready < gaps_.back().to && work <= widest_gap_ + kEps) {
    const Slot g = fill_gap(ready, work);
    if (g.end > g.start) {
      busy_ += work;
      units_ += units;
      return g;
    }
  }
  if (ready >= free_) {  // idle: a new busy period starts
    if (ready > free_ && free_ > 0) {
      if (gaps_.size() == kMaxGaps) {
        gaps_.erase(gaps_.begin());
        measure_gaps();
      }
      gaps_.push_back({static_cast<double>(free_), ready});
      widest_gap_ = std::max(widest_gap_, static_cast<double>(ready - free_));
    }
    epoch_ = ready;
    period_ = 0;
  }
  Slot s;
  s.start = std::max(ready, epoch_ + static_cast<int64_t>(std::floor(period_ + extra_cycles + kEps)));
  period_ += work;
  s.end = std::max(s.start + 1, epoch_ + static_cast<int64_t>(std::ceil(period_ - kEps)));
  if (units <= 0 && extra_cycles <= 0) s.end = s.start;
  free_ = std::max(free_, s.end);
  busy_ += work;
  units_ += units;
  return s;
}

// The earliest idle gap at or after `ready` that holds `work` whole cycles;
// an empty slot when none does.
RateServer::Slot RateServer::fill_gap(int64_t ready, double work) {
  // Gaps end in increasing order: skip those that end by `ready`.
  const auto first = std::upper_bound(gaps_.begin(), gaps_.end(), ready,
                                      [](int64_t r, const Gap& g) { return r < g.to; });
  for (size_t i = static_cast<size_t>(first - gaps_.begin()); i < gaps_.size(); ++i) {
    Gap& g = gaps_[i];
    const double start = std::max(static_cast<double>(ready), g.from);
    if (start + work > static_cast<double>(g.to) + kEps) continue;
    const bool widest = static_cast<double>(g.to) - g.from >= widest_gap_ - kEps;
    Slot slot;
    slot.start = static_cast<int64_t>(std::floor(start + kEps));
    slot.end = std::max(slot.start + 1, static_cast<int64_t>(std::ceil(start + work - kEps)));
    if (start - g.from < kEps) {  // from the gap's start: what is left of it
      g.from = start + work;
      if (g.from > static_cast<double>(g.to) - kEps) gaps_.erase(gaps_.begin() + static_cast<std::ptrdiff_t>(i));
    } else {  // inside it: split it around the request
      const Gap after{start + work, g.to};
      g.to = slot.start;
      if (after.from < static_cast<double>(after.to) - kEps)
        gaps_.insert(gaps_.begin() + static_cast<std::ptrdiff_t>(i) + 1, after);
      if (gaps_.size() > kMaxGaps) gaps_.erase(gaps_.begin());
    }
    if (widest) measure_gaps();  // only the widest gap shrinking can lower the widest
    return slot;
  }
  return {0, 0};
}

void RateServer::measure_gaps() {
  widest_gap_ = 0;
  for (const Gap& g : gaps_) widest_gap_ = std::max(widest_gap_, static_cast<double>(g.to) - g.from);
}

}  // namespace tessera::sim::cycle
