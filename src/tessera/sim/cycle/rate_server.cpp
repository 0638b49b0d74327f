#include "tessera/sim/cycle/rate_server.h"

#include <algorithm>
#include <cmath>

namespace tessera::sim::cycle {

namespace {
constexpr double kEps = 1e-9;
}

RateServer::Slot RateServer::serve(int64_t ready, double units, double extra_cycles) {
  if (ready >= free_) {  // idle: a new busy period starts
    epoch_ = ready;
    period_ = 0;
  }
  const double work = units / rate_ + extra_cycles;
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

}  // namespace tessera::sim::cycle
