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

}  // namespace

double check_tolerance(arch::Precision p) { return mantissa_bits(p) >= 23 ? 1e-4 : 5e-2; }

CheckResult check_mapping(const pattern::Program& p, const compile::SpatialProgram& sp, arch::Precision precision,
                          uint64_t seed, const compile::MappedOptions& options,
                          const std::map<std::string, Tensor>& given) {
  TESSERA_CHECK(sp.kernels.size() == p.calls.size(), "spatial program of {} kernels for {} calls", sp.kernels.size(),
                p.calls.size());
  const std::map<std::string, Tensor> inputs = check_inputs(p, seed, given);
  const auto reference = exec::run_program(p, inputs);

  const int mantissa = mantissa_bits(precision);
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
  compile::MappedOptions mapping = options;
  if (mapping.reduction_parts == 0) mapping.reduction_parts = sp.chip.pcu_stages;  // contractions and folded reductions split over the stages
  hooks.kernel_for = [&](size_t c) { return compile::mapped_kernel(p.calls[c].kernel, sp.kernels[c], mapping); };
  hooks.on_output = [mantissa](Tensor& t) { round_tensor(t, mantissa); };
  const auto mapped = exec::run_program(stored, narrowed, hooks);

  CheckResult r;
  r.tolerance = check_tolerance(precision);
  r.passed = true;
  for (const auto& [name, ref] : reference) {
    const Tensor& got = mapped.at(name);
    double err = 0, peak = 0;
    for (int64_t i = 0; i < ref.size(); ++i) {
      const double a = ref.get_f64(i), b = got.get_f64(i);
      peak = std::max(peak, std::fabs(a));
      err = std::isnan(a) != std::isnan(b) ? INFINITY : std::max(err, std::fabs(a - b));
    }
    const bool ok = is_float(ref.dtype()) ? err <= r.tolerance * std::max(peak, 1e-6)
                                          : (err == 0 || mantissa < 23);
    if (!ok) r.passed = false;
    if (err >= r.max_abs_err) {
      r.max_abs_err = err;
      r.max_ref = peak;
      r.worst_output = name;
    }
  }
  return r;
}

}  // namespace tessera::sim
