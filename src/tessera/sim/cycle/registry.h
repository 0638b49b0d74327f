// Part kinds by name: one table lists every kind cycle mode can build, with a
// one-line summary (docs/sim-cycle.md prints the same list). The section
// driver creates parts only through make_part.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "tessera/sim/cycle/part.h"

namespace tessera::sim::cycle {

struct PartKind {
  const char* name;
  const char* summary;
  std::unique_ptr<Part> (*make)();
};

const std::vector<PartKind>& part_kinds();
// Throws InternalError for an unknown kind.
std::unique_ptr<Part> make_part(std::string_view kind);

}  // namespace tessera::sim::cycle
