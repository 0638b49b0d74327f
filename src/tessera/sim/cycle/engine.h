// The event queue every part of a section shares. A part asks to be ticked
// at a cycle (with a tag saying why); the engine jumps from one such cycle to
// the next, so a part with nothing to do is never visited and idle time costs
// nothing. Events at the same cycle run in the order they were scheduled,
// which makes every run deterministic.
#pragma once

#include <cstdint>
#include <queue>
#include <vector>

namespace tessera::sim::cycle {

class Part;

class Engine {
 public:
  // `time` must not lie in the past.
  void schedule(int64_t time, Part* part, int64_t tag);
  // Runs events until none are left.
  void run();
  int64_t now() const { return now_; }
  int64_t events() const { return events_; }

 private:
  struct Event {
    int64_t time;
    uint64_t seq;
    Part* part;
    int64_t tag;
    bool operator>(const Event& o) const { return time != o.time ? time > o.time : seq > o.seq; }
  };
  std::priority_queue<Event, std::vector<Event>, std::greater<>> queue_;
  int64_t now_ = 0;
  uint64_t seq_ = 0;
  int64_t events_ = 0;
};

}  // namespace tessera::sim::cycle
