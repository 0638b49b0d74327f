// Work counts of Pattern IR: floating-point operations (every float unary or
// binary op and every reduce combine counts one; a multiply-accumulate is two)
// and bytes of tensor traffic at the kernel boundary.
#pragma once

#include <cstdint>

#include "tessera/pattern/ir.h"

namespace tessera::pattern {

int64_t count_flops(const Kernel& k);
int64_t count_flops(const Program& p);

}  // namespace tessera::pattern
