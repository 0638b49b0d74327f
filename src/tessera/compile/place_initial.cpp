// The constructive start for the annealer. PCUs and PMUs are laid along a
// snake through the unit grid: bands of kBand rows, walked column by column,
// each column up or down so that consecutive cells are neighbours (on a
// checkerboard the snake alternates PCU and PMU cells). Units are taken
// kernel by kernel, each kernel's units in depth-first order over its
// streams, so a chain's stages and the buffers that feed them land on
// consecutive cells; each unit takes the free site of its kind nearest the
// snake's cursor. AGCUs then go to the free AGCU site nearest the weighted
// centre of the units they serve.
#include <algorithm>
#include <cstdlib>
#include <limits>
#include <set>
#include <utility>

#include "tessera/compile/place_internal.h"
#include "tessera/support/error.h"

namespace tessera::compile {
namespace {

constexpr int kBand = 4;

// Position of a unit-grid cell along the snake (sites off the grid: nearest cell).
int64_t snake_rank(const Chip& chip, int row, int col) {
  const int rows = std::max(chip.rows, 1), cols = std::max(chip.cols, 1);
  const int r = std::clamp(row, 0, rows - 1), c = std::clamp(col, 0, cols - 1);
  const int band = r / kBand;
  const int height = std::min(kBand, rows - band * kBand);
  const int x = band % 2 == 0 ? c : cols - 1 - c;
  const int offset = r - band * kBand;
  const int y = x % 2 == 0 ? offset : height - 1 - offset;
  return (static_cast<int64_t>(band) * cols + x) * kBand + y;
}

// Depth-first order of each kernel's units over on-chip nets, kernels in section order.
std::vector<int> unit_order(const PlaceProblem& p) {
  const int n = static_cast<int>(p.units.size());
  std::vector<std::vector<int>> adjacent(n);
  for (const Net& net : p.nets) {
    if (net.dram) continue;
    adjacent[net.a].push_back(net.b);
    adjacent[net.b].push_back(net.a);
  }
  for (auto& a : adjacent) {
    std::sort(a.begin(), a.end());
    a.erase(std::unique(a.begin(), a.end()), a.end());
  }
  std::vector<int> by_group(n);
  for (int u = 0; u < n; ++u) by_group[u] = u;
  auto group = [&](int u) { return p.kernels[u] < 0 ? std::numeric_limits<int>::max() : p.kernels[u]; };
  std::stable_sort(by_group.begin(), by_group.end(), [&](int a, int b) { return group(a) < group(b); });

  std::vector<int> order;
  std::vector<char> seen(n, 0);
  std::vector<std::pair<int, size_t>> stack;  // unit, next neighbour to try
  for (int root : by_group) {
    if (seen[root] || p.kinds[root] == UnitKind::AGCU) continue;
    seen[root] = 1;
    order.push_back(root);
    stack.assign(1, {root, 0});
    while (!stack.empty()) {
      auto& [u, next] = stack.back();
      if (next == adjacent[u].size()) {
        stack.pop_back();
        continue;
      }
      const int v = adjacent[u][next++];
      if (seen[v] || group(v) != group(root) || p.kinds[v] == UnitKind::AGCU) continue;
      seen[v] = 1;
      order.push_back(v);
      stack.push_back({v, 0});
    }
  }
  return order;
}

// Free sites of one kind, by snake rank.
class FreeSites {
 public:
  FreeSites(const Chip& chip, UnitKind kind) {
    for (int s = 0; s < static_cast<int>(chip.sites.size()); ++s)
      if (chip.sites[s].kind == kind) free_.insert({snake_rank(chip, chip.sites[s].row, chip.sites[s].col), s});
  }
  // The free site nearest `cursor` along the snake (ties: forward); -1 when none is left.
  std::pair<int64_t, int> take_nearest(int64_t cursor) {
    if (free_.empty()) return {0, -1};
    auto it = free_.lower_bound({cursor, -1});
    if (it == free_.end() || (it != free_.begin() && cursor - std::prev(it)->first < it->first - cursor)) --it;
    const auto taken = *it;
    free_.erase(it);
    return taken;
  }

 private:
  std::set<std::pair<int64_t, int>> free_;
};

// The free AGCU site nearest the weighted centre of u's placed partners.
int nearest_site(const PlaceProblem& p, const Chip& chip, const Placement& sites, const std::vector<char>& used, int u) {
  double wr = 0, wc = 0, w = 0;
  for (int i : p.nets_of[u]) {
    const Net& n = p.nets[i];
    const int other = n.a == u ? n.b : n.a;
    if (sites[other] < 0) continue;
    const double weight = std::max(n.weight, 1e-9);
    wr += weight * chip.sites[sites[other]].row;
    wc += weight * chip.sites[sites[other]].col;
    w += weight;
  }
  const double r = w > 0 ? wr / w : 0, c = w > 0 ? wc / w : 0;
  int best = -1;
  double best_d = 0;
  for (int s = 0; s < static_cast<int>(chip.sites.size()); ++s) {
    if (chip.sites[s].kind != p.kinds[u] || used[s]) continue;
    const double d = std::abs(chip.sites[s].row - r) + std::abs(chip.sites[s].col - c);
    if (best < 0 || d < best_d) best = s, best_d = d;
  }
  return best;
}

}  // namespace

Placement initial_placement(const PlaceProblem& p, const Chip& chip) {
  const int n = static_cast<int>(p.units.size());
  Placement sites(n, -1);
  std::vector<char> used(chip.sites.size(), 0);
  FreeSites pcus(chip, UnitKind::PCU), pmus(chip, UnitKind::PMU);
  int64_t cursor = 0;
  for (int u : unit_order(p)) {
    const auto [rank, site] = (p.kinds[u] == UnitKind::PCU ? pcus : pmus).take_nearest(cursor);
    TESSERA_CHECK(site >= 0, "section needs more {}s than chip {} has", name(p.kinds[u]), chip.name);
    sites[u] = site;
    used[site] = 1;
    cursor = rank + 1;
  }
  for (int u = 0; u < n; ++u) {
    if (p.kinds[u] != UnitKind::AGCU) continue;
    sites[u] = nearest_site(p, chip, sites, used, u);
    TESSERA_CHECK(sites[u] >= 0, "section needs more AGCUs than chip {} has", chip.name);
    used[sites[u]] = 1;
  }
  return sites;
}

}  // namespace tessera::compile
