// Shape and type inference for normalisations and the softmax family. All keep
// the input's shape and float dtype; they check that per-channel parameters
// match the channel dim, that axes are in range, and reject training-only
// forms (BatchNormalization with training_mode=1).
#include <fmt/format.h>

#include <set>

#include "tessera/graph/infer.h"
#include "tessera/support/error.h"

namespace tessera::graph {
namespace {

const Value& float_input(const Graph& g, const Node& n, size_t k) {
  const Value& v = need_input(g, n, k);
  if (!is_float(v.dtype))
    fail("{}: input '{}' has dtype {}, but this operator takes float or double; insert a Cast", n.describe(),
         v.name, dtype_name(v.dtype));
  return v;
}

void check_rank_at_least(const Node& n, const Value& x, int64_t rank, const char* layout) {
  if (static_cast<int64_t>(x.shape.size()) < rank)
    fail("{}: input '{}' has shape {}, but the operator expects rank >= {} ({})", n.describe(), x.name,
         shape_str(x.shape), rank, layout);
}

// Inputs k.. of a per-channel op must be 1-D of the channel count.
void check_channel_params(const Graph& g, const Node& n, size_t first, size_t last, int64_t channels) {
  for (size_t k = first; k <= last; ++k) {
    const Value& v = float_input(g, n, k);
    if (v.shape != Shape{channels})
      fail("{}: input '{}' has shape {}, expected [{}] (one value per channel)", n.describe(), v.name,
           shape_str(v.shape), channels);
  }
}

void infer_batch_norm(Graph& g, const Node& n) {
  check_arity(g, n, 5, 5);
  if (n.attr_int("training_mode", 0) != 0)
    fail("{}: training mode is not supported; export the model in eval mode (model.eval())", n.describe());
  for (size_t k = 1; k < n.outputs.size(); ++k)
    if (n.outputs[k] != kNoValue)
      fail("{}: running mean/variance outputs exist only in training mode; export the model in eval mode",
           n.describe());
  const Value& x = float_input(g, n, 0);
  check_rank_at_least(n, x, 2, "N, C, ...");
  check_channel_params(g, n, 1, 4, x.shape[1]);
  set_output(g, n, 0, x.dtype, x.shape);
}

void infer_instance_norm(Graph& g, const Node& n) {
  check_arity(g, n, 3, 3);
  const Value& x = float_input(g, n, 0);
  check_rank_at_least(n, x, 3, "N, C, D1, ...");
  check_channel_params(g, n, 1, 2, x.shape[1]);
  set_output(g, n, 0, x.dtype, x.shape);
}

// Whether `from` broadcasts (NumPy alignment from the right) to exactly `to`.
bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) return false;
  const size_t off = to.size() - from.size();
  for (size_t d = 0; d < from.size(); ++d)
    if (from[d] != 1 && from[d] != to[off + d]) return false;
  return true;
}

// Y, and the optional Mean and InvStdDev with the normalised dims set to 1.
void infer_layer_norm(Graph& g, const Node& n) {
  check_arity(g, n, 2, 3);
  const Value& x = float_input(g, n, 0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  const int64_t axis = normalize_axis(n.attr_int("axis", -1), rank, n);
  for (size_t k = 1; k < n.inputs.size(); ++k) {
    if (k == 2 && !g.has_input(n, k)) continue;  // the bias is optional, the scale is not
    const Value* p = &float_input(g, n, k);
    Shape tail(x.shape.begin() + axis, x.shape.end());
    if (!broadcasts_to(p->shape, tail))
      fail("{}: input '{}' has shape {}, which does not broadcast to the normalised shape {}", n.describe(),
           p->name, shape_str(p->shape), shape_str(tail));
  }
  Shape stats = x.shape;
  for (int64_t d = axis; d < rank; ++d) stats[d] = 1;
  set_output(g, n, 0, x.dtype, x.shape);
  set_output(g, n, 1, x.dtype, stats);
  set_output(g, n, 2, x.dtype, stats);
}

// Softmax, LogSoftmax, Hardmax; "legacy"=1 is the opset<13 form (axis default 1).
void infer_softmax(Graph& g, const Node& n) {
  check_arity(g, n, 1, 1);
  const Value& x = float_input(g, n, 0);
  const bool legacy = n.attr_int("legacy", 0) != 0;
  normalize_axis(n.attr_int("axis", legacy ? 1 : -1), static_cast<int64_t>(x.shape.size()), n);
  set_output(g, n, 0, x.dtype, x.shape);
}

void infer_lp_norm(Graph& g, const Node& n) {
  check_arity(g, n, 1, 1);
  const Value& x = float_input(g, n, 0);
  const int64_t p = n.attr_int("p", 2);
  if (p != 1 && p != 2) fail("{}: attribute p must be 1 or 2, got {}", n.describe(), p);
  normalize_axis(n.attr_int("axis", -1), static_cast<int64_t>(x.shape.size()), n);
  set_output(g, n, 0, x.dtype, x.shape);
}

void infer_mvn(Graph& g, const Node& n) {
  check_arity(g, n, 1, 1);
  const Value& x = float_input(g, n, 0);
  std::set<int64_t> seen;
  for (int64_t a : n.attr_ints("axes", {0, 2, 3}))
    if (!seen.insert(normalize_axis(a, static_cast<int64_t>(x.shape.size()), n)).second)
      fail("{}: axis {} appears twice in axes", n.describe(), a);
  set_output(g, n, 0, x.dtype, x.shape);
}

}  // namespace

void register_infer_norm(InferTable& t) {
  t["BatchNormalization"] = &infer_batch_norm;
  t["InstanceNormalization"] = &infer_instance_norm;
  t["LayerNormalization"] = &infer_layer_norm;
  t["Softmax"] = &infer_softmax;
  t["LogSoftmax"] = &infer_softmax;
  t["Hardmax"] = &infer_softmax;
  t["LpNormalization"] = &infer_lp_norm;
  t["MeanVarianceNormalization"] = &infer_mvn;
}

}  // namespace tessera::graph
