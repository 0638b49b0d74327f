// The static mesh shared by place, route and verify (see route_mesh.h).
#include "tessera/compile/route_mesh.h"

#include <algorithm>
#include <cstdlib>

#include "tessera/support/error.h"

namespace tessera::compile {

Hop Mesh::switch_of(const Site& s) const {
  return {std::clamp(s.row, 0, rows_ - 1), std::clamp(s.col, 0, cols_ - 1)};
}

int Mesh::link_between(const Hop& a, const Hop& b) const {
  TESSERA_CHECK(std::abs(a.row - b.row) + std::abs(a.col - b.col) == 1, "switches ({},{}) and ({},{}) are not neighbours",
                a.row, a.col, b.row, b.col);
  const Dir d = b.col > a.col ? Dir::East : b.col < a.col ? Dir::West : b.row > a.row ? Dir::South : Dir::North;
  return link(id(a), d);
}

std::vector<Hop> Mesh::path(const Hop& a, const Hop& b, bool x_first) const {
  std::vector<Hop> hops{a};
  walk(a, b, x_first, [&](int l) {
    Hop h = hop(l / 4);
    switch (static_cast<Dir>(l % 4)) {
      case Dir::East: ++h.col; break;
      case Dir::West: --h.col; break;
      case Dir::South: ++h.row; break;
      case Dir::North: --h.row; break;
    }
    hops.push_back(h);
  });
  return hops;
}

bool is_dram(const SpatialProgram& sp, const Stream& s) {
  return sp.units[s.src].kind == UnitKind::AGCU || sp.units[s.dst].kind == UnitKind::AGCU;
}

LinkLoad link_load(const SpatialProgram& sp, int section) {
  const Mesh mesh(sp.chip);
  LinkLoad out;
  out.capacity = std::max(1, sp.chip.link_vectors_per_cycle);
  out.demand.assign(mesh.links(), 0.0);
  for (const Route& r : sp.routes) {
    const Stream& s = sp.streams[r.stream];
    if (s.section != section || is_dram(sp, s)) continue;
    for (size_t i = 1; i < r.hops.size(); ++i) out.demand[mesh.link_between(r.hops[i - 1], r.hops[i])] += s.vectors_per_cycle;
  }
  for (double d : out.demand) {
    out.peak_ratio = std::max(out.peak_ratio, d / out.capacity);
    const double over = overflow(d, out.capacity * (1 + 1e-9));
    out.overloaded_links += over > 0;
    out.excess += over > 0 ? d - out.capacity : 0.0;
  }
  return out;
}

}  // namespace tessera::compile
