#include "tessera/sim/cycle/part.h"

#include "tessera/support/error.h"

namespace tessera::sim::cycle {

void Part::tick(Engine&, int64_t tag) { TESSERA_CHECK(false, "{} got event {} but never schedules any", name_, tag); }

}  // namespace tessera::sim::cycle
