// What `tessera sim` and the simulator's end-to-end tests call: load and
// lower a model, then simulate it on an architecture. A dataflow chip (rda)
// gets the model compiled (-O0 or -O1) and its spatial program simulated
// (fast or cycle mode); a roofline preset (GPU/TPU) simulates the Pattern IR
// program kernel by kernel, whatever the -O level.
#pragma once

#include <map>
#include <string>

#include "tessera/arch/spec.h"
#include "tessera/driver/driver.h"
#include "tessera/sim/check.h"
#include "tessera/sim/sim.h"

namespace tessera::driver {

// The compute format simulated: `dtype` (fp32, bf16, fp16, int32, int8) when
// not empty, else the architecture's headline precision. Error for an
// unknown name or one the architecture cannot compute in.
arch::Precision sim_precision(const arch::ArchSpec& a, const std::string& dtype);

// `options.precision` is replaced by sim_precision(arch, dtype).
// With `train` enabled the whole training step is simulated and the result
// gets `phases` (forward / backward / optimiser) and `memory`.
sim::SimResult simulate_model(const std::string& model, const std::string& arch, int opt, sim::SimOptions options,
                              const std::string& dtype = "", const TrainMode& train = {});

// The functional check (sim/check.h) of the model's mapping for `arch` at
// `opt`: loads the model with its weights materialised, compiles it as
// simulate_model does, runs the mapped program and the reference, compares.
// Dataflow architectures only (Error for a roofline one). `inputs` (by name)
// replace the check's drawn inputs (sim/check_inputs.h).
sim::CheckResult check_model(const std::string& model, const std::string& arch, int opt, const std::string& dtype = "",
                             const compile::MappedOptions& options = {},
                             const std::map<std::string, Tensor>& inputs = {}, const TrainMode& train = {});

}  // namespace tessera::driver
