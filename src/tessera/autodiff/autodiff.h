// Reverse-mode automatic differentiation on the Graph IR. `backward` appends
// the gradient computation to a graph as ordinary nodes (MatMul, Transpose,
// ReduceSum, ScatterND ... tagged phase "bwd"), so the result prints,
// verifies, lowers, executes and compiles like any model. One rule per
// operator, kept in a table per op family (autodiff/<family>.cpp) like the
// inference and lowering registries.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tessera/graph/graph.h"

namespace tessera::autodiff {

using graph::ValueId;

class Emitter;

// A rule: given the node and the gradient of each of its outputs (kNoValue
// where no gradient reaches an output), returns one gradient per input
// (kNoValue: zero, or an input that takes no gradient, such as an index).
using GradFn = std::vector<ValueId> (*)(Emitter& e, const graph::Node& n, const std::vector<ValueId>& dy);
using GradTable = std::map<std::string, GradFn, std::less<>>;

const GradTable& grad_table();
bool has_rule(const std::string& op);

// A value that can take a gradient: a float value (integers and booleans get none).
bool differentiable(const graph::Value& v);
// A weight of the model: a float ONNX initializer or a zoo parameter.
bool trainable(const graph::Value& v);

// Appends to `g` the gradient of sum_k <outputs[k], seeds[k]> with respect to
// each value of `wrt` (seeds are values of the outputs' dtype and shape: the
// upstream gradients). Returns one gradient value per `wrt`, of its shape; a
// value no output depends on gets zeros. Throws Error, before changing `g`,
// when a node on the way has no rule: one message listing every such operator
// and the first node using it.
std::vector<ValueId> backward(graph::Graph& g, const std::vector<ValueId>& outputs, const std::vector<ValueId>& seeds,
                              const std::vector<ValueId>& wrt, const std::string& phase = "bwd");

// For a rule that emits a sub-graph and differentiates it (RNN's unrolled
// recurrence): `backward` over only the nodes g.nodes[first_node..], appending
// through the rule's emitter. Values made before first_node are leaves.
// Returns kNoValue for a `wrt` value no gradient reaches; a value listed twice
// in `wrt` gets its whole gradient at each place.
std::vector<ValueId> backward_subgraph(Emitter& e, size_t first_node, const std::vector<ValueId>& outputs,
                                       const std::vector<ValueId>& seeds, const std::vector<ValueId>& wrt);

// Registration, one function per op family.
void register_grad_elementwise(GradTable& t);
void register_grad_linalg(GradTable& t);
void register_grad_shape(GradTable& t);
void register_grad_reduce(GradTable& t);
void register_grad_norm(GradTable& t);
void register_grad_conv(GradTable& t);
void register_grad_index(GradTable& t);
void register_grad_rnn(GradTable& t);

}  // namespace tessera::autodiff
