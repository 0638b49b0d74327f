// The static mesh that placement, routing and the verifier share: a grid of
// (chip.rows + 1) x (chip.cols + 1) switches, unit (r, c) attached to switch
// (r, c); a fringe unit (an AGCU whose site lies outside the unit grid)
// attaches to the nearest switch. Every switch has one directed link to each
// 4-neighbour, each carrying chip.link_vectors_per_cycle vectors per cycle.
// Streams touching an AGCU are DRAM traffic on the dynamic network: they get a
// route (for latency and drawings) but consume no static link capacity.
// Private to compile/: place, route and verify.
#pragma once

#include <cstdint>
#include <vector>

#include "tessera/compile/spatial.h"

namespace tessera::compile {

enum class Dir : uint8_t { East, West, South, North };

class Mesh {
 public:
  explicit Mesh(const Chip& chip) : rows_(chip.rows + 1), cols_(chip.cols + 1) {}

  int rows() const { return rows_; }  // switch rows
  int cols() const { return cols_; }  // switch columns
  int switches() const { return rows_ * cols_; }
  int links() const { return switches() * 4; }
  bool inside(const Hop& h) const { return h.row >= 0 && h.row < rows_ && h.col >= 0 && h.col < cols_; }
  int id(const Hop& h) const { return h.row * cols_ + h.col; }
  Hop hop(int id) const { return {id / cols_, id % cols_}; }
  Hop switch_of(const Site& s) const;
  // The directed link leaving switch `from` in direction d.
  int link(int from, Dir d) const { return from * 4 + static_cast<int>(d); }
  // The directed link between two 4-neighbour switches (a -> b).
  int link_between(const Hop& a, const Hop& b) const;

  // Calls f(link) for each link of the dimension-order path a -> b: columns
  // first when x_first (XY), rows first otherwise (YX).
  template <typename F>
  void walk(Hop a, const Hop& b, bool x_first, F&& f) const {
    auto step_col = [&] {
      while (a.col != b.col) {
        const Dir d = b.col > a.col ? Dir::East : Dir::West;
        f(link(id(a), d));
        a.col += d == Dir::East ? 1 : -1;
      }
    };
    auto step_row = [&] {
      while (a.row != b.row) {
        const Dir d = b.row > a.row ? Dir::South : Dir::North;
        f(link(id(a), d));
        a.row += d == Dir::South ? 1 : -1;
      }
    };
    if (x_first) {
      step_col();
      step_row();
    } else {
      step_row();
      step_col();
    }
  }

  std::vector<Hop> path(const Hop& a, const Hop& b, bool x_first) const;

 private:
  int rows_, cols_;
};

// True when the stream is DRAM traffic (one end is an AGCU).
bool is_dram(const SpatialProgram& sp, const Stream& s);

// Link demand per directed link of one section, recomputed from sp.routes
// (on-chip streams only), and the overload figures derived from it.
struct LinkLoad {
  std::vector<double> demand;  // vectors per cycle, indexed by Mesh::link
  double capacity = 1;         // chip.link_vectors_per_cycle
  double peak_ratio = 0;       // max demand / capacity
  int overloaded_links = 0;    // links with demand > capacity
  double excess = 0;           // sum over links of max(0, demand - capacity)
};
LinkLoad link_load(const SpatialProgram& sp, int section);

// Overflow of one link: the part of its demand beyond capacity.
inline double overflow(double demand, double capacity) { return demand > capacity ? demand - capacity : 0.0; }

}  // namespace tessera::compile
