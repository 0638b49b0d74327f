// Shape and type inference for canonical ops. Each op family registers its
// rules in its own file (infer_<family>.cpp); `infer_node` looks them up.
// Rules may read the constant payload of inputs (Reshape's shape, Slice's
// starts...): when such an input is not constant the rule fails with a message
// saying that the dimension is dynamic.
#pragma once

#include <map>
#include <string>
#include <string_view>

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
// Also checks the shape: no negative dimension, none over 2^62, and an element
// count of at most 2^62 (kMaxCount); otherwise an Error naming the node.
void set_output(Graph& g, const Node& n, size_t k, DType dtype, Shape shape);
// Arithmetic on dimensions, attribute values and constant inputs, which a
// model file can set to anything: a result that wraps or passes 2^62 in
// magnitude is an Error naming the node and `what` ("the output size"),
// never a wrapped figure.
int64_t dim_mul(int64_t a, int64_t b, const Node& n, std::string_view what);
int64_t dim_add(int64_t a, int64_t b, const Node& n, std::string_view what);
int64_t dim_sub(int64_t a, int64_t b, const Node& n, std::string_view what);
// NumPy-style multidirectional broadcast; throws Error naming the node.
Shape broadcast(const Shape& a, const Shape& b, const Node& n);
// Input k, which must be present (Error naming the node otherwise).
const Value& need_input(const Graph& g, const Node& n, size_t k);
// The constant payload of input k as int64s; Error if absent or not constant.
std::vector<int64_t> const_ints(const Graph& g, const Node& n, size_t k);
// Sorted, normalised, duplicate-free axes of a Reduce* node (input 1 or the
// older `axes` attribute; all axes when empty unless noop_with_empty_axes).
std::vector<int64_t> reduce_axes(const Graph& g, const Node& n, int64_t rank);
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
