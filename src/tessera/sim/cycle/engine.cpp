#include "tessera/sim/cycle/engine.h"

#include "tessera/sim/cycle/part.h"
#include "tessera/support/error.h"

namespace tessera::sim::cycle {

void Engine::schedule(int64_t time, Part* part, int64_t tag) {
  TESSERA_CHECK(time >= now_, "event for {} at cycle {} is before now ({})", part->name(), time, now_);
  queue_.push({time, seq_++, part, tag});
}

void Engine::run() {
  while (!queue_.empty()) {
    const Event e = queue_.top();
    queue_.pop();
    now_ = e.time;
    ++events_;
    e.part->tick(*this, e.tag);
  }
}

}  // namespace tessera::sim::cycle
