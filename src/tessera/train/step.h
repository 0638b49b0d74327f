// Training as Graph IR transforms over an inference model:
//  - vjp_graph: the vector-Jacobian product of a model's float outputs with
//    respect to its float inputs and weights (`tessera grad`);
//  - training_step: one graph for a whole step, forward + loss + backward +
//    optimiser update, its nodes tagged "fwd" / "bwd" / "opt". Weights,
//    optimiser moments and BatchNorm running statistics are graph inputs whose
//    updated values are outputs (Graph::state), so a caller runs the step, feeds
//    the outputs back and runs it again. Everything downstream (lower, exec,
//    compile, sim) sees an ordinary graph.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tessera/graph/graph.h"
#include "tessera/support/tensor.h"

namespace tessera::train {

struct VjpGraph {
  graph::Graph g;  // outputs: the gradients, in the order of `inputs` then `parameters`
  // (tensor name, gradient output name) for every float graph input / weight.
  std::vector<std::pair<std::string, std::string>> inputs, parameters;
  // (model output name, graph input holding its upstream gradient).
  std::vector<std::pair<std::string, std::string>> seeds;
};
VjpGraph vjp_graph(graph::Graph model);

enum class Loss { CrossEntropy, MeanSquaredError };
enum class Optimizer { Sgd, AdamW };

struct StepOptions {
  Loss loss = Loss::CrossEntropy;
  Optimizer optimizer = Optimizer::Sgd;
  double lr = 0.01;            // the initial value of the `opt.lr` input
  double momentum = 0.9;       // SGD
  bool nesterov = false;       // SGD
  double weight_decay = 0.0;   // SGD: added to the gradient; AdamW: decoupled
  double beta1 = 0.9, beta2 = 0.999, adam_eps = 1e-8;  // AdamW
  double clip_norm = 0.0;      // > 0: clip the gradients' global L2 norm
  double bn_momentum = 0.1;    // running = (1 - m) running + m batch (PyTorch's convention)
};

// One state tensor of a step: graph input `name`, updated by output `update`.
struct StateVar {
  std::string name, update;
  enum class Kind { Weight, Moment, BatchStat, Counter } kind = Kind::Weight;
  Tensor initial;  // absent for shape-only (zoo) weights; zeros for moments
};

struct TrainingStep {
  graph::Graph g;
  std::vector<std::string> data_inputs;  // the model's own inputs, in order
  std::string logits;                    // the model output the loss reads
  std::string target;                    // labels (i64 [batch]) or targets (like logits)
  std::string loss;                      // output: the mean loss of the batch
  std::string lr;                        // scalar input: the learning rate
  std::vector<StateVar> state;
};

// Builds the step from an inference model with one float output. Error for a
// model without weights, with several outputs, or logits the loss cannot take
// (cross-entropy needs [batch, classes]).
TrainingStep training_step(graph::Graph model, const StepOptions& options);

// The memory a step needs, by kind, from its graph: weights (state read by the
// forward pass), gradients (one per weight the optimiser updates), optimiser
// state (state only the optimiser reads) and activations (forward values and
// data the backward pass reads, i.e. saved for it).
struct StepMemory {
  int64_t weights = 0, gradients = 0, optimizer_state = 0, activations = 0;
  int64_t total() const { return weights + gradients + optimizer_state + activations; }
};
StepMemory step_memory(const graph::Graph& step);

// Gives every BatchNorm running statistic that shares its value with anything
// else a constant of its own, named "<node>.running_mean" / ".running_var".
// torch.onnx deduplicates equal initializers in eval mode, so a fresh
// BatchNorm's running_var (ones) and running_mean (zeros) arrive as its weight
// and bias; tied, the weights would stop training and be overwritten by the
// statistics' update. training_step and weights_as_inputs call it; a caller
// that writes trained state back into the model by name calls it first.
void untie_batch_stats(graph::Graph& g);

// The inference model with its weights and BatchNorm statistics turned into
// inputs of the same names, for evaluating with a step's current state.
graph::Graph weights_as_inputs(graph::Graph model);

}  // namespace tessera::train
