// PMU, network and AGCU terms of the fast model (see fast_bounds.h).
#include "tessera/sim/fast_bounds.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "tessera/compile/cost_model.h"
#include "tessera/sim/common.h"
#include "tessera/support/checked.h"

namespace tessera::sim {
namespace {

using compile::UnitKind;

// "in x", "weight w [2/4]" -> "x", "w"; "" for other roles.
std::string buffer_tensor(const std::string& role) {
  for (const char* prefix : {"in ", "weight "}) {
    const std::string p = prefix;
    if (role.compare(0, p.size(), p) != 0) continue;
    std::string name = role.substr(p.size());
    if (const size_t slice = name.rfind(" ["); slice != std::string::npos && name.back() == ']') name.resize(slice);
    return name;
  }
  return "";
}

int64_t ceil_cycles(double c) { return checked_count(std::ceil(c - 1e-9), "a section's simulated cycles"); }

double word_bytes(const arch::ArchSpec& a) { return std::max(1, a.pcu.lane_bits / 8); }

}  // namespace

std::vector<double> unit_conflict_factors(const compile::SpatialProgram& sp, const AccessFacts* access) {
  std::vector<double> f(sp.units.size(), 1.0);
  if (!access) return f;
  for (size_t u = 0; u < sp.units.size(); ++u) {
    const compile::VirtualUnit& vu = sp.units[u];
    if (vu.kind != UnitKind::PMU || vu.kernel < 0) continue;
    const std::string tensor = buffer_tensor(vu.role);
    if (tensor.empty()) continue;
    const compile::KernelPlan& kp = sp.kernels[vu.kernel];
    const auto& factors = access->conflict[vu.kernel];
    for (size_t i = 0; i < kp.inputs.size() && i < factors.size(); ++i)
      if (sp.tensors[kp.inputs[i]].name == tensor) f[u] = std::max(f[u], factors[i]);
  }
  return f;
}

double pmu_port_bytes(const arch::ArchSpec& a) { return static_cast<double>(std::max(1, a.pmu.banks)) * word_bytes(a); }

double link_bytes_per_cycle(const arch::ArchSpec& a, const compile::Chip& chip) {
  return static_cast<double>(std::max(1, chip.link_vectors_per_cycle)) * chip.pcu_lanes * word_bytes(a);
}

PmuLoad pmu_load(const compile::SpatialProgram& sp, const arch::ArchSpec& a, const std::vector<int>& streams,
                 const std::vector<double>& unit_conflict) {
  struct Ports {
    double read = 0, read_weighted = 0, write = 0;
  };
  std::map<int, Ports> pmus;
  for (int i : streams) {
    const compile::Stream& s = sp.streams[i];
    if (sp.units[s.src].kind == UnitKind::PMU) {
      const bool into_pcu = sp.units[s.dst].kind == UnitKind::PCU;
      Ports& p = pmus[s.src];
      p.read += static_cast<double>(s.bytes);
      p.read_weighted += static_cast<double>(s.bytes) * (into_pcu ? unit_conflict[s.src] : 1.0);
    }
    if (sp.units[s.dst].kind == UnitKind::PMU) pmus[s.dst].write += static_cast<double>(s.bytes);
  }
  const double port = pmu_port_bytes(a);
  const double read_ports = std::max(1, a.pmu.read_ports), write_ports = std::max(1, a.pmu.write_ports);
  PmuLoad out;
  double conflicts = 0;
  for (const auto& [unit, p] : pmus) {
    const double r = p.read_weighted / (port * read_ports), w = p.write / (port * write_ports);
    out.cycles = std::max(out.cycles, ceil_cycles(std::max(r, w)));
    out.busy_port_cycles += r * read_ports + w * write_ports;
    out.busy_unit_cycles += std::max(r, w);
    out.read_bytes += p.read;
    out.write_bytes += p.write;
    conflicts += (p.read_weighted - p.read) / port;
  }
  out.conflicts = static_cast<int64_t>(std::llround(conflicts));
  return out;
}

NetworkLoad network_load(const compile::SpatialProgram& sp, const arch::ArchSpec& a, const std::vector<int>& streams,
                         const std::vector<int>& route_of) {
  NetworkLoad out;
  std::vector<std::pair<int64_t, double>> link_bytes;  // (directed link, bytes), summed after sorting
  for (int i : streams) {
    if (route_of[i] < 0) continue;
    const auto& hops = sp.routes[route_of[i]].hops;
    const double bytes = static_cast<double>(sp.streams[i].bytes);
    out.bit_hops += bytes * 8 * static_cast<double>(hops.empty() ? 0 : hops.size() - 1);
    if (is_dram_stream(sp, sp.streams[i])) continue;
    for (size_t h = 1; h < hops.size(); ++h) {
      const compile::Hop& x = hops[h - 1];
      const compile::Hop& y = hops[h];
      const int dir = y.col > x.col ? 0 : y.col < x.col ? 1 : y.row > x.row ? 2 : 3;
      link_bytes.push_back({((static_cast<int64_t>(x.row) << 24) + x.col) * 4 + dir, bytes});
    }
  }
  std::sort(link_bytes.begin(), link_bytes.end());
  for (size_t i = 0; i < link_bytes.size();) {
    double sum = 0;
    size_t j = i;
    for (; j < link_bytes.size() && link_bytes[j].first == link_bytes[i].first; ++j) sum += link_bytes[j].second;
    out.link_bytes = std::max(out.link_bytes, sum);
    i = j;
  }
  out.cycles = ceil_cycles(out.link_bytes / link_bytes_per_cycle(a, sp.chip));
  return out;
}

int64_t agcu_cycles(const compile::SpatialProgram& sp, const arch::ArchSpec& a, const std::vector<int>& streams) {
  std::map<int, std::pair<double, double>> agcus;  // unit -> (bytes out of DRAM, bytes into DRAM)
  for (int i : streams) {
    const compile::Stream& s = sp.streams[i];
    if (sp.units[s.src].kind == UnitKind::AGCU) agcus[s.src].first += static_cast<double>(s.bytes);
    if (sp.units[s.dst].kind == UnitKind::AGCU) agcus[s.dst].second += static_cast<double>(s.bytes);
  }
  const double per_cycle = std::max(1, a.network.dynamic.link_bits) / 8.0;
  double busiest = 0;
  for (const auto& [unit, bytes] : agcus) busiest = std::max({busiest, bytes.first, bytes.second});
  return ceil_cycles(busiest / per_cycle);
}

}  // namespace tessera::sim
