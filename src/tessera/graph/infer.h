// Shape and type inference for canonical ops. Each op family registers its
// rules in its own file (infer_<family>.cpp); `infer_node` looks them up.
// Rules may read the constant payload of inputs (Reshape's shape, Slice's
// starts...): when such an input is not constant the rule fails with a message
// saying that the dimension is dynamic.
#pragma once

#include <map>
#include <string>

#include "tessera/graph/graph.h"

namespace tessera::graph {

// Sets dtype, shape and shape_known on every output of `n`. Throws Error for
// invalid inputs, naming the node.
using InferFn = void (*)(Graph& g, const Node& n);
using InferTable = std::map<std::string, InferFn, std::less<>>;

const InferTable& infer_table();  // all registered ops
bool is_supported(const std::string& op);
void infer_node(Graph& g, const Node& n);

// --- helpers for rule writers ---
void set_output(Graph& g, const Node& n, size_t k, DType dtype, Shape shape);
// NumPy-style multidirectional broadcast; throws Error naming the node.
Shape broadcast(const Shape& a, const Shape& b, const Node& n);
// Input k, which must be present (Error naming the node otherwise).
const Value& need_input(const Graph& g, const Node& n, size_t k);
// The constant payload of input k as int64s; Error if absent or not constant.
std::vector<int64_t> const_ints(const Graph& g, const Node& n, size_t k);
// Throws Error unless the node has between lo and hi inputs.
void check_arity(const Graph& g, const Node& n, size_t lo, size_t hi);

// Registration, one function per family (defined in infer_<family>.cpp).
void register_infer_elementwise(InferTable& t);
void register_infer_linalg(InferTable& t);
void register_infer_conv(InferTable& t);
void register_infer_norm(InferTable& t);
void register_infer_reduce(InferTable& t);
void register_infer_shape(InferTable& t);
void register_infer_index(InferTable& t);
void register_infer_rnn(InferTable& t);

}  // namespace tessera::graph
