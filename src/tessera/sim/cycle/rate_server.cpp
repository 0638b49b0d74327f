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
  if (ready < free_ && work > 0 && !gaps_.empty() && ready < gaps_.back().second && work <= widest_gap_) {
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
        widest_gap_ = 0;
        for (const auto& [a, b] : gaps_) widest_gap_ = std::max(widest_gap_, b - a);
      }
      gaps_.emplace_back(free_, ready);
      widest_gap_ = std::max(widest_gap_, ready - free_);
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
  const int64_t need = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(work - kEps)));
  // Gaps end in increasing order: skip those that end by `ready`.
  const auto first = std::upper_bound(gaps_.begin(), gaps_.end(), ready,
                                      [](int64_t r, const std::pair<int64_t, int64_t>& g) { return r < g.second; });
  for (size_t i = static_cast<size_t>(first - gaps_.begin()); i < gaps_.size(); ++i) {
    const auto [from, to] = gaps_[i];
    const int64_t start = std::max(ready, from);
    if (start + need > to) continue;
    gaps_.erase(gaps_.begin() + static_cast<std::ptrdiff_t>(i));
    auto at = gaps_.begin() + static_cast<std::ptrdiff_t>(i);
    if (start + need < to) at = gaps_.insert(at, {start + need, to});
    if (start > from) gaps_.insert(at, {from, start});
    if (gaps_.size() > kMaxGaps) gaps_.erase(gaps_.begin());  // a split adds one
    widest_gap_ = 0;
    for (const auto& [a, b] : gaps_) widest_gap_ = std::max(widest_gap_, b - a);
    return {start, start + need};
  }
  return {0, 0};
}

}  // namespace tessera::sim::cycle
