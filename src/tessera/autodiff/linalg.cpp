// Gradient rules of contractions. MatMul follows NumPy semantics (1-D operands
// promoted, batch dims broadcast): dA = dY B^T and dB = A^T dY, summed back over
// broadcast batch dims. A weight shared by every row of a batched product
// (x[b,m,k] @ W[k,n], every Linear on a sequence) gets one 2-D product over
// the flattened rows instead of a batched product and a sum. Einsum's operand
// gradient is another Einsum: the output's labels and the other operand's
// produce this operand's.
#include <map>
#include <set>

#include <fmt/format.h>

#include "tessera/autodiff/autodiff.h"
#include "tessera/autodiff/emitter.h"
#include "tessera/graph/infer_linalg.h"
#include "tessera/support/error.h"

namespace tessera::autodiff {
namespace {

using graph::kNoValue;
using graph::Node;
using Grads = std::vector<ValueId>;

ValueId swap_last2(Emitter& e, ValueId v) {
  std::vector<int64_t> perm;
  const int64_t r = e.rank(v);
  for (int64_t i = 0; i < r; ++i) perm.push_back(i);
  std::swap(perm[r - 1], perm[r - 2]);
  return e.transpose(v, perm);
}

Grads g_matmul(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId a0 = n.inputs[0], b0 = n.inputs[1];
  const Shape sa = e.shape(a0), sb = e.shape(b0);
  // Promote 1-D operands as NumPy does; dY gets the promoted output shape.
  Shape pa = sa, pb = sb;
  if (pa.size() == 1) pa.insert(pa.begin(), 1);
  if (pb.size() == 1) pb.push_back(1);
  const ValueId a = e.reshape(a0, pa), b = e.reshape(b0, pb);
  Shape py = e.shape(dy[0]);
  if (sa.size() == 1) py.insert(py.end() - (sb.size() == 1 ? 0 : 1), 1);
  if (sb.size() == 1) py.push_back(1);
  const ValueId d = e.reshape(dy[0], py);
  Grads r(2, kNoValue);
  const bool need_a = differentiable(e.value(a0)), need_b = differentiable(e.value(b0));
  if (need_a) r[0] = e.reshape(e.unbroadcast(e.op("MatMul", {d, swap_last2(e, b)}), pa), sa);
  if (need_b) {
    if (pb.size() == 2 && pa.size() > 2) {
      // Shared weight: flatten the rows. A^T [K, rows] @ dY [rows, N].
      const int64_t k = pa.back(), nn = pb.back();
      const ValueId a2 = e.reshape(a, {num_elements(pa) / k, k});
      const ValueId d2 = e.reshape(d, {num_elements(py) / nn, nn});
      r[1] = e.reshape(e.op("MatMul", {e.transpose(a2, {1, 0}), d2}), sb);
    } else {
      r[1] = e.reshape(e.unbroadcast(e.op("MatMul", {swap_last2(e, a), d}), pb), sb);
    }
  }
  return r;
}

Grads g_gemm(Emitter& e, const Node& n, const Grads& dy) {
  const ValueId a = n.inputs[0], b = n.inputs[1];
  const bool ta = n.attr_int("transA", 0) != 0, tb = n.attr_int("transB", 0) != 0;
  const double alpha = n.attr_float("alpha", 1.0), beta = n.attr_float("beta", 1.0);
  const ValueId d = e.scale(dy[0], alpha);
  const ValueId a_ = ta ? e.transpose(a, {1, 0}) : a, b_ = tb ? e.transpose(b, {1, 0}) : b;
  Grads r(3, kNoValue);
  // op(A) = d op(B)^T; op(B) = op(A)^T d
  const ValueId dopa = e.op("MatMul", {d, e.transpose(b_, {1, 0})});
  const ValueId dopb = e.op("MatMul", {e.transpose(a_, {1, 0}), d});
  r[0] = ta ? e.transpose(dopa, {1, 0}) : dopa;
  r[1] = tb ? e.transpose(dopb, {1, 0}) : dopb;
  if (n.inputs.size() > 2 && n.inputs[2] != kNoValue) r[2] = e.unbroadcast(e.scale(dy[0], beta), e.shape(n.inputs[2]));
  return r;
}

// Einsum labels back to letters (ellipsis dims get unused letters).
std::string letters(const std::vector<int>& labels, std::map<int, char>& names) {
  std::string s;
  for (int l : labels) s += names.at(l);
  return s;
}

Grads g_einsum(Emitter& e, const Node& n, const Grads& dy) {
  const graph::EinsumSpec spec = graph::parse_einsum(e.graph(), n);
  std::map<int, char> names;
  std::set<char> used;
  for (const auto& [l, ext] : spec.extents)
    if (l < graph::kEllipsisLabel) {
      names[l] = static_cast<char>(l < 26 ? 'A' + l : 'a' + (l - 26));
      used.insert(names[l]);
    }
  char next = 'a';
  for (const auto& [l, ext] : spec.extents)
    if (l >= graph::kEllipsisLabel) {
      while (used.count(next)) next = next == 'z' ? 'A' : static_cast<char>(next + 1);
      names[l] = next;
      used.insert(next);
    }
  const std::string out = letters(spec.output, names);
  Grads r(n.inputs.size(), kNoValue);
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    const ValueId x = n.inputs[i];
    if (!differentiable(e.value(x))) continue;
    const std::vector<int>& labels = spec.inputs[i];
    std::set<int> seen;
    for (int l : labels)
      if (!seen.insert(l).second)
        fail("{}: no gradient rule for an Einsum operand with a repeated label (a diagonal), equation '{}'",
             n.describe(), n.attr_str("equation", ""));
    // Labels this operand's gradient can be computed over: those in the output
    // or in the other operand; the rest (summed over this operand only) are
    // broadcast back.
    std::set<int> avail(spec.output.begin(), spec.output.end());
    std::vector<ValueId> operands = {dy[0]};
    std::string eq = out;
    if (n.inputs.size() == 2) {
      const size_t j = 1 - i;
      avail.insert(spec.inputs[j].begin(), spec.inputs[j].end());
      operands.push_back(n.inputs[j]);
      eq += "," + letters(spec.inputs[j], names);
    }
    std::vector<int> kept;
    Shape kept_shape;
    for (int l : labels)
      if (avail.count(l)) kept.push_back(l), kept_shape.push_back(spec.extents.at(l));
    ValueId g = e.op("Einsum", operands, {{"equation", eq + "->" + letters(kept, names)}});
    // Broadcast over the labels only this operand had, then sum dims this
    // operand had as 1 but that broadcast to more.
    Shape full, with_ones;
    for (int l : labels) {
      full.push_back(spec.extents.at(l));
      with_ones.push_back(avail.count(l) ? spec.extents.at(l) : 1);
    }
    g = e.expand(e.reshape(g, with_ones), full);
    r[i] = e.unbroadcast(g, e.shape(x));
  }
  return r;
}

}  // namespace

void register_grad_linalg(GradTable& t) {
  t["MatMul"] = g_matmul;
  t["Gemm"] = g_gemm;
  t["Einsum"] = g_einsum;
}

}  // namespace tessera::autodiff
