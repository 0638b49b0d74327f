// Gradient rules of the index family. A gather's adjoint is a scatter-add of
// dY to the positions it read (a group-by fold once lowered), so repeated
// indices sum; indices themselves take no gradient.
//  - Gather: the gathered axis is moved to the front and dY scattered with
//    ScatterND (one index per row), then moved back.
//  - GatherElements: ScatterElements with reduction "add" on the same axis.
//  - GatherND: ScatterND "add"; with batch_dims the batch coordinates are
//    prepended to each index tuple (a constant).
//  - ScatterND / ScatterElements ("none" or "add"): updates get the gather of
//    dY at their indices; data gets dY, with the overwritten positions zeroed
//    for "none". Duplicate indices under "none" (undefined in ONNX) give every
//    duplicate the gradient.
#include "tessera/autodiff/autodiff.h"
#include "tessera/autodiff/emitter.h"
#include "tessera/graph/infer.h"
#include "tessera/support/error.h"

namespace tessera::autodiff {
namespace {

using graph::kNoValue;
using graph::Node;
using Grads = std::vector<ValueId>;

const Attrs kAdd = {{"reduction", std::string("add")}};

Grads g_gather(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId x = n.inputs[0], ind = n.inputs[1];
  const Shape xs = e.shape(x);
  const Shape is = e.shape(ind);
  const int64_t r = e.rank(x), q = e.rank(ind);
  const int64_t axis = graph::normalize_axis(n.attr_int("axis", 0), r, n);
  // dY [A.., I.., B..] -> [I.., A.., B..]; scatter rows into [X, A.., B..].
  std::vector<int64_t> to_front;
  for (int64_t d = axis; d < axis + q; ++d) to_front.push_back(d);
  for (int64_t d = 0; d < axis; ++d) to_front.push_back(d);
  for (int64_t d = axis + q; d < e.rank(dy[0]); ++d) to_front.push_back(d);
  Shape front = {xs[static_cast<size_t>(axis)]};
  std::vector<int64_t> back;  // [X, A.., B..] -> [A.., X, B..]
  for (int64_t d = 0; d < r; ++d) {
    if (d != axis) front.push_back(xs[static_cast<size_t>(d)]);
    back.push_back(d < axis ? d + 1 : d == axis ? 0 : d);
  }
  Shape rows = is;
  rows.push_back(1);
  const ValueId scattered = e.op("ScatterND", {e.zeros(front, e.dtype(x)), e.reshape(ind, rows),
                                               e.transpose(dy[0], to_front)},
                                 kAdd);
  return {e.transpose(scattered, back), kNoValue};
}

Grads g_gather_elements(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId x = n.inputs[0];
  Attrs attrs = kAdd;
  attrs["axis"] = graph::normalize_axis(n.attr_int("axis", 0), e.rank(x), n);
  return {e.op("ScatterElements", {e.zeros(e.shape(x), e.dtype(x)), n.inputs[1], dy[0]}, attrs), kNoValue};
}

// GatherND's indices with the batch coordinates prepended: [lead.., b + k].
ValueId full_nd_indices(Emitter& e, ValueId ind, int64_t batch) {
  if (batch == 0) return ind;
  const Shape is = e.shape(ind);
  Shape lead(is.begin(), is.end() - 1), coords_shape = lead;
  coords_shape.push_back(batch);
  Tensor coords(DType::I64, coords_shape);
  std::vector<int64_t> pos(lead.size(), 0);
  for (int64_t i = 0; i < num_elements(lead); ++i) {
    for (int64_t j = 0; j < batch; ++j) coords.set_i64(i * batch + j, pos[static_cast<size_t>(j)]);
    for (size_t d = lead.size(); d-- > 0;) {
      if (++pos[d] < lead[d]) break;
      pos[d] = 0;
    }
  }
  return e.op("Concat", {e.constant(std::move(coords), "batch_coords"), e.cast(ind, DType::I64)},
              {{"axis", int64_t{-1}}});
}

Grads g_gather_nd(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId x = n.inputs[0];
  const ValueId ind = full_nd_indices(e, n.inputs[1], n.attr_int("batch_dims", 0));
  return {e.op("ScatterND", {e.zeros(e.shape(x), e.dtype(x)), ind, dy[0]}, kAdd), kNoValue};
}

// Scatters: `gather` reads dY at the updates' indices.
template <typename Gather>
Grads scatter_grads(Emitter& e, const Node& n, const Grads& dy, const Attrs& axis, Gather gather) {
  const std::string reduction = n.attr_str("reduction", "none");
  if (reduction != "none" && reduction != "add")
    fail("{}: no gradient rule for {} with reduction '{}' (only none and add)", n.describe(), n.op, reduction);
  const ValueId upd = n.inputs[2];
  Grads r(3, kNoValue);
  r[0] = dy[0];
  if (reduction == "none")
    r[0] = e.op(n.op, {dy[0], n.inputs[1], e.zeros(e.shape(upd), e.dtype(upd))}, axis);
  if (differentiable(e.value(upd))) r[2] = gather(dy[0]);
  return r;
}

Grads g_scatter_nd(Emitter& e, const Node& n, const Grads& dy) {
  return scatter_grads(e, n, dy, {}, [&](ValueId d) { return e.op("GatherND", {d, n.inputs[1]}); });
}

Grads g_scatter_elements(Emitter& e, const Node& n, const Grads& dy) {
  const Attrs axis = {{"axis", graph::normalize_axis(n.attr_int("axis", 0), e.rank(n.inputs[0]), n)}};
  return scatter_grads(e, n, dy, axis,
                       [&](ValueId d) { return e.op("GatherElements", {d, n.inputs[1]}, axis); });
}

}  // namespace

void register_grad_index(GradTable& t) {
  t["Gather"] = g_gather;
  t["GatherElements"] = g_gather_elements;
  t["GatherND"] = g_gather_nd;
  t["ScatterND"] = g_scatter_nd;
  t["ScatterElements"] = g_scatter_elements;
}

}  // namespace tessera::autodiff
