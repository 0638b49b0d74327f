// A* on the static mesh (see route_astar.h).
#include "tessera/compile/route_astar.h"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <queue>
#include <utility>

#include "tessera/support/error.h"

namespace tessera::compile {
namespace {

constexpr int kMargin = 2;             // switches beyond the endpoints' bounding box
constexpr double kLoadCost = 0.5;      // per unit of load / capacity already on the link
constexpr double kOverflowCost = 10;   // per unit of overflow / capacity the stream adds
constexpr double kGreed = 1.5;         // weight on the distance-to-go: much faster, paths a little worse

}  // namespace

AStar::AStar(const Mesh& mesh)
    : mesh_(mesh), cost_(mesh.switches()), prev_(mesh.switches()), seen_(mesh.switches(), 0), done_(mesh.switches()) {}

std::vector<Hop> AStar::find(const Hop& a, const Hop& b, double demand, double capacity,
                             const std::vector<double>& load, const std::vector<double>& history) {
  ++search_;
  const int r0 = std::max(0, std::min(a.row, b.row) - kMargin);
  const int r1 = std::min(mesh_.rows() - 1, std::max(a.row, b.row) + kMargin);
  const int c0 = std::max(0, std::min(a.col, b.col) - kMargin);
  const int c1 = std::min(mesh_.cols() - 1, std::max(a.col, b.col) + kMargin);
  auto guess = [&](const Hop& h) { return kGreed * (std::abs(h.row - b.row) + std::abs(h.col - b.col)); };
  using Entry = std::pair<double, int>;  // estimated total cost, switch
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> open;
  const int start = mesh_.id(a), goal = mesh_.id(b);
  seen_[start] = search_;
  cost_[start] = 0;
  prev_[start] = -1;
  done_[start] = 0;
  open.push({guess(a), start});
  while (!open.empty()) {
    const int u = open.top().second;
    open.pop();
    if (done_[u]) continue;
    done_[u] = 1;
    if (u == goal) break;
    const Hop h = mesh_.hop(u);
    const Hop next[4] = {{h.row, h.col + 1}, {h.row, h.col - 1}, {h.row + 1, h.col}, {h.row - 1, h.col}};
    for (int d = 0; d < 4; ++d) {
      const Hop& n = next[d];
      if (n.row < r0 || n.row > r1 || n.col < c0 || n.col > c1) continue;
      const int v = mesh_.id(n);
      const int link = mesh_.link(u, static_cast<Dir>(d));
      const double l = load[link];
      const double step = 1 + history[link] + kLoadCost * l / capacity +
                          kOverflowCost * (overflow(l + demand, capacity) - overflow(l, capacity)) / capacity;
      const double c = cost_[u] + step;
      if (seen_[v] == search_ && (done_[v] || c >= cost_[v])) continue;
      seen_[v] = search_;
      done_[v] = 0;
      cost_[v] = c;
      prev_[v] = u;
      open.push({c + guess(n), v});
    }
  }
  TESSERA_CHECK(seen_[goal] == search_, "no path from switch ({},{}) to ({},{})", a.row, a.col, b.row, b.col);
  std::vector<Hop> path;
  for (int v = goal; v >= 0; v = prev_[v]) path.push_back(mesh_.hop(v));
  std::reverse(path.begin(), path.end());
  return path;
}

}  // namespace tessera::compile
