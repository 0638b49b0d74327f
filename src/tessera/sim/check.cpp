#include "tessera/sim/check.h"

#include <cmath>
#include <cstring>

#include "tessera/exec/executor.h"
#include "tessera/sim/check_inputs.h"
#include "tessera/support/error.h"

namespace tessera::sim {
namespace {

// Round-to-nearest-even to a format with `mantissa` explicit bits (bf16: 7).
float round_mantissa(float x, int mantissa) {
  if (!std::isfinite(x)) return x;
  uint32_t u;
  std::memcpy(&u, &x, 4);
  const int drop = 23 - mantissa;
  const uint32_t half = (1u << (drop - 1)) - 1 + ((u >> drop) & 1u);
  u = (u + half) & ~((1u << drop) - 1);
  std::memcpy(&x, &u, 4);
  return x;
}

int mantissa_bits(arch::Precision p) {
  switch (p) {
    case arch::Precision::Bf16: return 7;
    case arch::Precision::Fp16: return 10;
    default: return 23;
  }
}

void round_tensor(Tensor& t, int mantissa) {
  if (mantissa >= 23 || t.dtype() != DType::F32) return;
  float* d = t.data<float>();
  for (int64_t i = 0; i < t.size(); ++i) d[i] = round_mantissa(d[i], mantissa);
}

// The largest |a - b| over a tensor (infinite where only one is NaN), and max |a|.
struct Diff {
  double err = 0, peak = 0;
};
Diff diff(const Tensor& a, const Tensor& b) {
  Diff d;
  for (int64_t i = 0; i < a.size(); ++i) {
    const double x = a.get_f64(i), y = b.get_f64(i);
    d.peak = std::max(d.peak, std::fabs(x));
    d.err = std::isnan(x) != std::isnan(y) ? INFINITY : std::max(d.err, std::fabs(x - y));
  }
  return d;
}

bool is_training_step(const pattern::Program& p) {
  for (const auto& c : p.calls)
    if (c.phase == "bwd" || c.phase == "opt") return true;
  return false;
}

// The runs the check compares: fp32 (the executor as is), the mapped program
// at the simulated precision, and for a training step in a narrow precision
// the unmapped program at that precision too (`same`, else empty).
struct Runs {
  std::map<std::string, Tensor> fp32, same, mapped;
};

Runs run_all(const pattern::Program& p, const compile::SpatialProgram& sp, int mantissa,
             const compile::MappedOptions& options, const std::map<std::string, Tensor>& inputs) {
  Runs runs;
  runs.fp32 = exec::run_program(p, inputs);
  pattern::Program stored = p;  // weights and inputs as the chip stores them
  for (auto& t : stored.tensors)
    if (t.constant) {
      t.constant = t.constant->clone();
      round_tensor(*t.constant, mantissa);
    }
  std::map<std::string, Tensor> narrowed;
  for (const auto& [name, t] : inputs) {
    narrowed[name] = t.clone();
    round_tensor(narrowed[name], mantissa);
  }
  exec::RunHooks hooks;
  hooks.on_output = [mantissa](Tensor& t) { round_tensor(t, mantissa); };
  if (mantissa < 23 && is_training_step(p)) runs.same = exec::run_program(stored, narrowed, hooks);
  compile::MappedOptions mapping = options;
  if (mapping.reduction_parts == 0) mapping.reduction_parts = sp.chip.pcu_stages;  // contractions and folded reductions split over the stages
  hooks.kernel_for = [&](size_t c) { return compile::mapped_kernel(p.calls[c].kernel, sp.kernels[c], mapping); };
  runs.mapped = exec::run_program(stored, narrowed, hooks);
  return runs;
}

}  // namespace

double check_tolerance(arch::Precision p) { return mantissa_bits(p) >= 23 ? 1e-4 : 5e-2; }

CheckResult check_mapping(const pattern::Program& p, const compile::SpatialProgram& sp, arch::Precision precision,
                          uint64_t seed, const compile::MappedOptions& options,
                          const std::map<std::string, Tensor>& given) {
  TESSERA_CHECK(sp.kernels.size() == p.calls.size(), "spatial program of {} kernels for {} calls", sp.kernels.size(),
                p.calls.size());
  const int mantissa = mantissa_bits(precision);
  const Runs runs = run_all(p, sp, mantissa, options, check_inputs(p, seed, given));
  CheckResult r;
  r.tolerance = check_tolerance(precision);
  const bool same_precision = !runs.same.empty();
  if (same_precision) r.reference = arch::precision_name(precision);
  r.passed = true;
  double worst = -1;  // the worst output's error over its bound
  for (const auto& [name, fp32] : runs.fp32) {
    const Tensor& ref = same_precision ? runs.same.at(name) : fp32;
    const Tensor& got = runs.mapped.at(name);
    const Diff d = diff(ref, got);
    double bound = 0, ratio = 0;
    if (is_float(ref.dtype())) {
      bound = r.tolerance * std::max(d.peak, 1e-6);
      if (same_precision) bound = std::max(bound, 2 * diff(fp32, ref).err);  // the precision's own noise
      ratio = d.err == 0 ? 0 : d.err / bound;
      if (std::isnan(ratio)) ratio = INFINITY;  // a NaN of its own where the reference's noise is unbounded
      const Diff f = diff(fp32, got);
      if (f.err / std::max(f.peak, 1e-6) >= r.fp32_max_abs_err / std::max(r.fp32_max_ref, 1e-6)) {
        r.fp32_max_abs_err = f.err;
        r.fp32_max_ref = f.peak;
        r.fp32_worst_output = name;
      }
    } else if (d.err != 0 && mantissa >= 23) {
      ratio = INFINITY;  // integers are exact in fp32
    }
    if (ratio > 1) r.passed = false;
    if (ratio >= worst) {
      worst = ratio;
      r.worst_output = name;
      r.max_abs_err = d.err;
      r.max_ref = d.peak;
      r.bound = bound;
    }
  }
  return r;
}

}  // namespace tessera::sim
