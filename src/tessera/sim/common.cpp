// Shared simulator helpers: Bound names, compulsory traffic, the DRAM tier
// model, element sizes and stream bookkeeping (see common.h).
#include "tessera/sim/common.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "tessera/compile/cost_model.h"
#include "tessera/sim/sim.h"
#include "tessera/support/checked.h"
#include "tessera/support/error.h"

namespace tessera::sim {

const char* name(Bound b) {
  switch (b) {
    case Bound::Compute:
      return "compute";
    case Bound::Pmu:
      return "PMU";
    case Bound::Network:
      return "network";
    case Bound::Dram:
      return "DRAM";
    case Bound::Latency:
      return "latency";
  }
  return "?";
}

// Inputs and weights some kernel reads (through views), and outputs some
// kernel writes: unread inputs and outputs that are inputs cost nothing.
int64_t compulsory_dram_bytes(const compile::SpatialProgram& sp) {
  std::set<int32_t> read, written;
  for (const auto& k : sp.kernels) {
    if (k.view) continue;
    for (int32_t t : k.inputs) {
      const int32_t r = compile::storage_root(sp, t);
      if (sp.tensors[r].producer < 0) read.insert(r);
    }
  }
  for (size_t t = 0; t < sp.tensors.size(); ++t) {
    if (!sp.tensors[t].graph_output) continue;
    const int32_t r = compile::storage_root(sp, static_cast<int32_t>(t));
    if (sp.tensors[r].producer >= 0) written.insert(r);
  }
  int64_t bytes = 0;
  for (int32_t t : read) bytes += sp.tensors[t].bytes;
  for (int32_t t : written) bytes += sp.tensors[t].bytes;
  return bytes;
}

double DramModel::cycles(double bytes) const {
  double c = 0;
  for (size_t i = 0; i < share.size(); ++i)
    if (share[i] > 0) c += bytes * share[i] / bytes_per_cycle[i];
  return c;
}

double DramModel::chunked_cycles(const std::vector<double>& transfers) const {
  double c = 0;
  for (size_t i = 0; i < share.size(); ++i) {
    if (share[i] <= 0) continue;
    double busiest = 0;  // bytes on the busiest channel for the largest transfer
    for (double b : transfers) {
      const double here = b * share[i];
      const double rounds = std::ceil(here / (kDramChunkBytes * channels[i]) - 1e-9);
      busiest = std::max(busiest, std::min(here, rounds * kDramChunkBytes));
    }
    c += busiest * channels[i] / bytes_per_cycle[i];
  }
  return c;
}

double DramModel::energy_j(double bytes) const {
  double pj = 0;
  for (size_t i = 0; i < share.size(); ++i) pj += bytes * share[i] * 8 * pj_per_bit[i];
  return pj * 1e-12;
}

DramModel dram_model(const arch::ArchSpec& a, double clock_ghz, int64_t footprint) {
  if (a.dram.empty() || a.dram.front().bandwidth_gbps <= 0)
    fail("'{}' has no DRAM bandwidth: add a dram tier with bandwidth_gbps (or channels, bus_bits, data_rate_mtps)",
         a.name);
  DramModel m;
  double left = static_cast<double>(std::max<int64_t>(footprint, 1));
  const double total = left;
  for (size_t i = 0; i < a.dram.size(); ++i) {
    const arch::DramTier& t = a.dram[i];
    const bool last = i + 1 == a.dram.size();
    const double cap = t.capacity_gib > 0 ? t.capacity_gib * 1073741824.0 : left;
    const double here = last ? left : std::min(left, cap);
    left -= here;
    m.share.push_back(here / total);
    m.bytes_per_cycle.push_back(std::max(t.bandwidth_gbps, 1e-9) / clock_ghz);
    m.channels.push_back(std::max(1, t.channels));
    m.pj_per_bit.push_back(t.energy_pj_per_bit);
  }
  m.latency_cycles = a.dram.front().latency_ns * clock_ghz;
  m.fastest_bytes_per_cycle = *std::max_element(m.bytes_per_cycle.begin(), m.bytes_per_cycle.end());
  return m;
}

int element_bytes(arch::Precision p) {
  switch (p) {
    case arch::Precision::Fp32:
    case arch::Precision::Int32:
      return 4;
    case arch::Precision::Bf16:
    case arch::Precision::Fp16:
      return 2;
    case arch::Precision::Int8:
      return 1;
  }
  return 4;
}

int64_t tensor_bytes(const pattern::ProgramTensor& t, arch::Precision p) {
  const int64_t size = is_float(t.dtype) ? element_bytes(p) : static_cast<int64_t>(dtype_size(t.dtype));
  return checked_mul(num_elements(t.shape), size, "the byte size of tensor '" + t.name + "'");
}

int64_t dram_footprint(const compile::SpatialProgram& sp) {
  int64_t total = 0;
  for (const auto& t : sp.tensors)
    if (t.producer < 0 || !sp.kernels[t.producer].view) total = checked_add(total, t.bytes, "the model's DRAM footprint");
  return total;
}

bool is_dram_stream(const compile::SpatialProgram& sp, const compile::Stream& s) {
  return sp.units[s.src].kind == compile::UnitKind::AGCU || sp.units[s.dst].kind == compile::UnitKind::AGCU;
}

std::vector<std::vector<int>> streams_by_section(const compile::SpatialProgram& sp) {
  std::vector<std::vector<int>> out(sp.sections.size());
  for (int i = 0; i < static_cast<int>(sp.streams.size()); ++i) {
    const int s = sp.streams[i].section;
    TESSERA_CHECK(s >= 0 && s < static_cast<int>(out.size()), "stream {} is in section {} of {}", i, s, out.size());
    out[s].push_back(i);
  }
  return out;
}

std::string human_bytes(double bytes) {
  if (bytes >= 1e9) return fmt::format("{:.2f} GB", bytes / 1e9);
  if (bytes >= 1e6) return fmt::format("{:.2f} MB", bytes / 1e6);
  if (bytes >= 1e3) return fmt::format("{:.1f} kB", bytes / 1e3);
  return fmt::format("{:.0f} B", bytes);
}

std::string human_seconds(double s) {
  if (s >= 1) return fmt::format("{:.3f} s", s);
  if (s >= 1e-3) return fmt::format("{:.3f} ms", s * 1e3);
  if (s >= 1e-6) return fmt::format("{:.3f} us", s * 1e6);
  return fmt::format("{:.3f} ns", s * 1e9);
}

std::string human_joules(double j) {
  if (j >= 1) return fmt::format("{:.3f} J", j);
  if (j >= 1e-3) return fmt::format("{:.3f} mJ", j * 1e3);
  if (j >= 1e-6) return fmt::format("{:.3f} uJ", j * 1e6);
  return fmt::format("{:.3f} nJ", j * 1e9);
}

}  // namespace tessera::sim
