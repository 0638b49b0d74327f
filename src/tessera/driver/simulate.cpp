#include "tessera/driver/simulate.h"

#include <fmt/format.h>

#include "tessera/arch/derived.h"
#include "tessera/compile/chip.h"
#include "tessera/compile/compile.h"
#include "tessera/driver/driver.h"
#include "tessera/sim/access.h"
#include "tessera/support/error.h"

namespace tessera::driver {
namespace {

std::string supported(const arch::ArchSpec& a) {
  std::string s;
  for (arch::Precision p : arch::kPrecisions)
    if (arch::peak_tflops(a, p) > 0) s += (s.empty() ? "" : ", ") + std::string(arch::precision_name(p));
  return s.empty() ? "none" : s;
}

}  // namespace

arch::Precision sim_precision(const arch::ArchSpec& a, const std::string& dtype) {
  if (dtype.empty()) return arch::headline_precision(a);
  const auto p = arch::parse_precision(dtype);
  if (!p) fail("--dtype '{}': unknown precision; use one of fp32, bf16, fp16, int32, int8", dtype);
  if (arch::peak_tflops(a, *p) <= 0)
    fail("--dtype {}: '{}' does not compute in {}; it supports {}", dtype, a.name, dtype, supported(a));
  return *p;
}

sim::SimResult simulate_model(const std::string& model, const std::string& arch, int opt, sim::SimOptions options,
                              const std::string& dtype) {
  if (opt != 0 && opt != 1) fail("unknown optimisation level -O{}; use -O0 or -O1", opt);
  const arch::ArchSpec spec = arch::load_arch(arch);
  options.precision = sim_precision(spec, dtype);
  const pattern::Program program = lower_model(load_model(model));
  sim::SimResult r;
  if (spec.kind == arch::ArchKind::Roofline) {
    r = sim::simulate_roofline(program, spec, options, model);
    r.opt = opt;
    if (opt == 1) r.notes.push_back(fmt::format("'{}' runs kernel by kernel: -O1 fuses nothing on it", spec.name));
    if (options.mode == sim::Mode::Cycle)
      r.notes.push_back(
          fmt::format("'{}' is a roofline model: --mode cycle applies to dataflow chips only", spec.name));
  } else {
    compile::CompileOptions co;
    co.opt = opt;
    const compile::SpatialProgram sp =
        compile::compile(program, compile::chip_from_arch(spec, options.precision), co, model);
    const sim::AccessFacts access = sim::analyze_access(program, sp, spec);
    r = sim::simulate_with_access(sp, spec, options, &access);
  }
  return r;
}

sim::CheckResult check_model(const std::string& model, const std::string& arch, int opt, const std::string& dtype,
                             const compile::MappedOptions& options, const std::map<std::string, Tensor>& inputs) {
  const arch::ArchSpec spec = arch::load_arch(arch);
  if (spec.kind == arch::ArchKind::Roofline)
    fail("--check executes a dataflow mapping, and '{}' is a roofline model with none; check on sn10, sn40l or "
         "plasticine", spec.name);
  const arch::Precision precision = sim_precision(spec, dtype);
  const pattern::Program program = lower_model(load_model_for_execution(model));
  compile::CompileOptions co;
  co.opt = opt;
  const compile::SpatialProgram sp = compile::compile(program, compile::chip_from_arch(spec, precision), co, model);
  return sim::check_mapping(program, sp, precision, 0, options, inputs);
}

}  // namespace tessera::driver
