// Shape and type inference for the shape family: ops that move or copy
// elements without arithmetic on them. Inputs that decide an output shape
// (Reshape's shape, Slice's starts...) must be constants; const_ints says so
// otherwise. Ops that create tensors (Pad, Range, Shape...) are in
// infer_shape_create.cpp; Split, Slice and Pad parameters in
// infer_shape_params.cpp.
#include <algorithm>
#include <numeric>

#include "tessera/graph/infer.h"
#include "tessera/graph/infer_shape_params.h"
#include "tessera/support/error.h"

namespace tessera::graph {

void register_infer_shape_create(InferTable& t);  // infer_shape_create.cpp

namespace {

int64_t rank_of(const Value& v) { return static_cast<int64_t>(v.shape.size()); }

int64_t product(const Shape& s, size_t lo, size_t hi, const Node& n) {
  int64_t p = 1;
  for (size_t i = lo; i < hi; ++i) p = dim_mul(p, s[i], n, "the flattened size");
  return p;
}

// Axes given as a list: normalised, each at most once.
std::vector<int64_t> unique_axes(const std::vector<int64_t>& axes, int64_t rank, const Node& n) {
  std::vector<int64_t> out;
  for (int64_t a : axes) {
    if (a < -rank || a >= rank)
      fail("{}: axis {} is out of range for rank {} (allowed {}..{})", n.describe(), a, rank, -rank, rank - 1);
    const int64_t ax = a < 0 ? a + rank : a;
    if (std::find(out.begin(), out.end(), ax) != out.end())
      fail("{}: axis {} is listed twice; list each axis once", n.describe(), a);
    out.push_back(ax);
  }
  return out;
}

// The requested shape with 0 (copy, unless allowzero) and -1 (inferred) resolved.
Shape reshape_target(const Graph& g, const Node& n) {
  const Shape& in = need_input(g, n, 0).shape;
  const Shape req = const_ints(g, n, 1);
  const bool allowzero = n.attr_int("allowzero", 0) != 0;
  Shape out(req.size());
  int64_t infer_at = -1, known = 1;
  for (size_t i = 0; i < req.size(); ++i) {
    int64_t d = req[i];
    if (d == -1) {
      if (infer_at >= 0)
        fail("{}: shape {} has more than one -1; at most one dimension can be inferred", n.describe(),
             shape_str(req));
      infer_at = static_cast<int64_t>(i);
      continue;
    }
    if (d == 0 && !allowzero) {
      if (i >= in.size())
        fail("{}: shape {} copies dimension {} (a 0) but the input shape {} has only {} dimensions",
             n.describe(), shape_str(req), i, shape_str(in), in.size());
      d = in[i];
    }
    if (d < 0) fail("{}: shape {} has invalid dimension {}; use -1 to infer one dimension", n.describe(), shape_str(req), d);
    out[i] = d;
    known = dim_mul(known, d, n, "the requested shape's element count");
  }
  const int64_t total = num_elements(in);
  if (infer_at >= 0) {
    if (known == 0 || total % known != 0)
      fail("{}: cannot reshape input shape {} ({} elements) to {}: no size for the -1 dimension fits",
           n.describe(), shape_str(in), total, shape_str(req));
    out[infer_at] = total / known;
  }
  if (num_elements(out) != total)
    fail("{}: cannot reshape input shape {} ({} elements) to {} ({} elements); the element counts must match",
         n.describe(), shape_str(in), total, shape_str(out), num_elements(out));
  return out;
}

void infer_reshape(Graph& g, const Node& n) {
  check_arity(g, n, 2, 2);
  set_output(g, n, 0, need_input(g, n, 0).dtype, reshape_target(g, n));
}

void infer_flatten(Graph& g, const Node& n) {
  check_arity(g, n, 1, 1);
  const Value& x = need_input(g, n, 0);
  const int64_t r = rank_of(x);
  int64_t axis = n.attr_int("axis", 1);
  if (axis < -r || axis > r)
    fail("{}: axis {} is out of range for a rank-{} input (allowed {}..{})", n.describe(), axis, r, -r, r);
  if (axis < 0) axis += r;
  const auto a = static_cast<size_t>(axis);
  set_output(g, n, 0, x.dtype, {product(x.shape, 0, a, n), product(x.shape, a, x.shape.size(), n)});
}

void infer_transpose(Graph& g, const Node& n) {
  check_arity(g, n, 1, 1);
  const Value& x = need_input(g, n, 0);
  const int64_t r = rank_of(x);
  std::vector<int64_t> reversed(static_cast<size_t>(r));
  std::iota(reversed.rbegin(), reversed.rend(), 0);
  const std::vector<int64_t> perm = n.attr_ints("perm", reversed);
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> identity(static_cast<size_t>(r));
  std::iota(identity.begin(), identity.end(), 0);
  if (sorted != identity)
    fail("{}: perm {} is not a permutation of the {} input axes", n.describe(), shape_str(perm), r);
  Shape out;
  for (int64_t p : perm) out.push_back(x.shape[static_cast<size_t>(p)]);
  set_output(g, n, 0, x.dtype, out);
}

void infer_squeeze(Graph& g, const Node& n) {
  check_arity(g, n, 1, 2);
  const Value& x = need_input(g, n, 0);
  std::vector<bool> drop(x.shape.size(), false);
  if (g.has_input(n, 1)) {
    for (int64_t a : unique_axes(const_ints(g, n, 1), rank_of(x), n)) {
      if (x.shape[static_cast<size_t>(a)] != 1)
        fail("{}: cannot squeeze axis {} of input shape {}: its size is {}, not 1", n.describe(), a,
             shape_str(x.shape), x.shape[static_cast<size_t>(a)]);
      drop[static_cast<size_t>(a)] = true;
    }
  } else {
    for (size_t i = 0; i < x.shape.size(); ++i) drop[i] = x.shape[i] == 1;
  }
  Shape out;
  for (size_t i = 0; i < x.shape.size(); ++i)
    if (!drop[i]) out.push_back(x.shape[i]);
  set_output(g, n, 0, x.dtype, out);
}

void infer_unsqueeze(Graph& g, const Node& n) {
  check_arity(g, n, 2, 2);
  const Value& x = need_input(g, n, 0);
  const std::vector<int64_t> axes = const_ints(g, n, 1);
  const int64_t out_rank = rank_of(x) + static_cast<int64_t>(axes.size());
  std::vector<bool> inserted(static_cast<size_t>(out_rank), false);
  for (int64_t a : unique_axes(axes, out_rank, n)) inserted[static_cast<size_t>(a)] = true;
  Shape out;
  size_t next = 0;
  for (int64_t i = 0; i < out_rank; ++i) out.push_back(inserted[static_cast<size_t>(i)] ? 1 : x.shape[next++]);
  set_output(g, n, 0, x.dtype, out);
}

void infer_concat(Graph& g, const Node& n) {
  if (n.inputs.empty()) fail("{}: needs at least one input", n.describe());
  if (!n.has("axis")) fail("{}: attribute 'axis' is required", n.describe());
  // The highest-rank input sets the layout, so an empty placeholder may come first.
  const Value* ref = &need_input(g, n, 0);
  for (size_t k = 1; k < n.inputs.size(); ++k)
    if (rank_of(need_input(g, n, k)) > rank_of(*ref)) ref = &need_input(g, n, k);
  const Value& first = *ref;
  const int64_t r = rank_of(first);
  if (r == 0) fail("{}: cannot concatenate scalars; unsqueeze them to rank 1 first", n.describe());
  const auto axis = static_cast<size_t>(normalize_axis(n.attr_int("axis", 0), r, n));
  Shape out = first.shape;
  out[axis] = 0;
  for (size_t k = 0; k < n.inputs.size(); ++k) {
    const Value& v = need_input(g, n, k);
    if (v.dtype != first.dtype)
      fail("{}: input #{} is {} but input '{}' is {}; all inputs need one dtype", n.describe(), k,
           dtype_name(v.dtype), first.name, dtype_name(first.dtype));
    // An empty tensor of another rank (exporters emit [0] placeholders) adds nothing.
    if (rank_of(v) != r && num_elements(v.shape) == 0) continue;
    for (size_t d = 0; d < out.size(); ++d)
      if (rank_of(v) != r || (d != axis && v.shape[d] != first.shape[d]))
        fail("{}: input #{} has shape {}, which does not match input '{}' of shape {} outside axis {}",
             n.describe(), k, shape_str(v.shape), first.name, shape_str(first.shape), axis);
    out[axis] = dim_add(out[axis], v.shape[axis], n, "the concatenated size");
  }
  set_output(g, n, 0, first.dtype, out);
}

void infer_split(Graph& g, const Node& n) {
  check_arity(g, n, 1, 2);
  const Value& x = need_input(g, n, 0);
  if (x.shape.empty()) fail("{}: cannot split a scalar", n.describe());
  const auto axis = static_cast<size_t>(normalize_axis(n.attr_int("axis", 0), rank_of(x), n));
  const std::vector<int64_t> sizes = split_sizes(g, n, x.shape[axis]);
  for (size_t k = 0; k < sizes.size(); ++k) {
    Shape out = x.shape;
    out[axis] = sizes[k];
    set_output(g, n, k, x.dtype, out);
  }
}

void infer_slice(Graph& g, const Node& n) {
  check_arity(g, n, 3, 5);
  const Value& x = need_input(g, n, 0);
  Shape out;
  for (const SliceAxis& a : slice_params(g, n)) out.push_back(a.size);
  set_output(g, n, 0, x.dtype, out);
}

void infer_expand(Graph& g, const Node& n) {
  check_arity(g, n, 2, 2);
  const Value& x = need_input(g, n, 0);
  const Shape shape = const_ints(g, n, 1);
  for (int64_t d : shape)
    if (d < 0) fail("{}: shape {} has a negative dimension", n.describe(), shape_str(shape));
  set_output(g, n, 0, x.dtype, broadcast(x.shape, shape, n));
}

void infer_tile(Graph& g, const Node& n) {
  check_arity(g, n, 2, 2);
  const Value& x = need_input(g, n, 0);
  const std::vector<int64_t> repeats = const_ints(g, n, 1);
  if (repeats.size() != x.shape.size())
    fail("{}: repeats {} has {} entries but the input has rank {}; give one per axis", n.describe(),
         shape_str(repeats), repeats.size(), x.shape.size());
  Shape out;
  for (size_t i = 0; i < repeats.size(); ++i) {
    if (repeats[i] < 0) fail("{}: repeats {} contain a negative count", n.describe(), shape_str(repeats));
    out.push_back(dim_mul(x.shape[i], repeats[i], n, "a tiled size"));
  }
  set_output(g, n, 0, x.dtype, out);
}

}  // namespace

void register_infer_shape(InferTable& t) {
  t["Reshape"] = &infer_reshape;
  t["Flatten"] = &infer_flatten;
  t["Transpose"] = &infer_transpose;
  t["Squeeze"] = &infer_squeeze;
  t["Unsqueeze"] = &infer_unsqueeze;
  t["Concat"] = &infer_concat;
  t["Split"] = &infer_split;
  t["Slice"] = &infer_slice;
  t["Expand"] = &infer_expand;
  t["Tile"] = &infer_tile;
  register_infer_shape_create(t);
}

}  // namespace tessera::graph
