// Index helpers shared by the Conv, ConvTranspose and pool lowerings
// (lower/conv.cpp, lower/conv_pool.cpp). The executor evaluates both arms of
// a select, so every windowed read clamps its index into range and a select
// on the unclamped position zeroes (or -infs) the padding.
#pragma once

#include <vector>

#include "tessera/graph/infer_conv.h"
#include "tessera/lower/lower.h"
#include "tessera/pattern/builder.h"

namespace tessera::lower::window {

// a * m + c, leaving out the multiply by 1 and the add of 0.
pattern::E affine(pattern::E a, int64_t m, int64_t c);
// min(max(i, 0), extent - 1).
pattern::E clamp_index(pattern::E i, int64_t extent);
// The conjunction of conds (true when empty).
pattern::E all_of(const std::vector<pattern::E>& conds);
// Whether some output position o in 0..out reads input o*stride + k*dilation -
// pad_begin outside 0..in.
bool leaves_input(const graph::Window& w);

// The input index of one spatial dim of a forward window: pos = o*stride +
// k*dilation - pad_begin, clamped; pushes `0 <= pos < in` onto guards when
// the window can leave the input.
pattern::E read_index(pattern::E o, pattern::E k, const graph::Window& w, std::vector<pattern::E>& guards);

}  // namespace tessera::lower::window

namespace tessera::lower {

// Registers MaxPool, AveragePool, LpPool and the global pools (lower/conv_pool.cpp).
void register_lower_pool(LowerTable& t);

}  // namespace tessera::lower
