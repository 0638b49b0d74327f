// A small persistent pool for the executor's parallel regions. Workers sleep
// on a condition variable between regions (no spinning), so the interpreter
// and the GEMMs it issues never fight over the cores: BLAS runs one thread per
// call and the pool splits the work.
#pragma once

#include <cstdint>
#include <functional>

namespace tessera::exec {

// Runs task(i) for i in [0, tasks) on up to `threads` threads (the caller is
// one of them) and waits; the first exception thrown by a task is rethrown.
void parallel_run(int64_t tasks, int threads, const std::function<void(int64_t)>& task);

}  // namespace tessera::exec
