// Kernel-by-kernel roofline for GPUs and TPUs (roofline presets).
//
// Every kernel call of the Pattern IR program is one launch:
//   time = max(flops / peak(precision), bytes / DRAM bandwidth) + launch overhead
// where bytes are the kernel's inputs and outputs. Cache model (simple, on
// purpose): an input that the previous kernel produced and that fits in the
// on-chip cache is a hit and costs no DRAM traffic; every output is written
// back. Views (reshapes) alias their input and cost nothing. "Cycles" are
// nanoseconds (clock_ghz = 1): these presets state no clock.
//
// Capacity: weights plus the peak of live activations (a tensor is live from
// its producer to its last reader; inputs from the start, outputs to the
// end) must fit in DRAM, else Error naming the sizes and the fix.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "tessera/arch/derived.h"
#include "tessera/pattern/cost.h"
#include "tessera/sim/common.h"
#include "tessera/sim/energy.h"
#include "tessera/sim/sim.h"
#include "tessera/support/checked.h"
#include "tessera/support/error.h"

namespace tessera::sim {
namespace {

constexpr double kNominalClockGhz = 1.0;  // cycles are nanoseconds

// The tensor owning each tensor's storage (views alias their first input).
std::vector<int32_t> storage_roots(const pattern::Program& p) {
  std::vector<int32_t> root(p.tensors.size());
  for (size_t t = 0; t < root.size(); ++t) root[t] = static_cast<int32_t>(t);
  for (const auto& call : p.calls)
    if (call.view && call.args.size() >= 2) root[call.args.back()] = root[call.args.front()];
  return root;
}

bool is_weight(const pattern::ProgramTensor& t) { return t.constant.has_value() || t.parameter; }

// Inputs then outputs of one call, as ProgramTensor ids.
void split_args(const pattern::KernelCall& call, std::vector<int32_t>& in, std::vector<int32_t>& out) {
  size_t a = 0;
  for (const auto& d : call.kernel.tensors) {
    if (d.role == pattern::Role::Local) continue;
    (d.role == pattern::Role::In ? in : out).push_back(call.args[a++]);
  }
}

void check_capacity(const pattern::Program& p, const std::vector<int32_t>& root, const arch::ArchSpec& a,
                    arch::Precision prec) {
  const double capacity = arch::dram_capacity_gib(a) * 1073741824.0;
  if (capacity <= 0) return;
  const int n = static_cast<int>(p.calls.size());
  std::vector<int> first(p.tensors.size(), n), last(p.tensors.size(), -1);
  double weights = 0;
  for (size_t t = 0; t < p.tensors.size(); ++t) {
    if (root[t] != static_cast<int32_t>(t)) continue;
    if (is_weight(p.tensors[t])) weights += static_cast<double>(tensor_bytes(p.tensors[t], prec));
    if (p.tensors[t].is_input) first[t] = 0;
  }
  for (int c = 0; c < n; ++c)
    for (int32_t t : p.calls[c].args) {
      first[root[t]] = std::min(first[root[t]], c);
      last[root[t]] = std::max(last[root[t]], c);
    }
  for (int32_t t : p.outputs) last[root[t]] = n;
  std::vector<double> delta(n + 2, 0.0);
  for (size_t t = 0; t < p.tensors.size(); ++t) {
    if (root[t] != static_cast<int32_t>(t) || is_weight(p.tensors[t]) || last[t] < 0) continue;
    const double b = static_cast<double>(tensor_bytes(p.tensors[t], prec));
    delta[first[t]] += b;
    delta[last[t] + 1] -= b;
  }
  double live = 0, peak = 0;
  for (double d : delta) peak = std::max(peak, live += d);
  if (weights + peak > capacity)
    fail(
        "the model needs {:.2f} GB on '{}' (weights {:.2f} GB + peak live activations {:.2f} GB) but it has "
        "{:.2f} GB of memory ({:.2f} GB short); use a smaller batch or sequence, or a chip with more memory",
        (weights + peak) / 1e9, a.name, weights / 1e9, peak / 1e9, capacity / 1e9, (weights + peak - capacity) / 1e9);
}

}  // namespace

SimResult simulate_roofline(const pattern::Program& p, const arch::ArchSpec& a, const SimOptions& o,
                            const std::string& model) {
  if (a.kind != arch::ArchKind::Roofline)
    fail("'{}' is a dataflow chip: compile the model for it and simulate the spatial program", a.name);
  const double peak = arch::peak_tflops(a, o.precision) * 1e12;
  if (peak <= 0)
    fail("'{}' has no {} peak in its preset; use --dtype with a precision it lists", a.name,
         arch::precision_name(o.precision));
  const std::vector<int32_t> root = storage_roots(p);
  check_capacity(p, root, a, o.precision);
  const double bandwidth = arch::dram_bandwidth_gbps(a) * 1e9;
  const double cache = a.roofline.cache_mib * 1048576.0;
  const double launch = a.roofline.launch_overhead_us * 1e-6;

  SimResult r;
  r.model = model;
  r.arch = a.name;
  r.mode = "roofline";
  r.opt = 0;
  r.precision = std::string(arch::precision_name(o.precision));
  r.clock_ghz = kNominalClockGhz;
  r.peak_tflops = peak / 1e12;
  double seconds = 0, compute_seconds = 0;
  std::set<int32_t> previous_outputs, read, written;
  for (size_t c = 0; c < p.calls.size(); ++c) {
    const pattern::KernelCall& call = p.calls[c];
    if (call.view) continue;
    std::vector<int32_t> in, out;
    split_args(call, in, out);
    SectionResult s;
    const std::string kernel = call.node.empty() ? call.kernel.name : call.kernel.name + " (" + call.node + ")";
    s.name = fmt::format("k{} {}", c, kernel);
    s.kernels = {kernel};
    s.flops = pattern::count_flops(call.kernel);
    std::set<int32_t> seen;
    for (int32_t t : in) {
      const int32_t rt = root[t];
      if (!seen.insert(rt).second) continue;
      const double b = static_cast<double>(tensor_bytes(p.tensors[rt], o.precision));
      if (previous_outputs.count(rt) && b <= cache) continue;  // L2 hit
      const std::string what = "the DRAM reads of " + s.name;
      s.dram_read_bytes = checked_add(s.dram_read_bytes, checked_count(b, what), what);
      if (p.tensors[rt].is_input || is_weight(p.tensors[rt])) read.insert(rt);
    }
    previous_outputs.clear();
    for (int32_t t : out) {
      s.dram_write_bytes = checked_add(s.dram_write_bytes, tensor_bytes(p.tensors[t], o.precision), "the DRAM writes of " + s.name);
      previous_outputs.insert(t);
      written.insert(t);
    }
    const double compute = static_cast<double>(s.flops) / peak;
    const double memory = static_cast<double>(s.dram_read_bytes + s.dram_write_bytes) / bandwidth;
    const double t = std::max(compute, memory) + launch;
    s.compute_cycles = std::llround(compute * kNominalClockGhz * 1e9);
    s.dram_cycles = std::llround(memory * kNominalClockGhz * 1e9);
    s.latency_cycles = std::llround(launch * kNominalClockGhz * 1e9);
    s.cycles = std::llround(t * kNominalClockGhz * 1e9);
    s.bound = launch > std::max(compute, memory) ? Bound::Latency : compute >= memory ? Bound::Compute : Bound::Dram;
    s.pcu_util = t > 0 ? compute / t : 0;  // fraction of peak compute
    seconds += t;
    compute_seconds += compute;
    r.flops = checked_add(r.flops, s.flops, "the model's FLOP count");
    r.dram_read_bytes = checked_add(r.dram_read_bytes, s.dram_read_bytes, "the model's DRAM reads");
    r.dram_write_bytes = checked_add(r.dram_write_bytes, s.dram_write_bytes, "the model's DRAM writes");
    r.cycles += s.cycles;
    r.sections.push_back(std::move(s));
  }
  r.seconds = seconds;
  r.achieved_tflops = seconds > 0 ? static_cast<double>(r.flops) / seconds / 1e12 : 0;
  // Compulsory traffic: inputs and weights read once, graph outputs written once.
  double compulsory = 0;
  for (int32_t t : read) compulsory += static_cast<double>(tensor_bytes(p.tensors[t], o.precision));
  std::set<int32_t> outputs;
  for (int32_t t : p.outputs)
    if (written.count(root[t])) outputs.insert(root[t]);
  for (int32_t t : outputs) compulsory += static_cast<double>(tensor_bytes(p.tensors[t], o.precision));
  r.roofline_seconds = std::max(static_cast<double>(r.flops) / peak, compulsory / bandwidth);
  const DramModel dram = dram_model(a, kNominalClockGhz, 0);
  const Energy e =
      roofline_energy(a, seconds, compute_seconds, static_cast<double>(r.dram_read_bytes + r.dram_write_bytes), dram);
  r.energy_j = e.total();
  r.energy_parts_j = energy_parts(e);
  r.average_w = seconds > 0 ? r.energy_j / seconds : 0;
  r.notes.push_back(describe(e));
  r.notes.push_back(
      fmt::format("roofline: {} kernel launches at {} us each; an input the previous kernel wrote "
                  "hits the {:.0f} MiB cache when it fits; cycles are nanoseconds",
                  r.sections.size(), a.roofline.launch_overhead_us, a.roofline.cache_mib));
  return r;
}

}  // namespace tessera::sim
