// A resource that moves work at a fixed rate, first come first served in
// time: a network link, a PMU port, an AGCU port, a DRAM channel. A request
// may be made for a later cycle (a tile's results leave its pipeline `depth`
// cycles after it starts); one made afterwards for an earlier cycle goes into
// the idle gap before that reservation when it fits there, instead of
// queueing behind it. Work is counted in units (bytes) and time in whole
// cycles, but the server keeps the fraction of a cycle a request leaves
// unused, so over a long busy run it delivers exactly `rate` units per cycle
// (no rounding per request). Several requests can share one cycle when each
// needs only part of it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tessera::sim::cycle {

class RateServer {
 public:
  explicit RateServer(double rate = 1) : rate_(rate) {}

  struct Slot {
    int64_t start = 0;  // first cycle the request moves data
    int64_t end = 0;    // first cycle after it (the last unit moves at end - 1)
  };
  // Serves `units` that are ready at `ready`, after everything served before;
  // `extra_cycles` of dead time (a bus turnaround) come first.
  Slot serve(int64_t ready, double units, double extra_cycles = 0);

  double rate() const { return rate_; }
  int64_t free_at() const { return free_; }
  double busy_cycles() const { return busy_; }  // cycles spent moving data (and dead time)
  double units() const { return units_; }

 private:
  Slot fill_gap(int64_t ready, double work);

  static constexpr size_t kMaxGaps = 16;  // the most recent idle gaps kept
  double rate_;
  // Idle [start, end) before reservations made for later cycles, in time
  // order (each new one starts at free_, after every earlier one).
  // Work already placed at a gap's start moves `from` on by its fraction of
  // a cycle, so small requests share a gap's cycles as they share a busy period's.
  struct Gap {
    double from;
    int64_t to;
  };
  std::vector<Gap> gaps_;
  double widest_gap_ = 0;  // the longest of gaps_
  void measure_gaps();
  int64_t epoch_ = 0;    // start of the current busy period
  double period_ = 0;    // cycles of work since epoch_ (fractional)
  int64_t free_ = 0;
  double busy_ = 0, units_ = 0;
};

}  // namespace tessera::sim::cycle
