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

// Auto: cross-entropy, or mean squared error for an output with one value per
// position ([batch, 1]: a regression or a probability, as DLRM's), where
// cross-entropy over a single class would be identically zero.
enum class Loss { Auto, CrossEntropy, MeanSquaredError };
enum class Optimizer { Sgd, AdamW };

struct StepOptions {
  Loss loss = Loss::Auto;
  std::string output;          // the model output the loss reads (empty: the model's one float output)
  Optimizer optimizer = Optimizer::Sgd;
  double lr = 0.01;            // the initial value of the `opt.lr` input
  double momentum = 0.9;       // SGD
  bool nesterov = false;       // SGD
  double weight_decay = 0.0;   // SGD: added to the gradient; AdamW: decoupled
  double beta1 = 0.9, beta2 = 0.999, adam_eps = 1e-8;  // AdamW
  double clip_norm = 0.0;      // > 0: clip the gradients' global L2 norm
  double bn_momentum = 0.1;    // running = (1 - m) running + m batch (PyTorch's convention)
  // Activation recomputation: the backward pass recomputes the forward values
  // it reads from the step's inputs instead of keeping them (more FLOPs,
  // no saved activations beyond the data).
  bool recompute = false;
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
  Loss loss_kind = Loss::CrossEntropy;    // the loss used (StepOptions::loss with Auto resolved)
  std::string target;                    // labels (i64 [batch, ...]) or targets (like logits)
  std::string loss;                      // output: the mean loss of the batch
  std::string lr;                        // scalar input: the learning rate
  std::vector<StateVar> state;
};

// Builds the step from an inference model's float output (StepOptions::output,
// or its only one); nodes that output does not need are dropped. Cross-entropy
// takes logits [batch, ..., classes] with i64 labels [batch, ...] and averages
// over every position; mean squared error takes any shape. Error for a model
// without weights, several float outputs and none named, or logits the loss
// cannot take.
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
