// verify: the whole mapping is consistent. It checks what the passes so far
// have produced (run after every pass with verify_each): units and streams
// always; the placement once sp.site is filled; the routes once there are
// any. Link overload is not an error (the router keeps the least-overloaded
// routing and the simulator charges the slowdown); link_load() in
// route_mesh.h recomputes it from the routes as a statistic.
// Throws InternalError naming the broken invariant.
#include <algorithm>
#include <array>
#include <cstdlib>

#include "tessera/compile/compile.h"
#include "tessera/compile/route_mesh.h"
#include "tessera/support/error.h"

namespace tessera::compile {
namespace {

int kind_index(UnitKind k) { return static_cast<int>(k); }

void verify_units(const SpatialProgram& sp) {
  const int sections = static_cast<int>(sp.sections.size());
  for (int i = 0; i < sections; ++i) TESSERA_CHECK(sp.sections[i].id == i, "section {} has id {}", i, sp.sections[i].id);
  std::vector<std::array<int, 3>> used(sections, {0, 0, 0});
  for (size_t u = 0; u < sp.units.size(); ++u) {
    const VirtualUnit& vu = sp.units[u];
    TESSERA_CHECK(vu.section >= 0 && vu.section < sections, "unit {} ({}) is in section {} of {}", u, vu.role,
                  vu.section, sections);
    TESSERA_CHECK(vu.kernel >= -1 && vu.kernel < static_cast<int>(sp.kernels.size()), "unit {} ({}) has kernel {} of {}",
                  u, vu.role, vu.kernel, sp.kernels.size());
    ++used[vu.section][kind_index(vu.kind)];
  }
  for (int s = 0; s < sections; ++s) {
    const Section& sec = sp.sections[s];
    for (UnitKind k : {UnitKind::PCU, UnitKind::PMU, UnitKind::AGCU}) {
      const int have = sp.chip.count(k);
      const int declared = k == UnitKind::PCU ? sec.pcus : k == UnitKind::PMU ? sec.pmus : sec.agcus;
      TESSERA_CHECK(used[s][kind_index(k)] <= have && declared <= have, "section {} uses {} {}s ({} declared), chip {} has {}",
                    sec.name, used[s][kind_index(k)], name(k), declared, sp.chip.name, have);
    }
  }
  for (size_t i = 0; i < sp.streams.size(); ++i) {
    const Stream& st = sp.streams[i];
    const int n = static_cast<int>(sp.units.size());
    TESSERA_CHECK(st.src >= 0 && st.src < n && st.dst >= 0 && st.dst < n, "stream {} joins units {} and {} of {}", i,
                  st.src, st.dst, n);
    TESSERA_CHECK(sp.units[st.src].section == st.section && sp.units[st.dst].section == st.section,
                  "stream {} of section {} joins units of sections {} and {}", i, st.section,
                  sp.units[st.src].section, sp.units[st.dst].section);
  }
}

void verify_placement(const SpatialProgram& sp) {
  TESSERA_CHECK(sp.site.size() == sp.units.size(), "{} sites for {} units", sp.site.size(), sp.units.size());
  const int n_sites = static_cast<int>(sp.chip.sites.size());
  std::vector<int> owner(sp.chip.sites.size(), -1);  // site -> unit, within the section being checked
  std::vector<int> owner_section(sp.chip.sites.size(), -1);
  for (size_t u = 0; u < sp.units.size(); ++u) {
    const VirtualUnit& vu = sp.units[u];
    const int s = sp.site[u];
    TESSERA_CHECK(s >= 0 && s < n_sites, "unit {} ({}) is on site {} of {}", u, vu.role, s, n_sites);
    const Site& site = sp.chip.sites[s];
    TESSERA_CHECK(site.kind == vu.kind, "unit {} ({}) is a {} placed on {} site {} at ({},{})", u, vu.role,
                  name(vu.kind), name(site.kind), s, site.row, site.col);
    TESSERA_CHECK(owner_section[s] != vu.section, "site {} at ({},{}) holds units {} and {} in section {}", s, site.row,
                  site.col, owner[s], u, vu.section);
    owner[s] = static_cast<int>(u);
    owner_section[s] = vu.section;
  }
}

void verify_route(const SpatialProgram& sp, const Mesh& mesh, const Route& r) {
  const Stream& st = sp.streams[r.stream];
  TESSERA_CHECK(!r.hops.empty(), "route of stream {} has no hops", r.stream);
  const Hop from = mesh.switch_of(sp.chip.sites[sp.site[st.src]]);
  const Hop to = mesh.switch_of(sp.chip.sites[sp.site[st.dst]]);
  TESSERA_CHECK(r.hops.front() == from, "route of stream {} starts at switch ({},{}), its source is at ({},{})", r.stream,
                r.hops.front().row, r.hops.front().col, from.row, from.col);
  TESSERA_CHECK(r.hops.back() == to, "route of stream {} ends at switch ({},{}), its destination is at ({},{})", r.stream,
                r.hops.back().row, r.hops.back().col, to.row, to.col);
  for (size_t h = 0; h < r.hops.size(); ++h) {
    const Hop& hop = r.hops[h];
    TESSERA_CHECK(mesh.inside(hop), "route of stream {} hop {} at switch ({},{}) is outside the {}x{} switch grid",
                  r.stream, h, hop.row, hop.col, mesh.rows(), mesh.cols());
    if (h == 0) continue;
    const Hop& prev = r.hops[h - 1];
    TESSERA_CHECK(std::abs(hop.row - prev.row) + std::abs(hop.col - prev.col) == 1,
                  "route of stream {} jumps from switch ({},{}) to ({},{}) at hop {}", r.stream, prev.row, prev.col,
                  hop.row, hop.col, h);
  }
}

void verify_routes(const SpatialProgram& sp) {
  TESSERA_CHECK(!sp.site.empty(), "{} routes but no placement", sp.routes.size());
  const Mesh mesh(sp.chip);
  std::vector<char> routed(sp.streams.size(), 0);
  for (const Route& r : sp.routes) {
    TESSERA_CHECK(r.stream >= 0 && r.stream < static_cast<int>(sp.streams.size()), "route for stream {} of {}", r.stream,
                  sp.streams.size());
    TESSERA_CHECK(!routed[r.stream], "stream {} has two routes", r.stream);
    routed[r.stream] = 1;
    verify_route(sp, mesh, r);
  }
  const auto missing = std::find(routed.begin(), routed.end(), 0);
  TESSERA_CHECK(missing == routed.end(), "stream {} has no route", missing - routed.begin());
}

}  // namespace

void verify(const SpatialProgram& sp) {
  verify_units(sp);
  if (!sp.site.empty()) verify_placement(sp);
  if (!sp.routes.empty()) verify_routes(sp);
}

void verify_pass(PassContext& ctx) { verify(ctx.out); }

}  // namespace tessera::compile
