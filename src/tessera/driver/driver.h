// What the CLI and end-to-end tests call: load a model, lower it, run it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tessera/arch/spec.h"
#include "tessera/compile/compile.h"
#include "tessera/graph/graph.h"
#include "tessera/pattern/ir.h"
#include "tessera/support/tensor.h"
#include "tessera/train/step.h"

namespace tessera::driver {

// Imports an ONNX file, or builds a built-in model from `zoo:NAME[,key=value...]`
// (weights known by shape only), infers shapes and folds constants. Throws
// Error with a one-line cause.
// `trainable`: float initializers stay weights (nodes reading them are not
// folded), as gradients and training need.
graph::Graph load_model(const std::string& path, bool trainable = false);
// load_model, with a built-in model's weights materialised (deterministic, seed 0).
graph::Graph load_model_for_execution(const std::string& path, bool trainable = false);
pattern::Program lower_model(const graph::Graph& g);
// What compile and sim run: the model itself, or (enabled) its whole training
// step (train/step.h) at `batch` (zoo models; 0 keeps the model's own).
struct TrainMode {
  bool enabled = false;
  int64_t batch = 0;
  train::StepOptions step;
};
// load_model (or load_model_for_execution when `execution`), then the
// training step when `mode` asks for it.
graph::Graph load_for(const std::string& path, const TrainMode& mode, bool execution);
// The training step itself (mode.enabled), with its state and names.
train::TrainingStep load_training_step(const std::string& path, const TrainMode& mode, bool execution);
// The inputs a step starts from: its state's initial values (the model's
// weights when loaded for execution, zero moments and counter, BatchNorm
// statistics) and the learning rate of `options`.
std::map<std::string, Tensor> step_state_inputs(const train::TrainingStep& step, const train::StepOptions& options);

// Error when a training step's memory (train::step_memory: weights,
// gradients, optimizer state, saved activations) passes the architecture's
// DRAM, naming each part, the total and the shortfall.
void check_step_fits(const graph::Graph& step, const arch::ArchSpec& spec);

// load + lower + compile for an architecture (preset name or YAML file), in
// the architecture's native compute precision.
compile::SpatialProgram compile_model(const std::string& model, const std::string& arch,
                                      const compile::CompileOptions& options, const TrainMode& mode = {});

// `--input NAME=FILE.npy` arguments (run, sim --check) read into tensors by
// name. Error for a malformed argument or an unreadable file.
std::map<std::string, Tensor> read_inputs(const std::vector<std::string>& specs);

// load + lower + execute.
std::map<std::string, Tensor> run_model(const std::string& path, const std::map<std::string, Tensor>& inputs);

}  // namespace tessera::driver
