// Lowering of MatMul, Gemm and Einsum. Every one is a single Store of
// `reduce add k { A * B }` (plus an epilogue outside the reduce) so that the
// executor's BLAS path recognises it; the innermost map variable walks the
// output's last dim.

#include "tessera/graph/infer_linalg.h"
#include "tessera/lower/lower.h"
#include "tessera/support/error.h"

namespace tessera::lower {
namespace {

using pattern::E;
using pattern::Iter;
using pattern::KernelBuilder;
using pattern::ReduceOp;
using pattern::VarId;

Shape leading(const Shape& s, size_t drop) { return Shape(s.begin(), s.end() - static_cast<ptrdiff_t>(drop)); }

// map b.., i, j { y[b..,i,j] = reduce add k { a[b..,i,k] * b[b..,k,j] } }, with
// the i (j) dim absent when A (B) is 1-D.
void lower_matmul(LowerContext& ctx, const graph::Node& n) {
  KernelBuilder b("matmul");
  const NodeParams p = declare_params(b, ctx, n);
  const Shape& sa = b.decl(p.in[0]).shape;
  const Shape& sb = b.decl(p.in[1]).shape;
  const Shape& so = b.decl(p.out[0]).shape;
  const bool a_vec = sa.size() == 1, b_vec = sb.size() == 1;
  const size_t batch_rank = so.size() - !a_vec - !b_vec;
  const std::vector<VarId> bv = b.vars("b", batch_rank);
  const VarId i = a_vec ? -1 : b.var("i"), j = b_vec ? -1 : b.var("j"), k = b.var("k");
  std::vector<Iter> iters;
  for (size_t d = 0; d < batch_rank; ++d) iters.push_back({bv[d], so[d]});
  if (!a_vec) iters.push_back({i, so[batch_rank]});
  if (!b_vec) iters.push_back({j, so.back()});
  const std::vector<E> batch = b.idx(bv);
  std::vector<E> ai = a_vec ? std::vector<E>{} : broadcast_index(leading(sa, 2), batch);
  std::vector<E> bi = b_vec ? std::vector<E>{} : broadcast_index(leading(sb, 2), batch);
  std::vector<E> yi = batch;
  if (!a_vec) ai.push_back(b.idx(i)), yi.push_back(b.idx(i));
  ai.push_back(b.idx(k));
  bi.push_back(b.idx(k));
  if (!b_vec) bi.push_back(b.idx(j)), yi.push_back(b.idx(j));
  auto body = [&] {
    E prod = b.read(p.in[0], ai) * b.read(p.in[1], bi);
    b.store(p.out[0], yi, b.reduce(ReduceOp::Add, {{k, sa.back()}}, prod));
  };
  if (iters.empty()) body();
  else b.map(iters, body);
  ctx.emit(b.finish(), n, p.args);
}

// y = alpha * A' B' + beta * C, with alpha folded into the A factor so the
// product stays a plain reduce add of two factors.
void lower_gemm(LowerContext& ctx, const graph::Node& n) {
  KernelBuilder b("gemm");
  const NodeParams p = declare_params(b, ctx, n);
  const bool ta = n.attr_int("transA", 0) != 0, tb = n.attr_int("transB", 0) != 0;
  const double alpha = n.attr_float("alpha", 1.0), beta = n.attr_float("beta", 1.0);
  const Shape& sa = b.decl(p.in[0]).shape;
  const Shape& so = b.decl(p.out[0]).shape;
  const DType dt = b.decl(p.out[0]).dtype;
  const int64_t kk = ta ? sa[0] : sa[1];
  const bool has_c = p.in.size() > 2 && p.in[2] >= 0 && beta != 0.0;
  const VarId i = b.var("i"), j = b.var("j"), k = b.var("k");
  b.map({{i, so[0]}, {j, so[1]}}, [&] {
    const E ei = b.idx(i), ej = b.idx(j), ek = b.idx(k);
    E fa = b.read(p.in[0], ta ? std::vector<E>{ek, ei} : std::vector<E>{ei, ek});
    if (alpha != 1.0) fa = fa * pattern::constant(alpha, dt);
    E fb = b.read(p.in[1], tb ? std::vector<E>{ej, ek} : std::vector<E>{ek, ej});
    E y = b.reduce(ReduceOp::Add, {{k, kk}}, fa * fb);
    if (has_c) {
      E c = b.read(p.in[2], broadcast_index(b.decl(p.in[2]).shape, {ei, ej}));
      y = y + (beta == 1.0 ? c : c * pattern::constant(beta, dt));
    }
    b.store(p.out[0], {ei, ej}, y);
  });
  ctx.emit(b.finish(), n, p.args);
}

std::string label_name(int label) {
  if (label >= graph::kEllipsisLabel) return fmt::format("e{}", label - graph::kEllipsisLabel);
  return fmt::format("{}", static_cast<char>(label < 26 ? 'A' + label : 'a' + label - 26));
}

// Output labels become map variables, summed labels reduce variables; an
// operand dim of size 1 against a larger extent is read at 0 (broadcast).
void lower_einsum(LowerContext& ctx, const graph::Node& n) {
  const graph::EinsumSpec s = graph::parse_einsum(ctx.graph(), n);
  KernelBuilder b("einsum");
  const NodeParams p = declare_params(b, ctx, n);
  std::map<int, VarId> var;
  std::vector<Iter> map_iters, sum_iters;
  for (int l : s.output) map_iters.push_back({var[l] = b.var(label_name(l)), s.extents.at(l)});
  for (int l : s.summed()) sum_iters.push_back({var[l] = b.var(label_name(l)), s.extents.at(l)});
  auto operand = [&](size_t k) {
    const Shape& shape = b.decl(p.in[k]).shape;
    std::vector<E> index;
    for (size_t d = 0; d < shape.size(); ++d) {
      const int l = s.inputs[k][d];
      index.push_back(shape[d] == 1 && s.extents.at(l) != 1 ? pattern::iconst(0) : b.idx(var.at(l)));
    }
    return b.read(p.in[k], index);
  };
  auto body = [&] {
    E value = s.inputs.size() == 1 ? operand(0) : operand(0) * operand(1);
    if (!sum_iters.empty()) value = b.reduce(ReduceOp::Add, sum_iters, value);
    std::vector<E> yi;
    for (int l : s.output) yi.push_back(b.idx(var.at(l)));
    b.store(p.out[0], yi, value);
  };
  if (map_iters.empty()) body();
  else b.map(map_iters, body);
  ctx.emit(b.finish(), n, p.args);
}

}  // namespace

void register_lower_linalg(LowerTable& t) {
  t["MatMul"] = &lower_matmul;
  t["Gemm"] = &lower_gemm;
  t["Einsum"] = &lower_einsum;
}

}  // namespace tessera::lower
