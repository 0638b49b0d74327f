// The compiler's view of an architecture: an ArchSpec resolved into a flat
// grid of sites (PCUs, PMUs and fringe AGCUs) and the handful of numbers the
// passes use. Tiles are laid out in a near-square arrangement; each tile keeps
// a one-cell fringe on every side where its AGCUs sit.
#pragma once

#include "tessera/arch/spec.h"
#include "tessera/compile/spatial.h"

namespace tessera::compile {

// `precision` is the compute format (its element size and lanes-per-lane
// packing); Error when the architecture is a roofline model or lacks it.
Chip chip_from_arch(const arch::ArchSpec& a, arch::Precision precision);

}  // namespace tessera::compile
