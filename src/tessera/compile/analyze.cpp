// analyze: facts about every kernel call that later passes decide from.
// Needs: a lowered program. Guarantees: one KernelPlan per call (same order)
// with flops, functional-unit ops, iteration points, innermost extent and
// ops per element; one TensorInfo per program tensor with its size on this
// chip, producer and consumers.
#include <algorithm>

#include "tessera/compile/compile.h"
#include "tessera/pattern/cost.h"

namespace tessera::compile {
namespace {

using pattern::Expr;
using pattern::ExprKind;
using pattern::Stmt;
using pattern::StmtKind;

bool has_contraction(const Expr& e) {
  if (pattern::is_contraction(e) && is_float(e.dtype)) return true;
  return std::any_of(e.args.begin(), e.args.end(), [](const auto& a) { return has_contraction(*a); });
}

// Multiply-adds inside reduces fuse into one FU op: count the multiplies to subtract.
int64_t fused_multiplies(const Expr& e) {
  int64_t n = 0;
  for (const auto& a : e.args) n += fused_multiplies(*a);
  if (e.kind == ExprKind::Reduce && e.red == pattern::ReduceOp::Add && e.args[0]->kind == ExprKind::Binary &&
      e.args[0]->bin == pattern::BinOp::Mul && is_float(e.dtype)) {
    int64_t v = 1;
    for (const auto& it : e.iters) v *= it.extent;
    n = n * v + v;  // the body's own fused multiplies repeat per iteration too
  }
  return n;
}

// Iterations of the outermost reduces of `e` (one output point's reduction
// work), and the longest of them.
void reduce_iterations(const Expr& e, int64_t& total, int64_t& longest) {
  if (e.kind == ExprKind::Reduce) {
    int64_t v = 1;
    for (const auto& it : e.iters) v *= it.extent;
    total += v;
    longest = std::max(longest, v);
    return;
  }
  for (const auto& a : e.args) reduce_iterations(*a, total, longest);
}

struct NestFacts {
  int64_t points = 0, inner = 1, fused = 0;
  int64_t reduce_iters = 0, reduce_extent = 1;  // over every output point; the longest reduce
  bool contraction = false;
};

void walk(const std::vector<Stmt>& body, int64_t outer, NestFacts& f) {
  for (const Stmt& s : body) {
    int64_t v = 1;
    for (const auto& it : s.iters) v *= it.extent;
    switch (s.kind) {
      case StmtKind::Map:
      case StmtKind::Fold:
        if (!s.iters.empty()) f.inner = std::max(f.inner, s.iters.back().extent);
        walk(s.body, outer * v, f);
        break;
      case StmtKind::Scan: f.points += outer * v; break;
      case StmtKind::Store:
        f.points += outer;
        [[fallthrough]];
      case StmtKind::Let: {
        f.fused += outer * fused_multiplies(*s.value);
        f.contraction = f.contraction || has_contraction(*s.value);
        int64_t iters = 0;
        reduce_iterations(*s.value, iters, f.reduce_extent);
        f.reduce_iters += outer * iters;
        break;
      }
    }
  }
}

int64_t tensor_bytes(const pattern::ProgramTensor& t, int element_bytes) {
  const int64_t n = num_elements(t.shape);
  return n * (is_float(t.dtype) ? element_bytes : static_cast<int64_t>(dtype_size(t.dtype)));
}

}  // namespace

void analyze(PassContext& ctx) {
  const pattern::Program& p = ctx.program;
  SpatialProgram& sp = ctx.out;
  sp.tensors.clear();
  for (const auto& t : p.tensors) {
    TensorInfo ti;
    ti.name = t.name;
    ti.bytes = tensor_bytes(t, sp.chip.element_bytes);
    ti.weight = t.constant.has_value() || t.parameter;
    ti.graph_input = t.is_input;
    ti.graph_output = t.is_output;
    sp.tensors.push_back(std::move(ti));
  }
  sp.kernels.clear();
  for (size_t c = 0; c < p.calls.size(); ++c) {
    const auto& call = p.calls[c];
    KernelPlan k;
    k.call = static_cast<int>(c);
    k.name = call.node.empty() ? call.kernel.name : call.kernel.name + " (" + call.node + ")";
    k.view = call.view;
    size_t a = 0;
    for (const auto& d : call.kernel.tensors) {
      if (d.role == pattern::Role::Local) continue;
      (d.role == pattern::Role::In ? k.inputs : k.outputs).push_back(call.args[a++]);
    }
    NestFacts f;
    walk(call.kernel.body, 1, f);
    k.flops = pattern::count_flops(call.kernel);
    k.fu_ops = std::max<int64_t>(k.flops - f.fused, 0);
    k.elements = std::max<int64_t>(f.points, 1);
    k.inner = std::max<int64_t>(f.inner, 1);
    k.contraction = f.contraction;
    k.ops_per_element = static_cast<int>(std::max<int64_t>(1, (k.fu_ops + k.elements - 1) / k.elements));
    // A reduction longer per output point than a PCU has stages is folded:
    // its iterations run over the stages and lanes (the reduced axis
    // vectorised, partial sums meeting in the reduction tree), not down a
    // chain of PCUs one operation each.
    k.folded = !k.contraction && !k.view && f.reduce_iters / k.elements > sp.chip.pcu_stages;
    if (k.folded) k.inner = std::max<int64_t>(f.reduce_extent, 1);
    const int idx = static_cast<int>(sp.kernels.size());
    for (int32_t t : k.inputs) sp.tensors[t].consumers.push_back(idx);
    for (int32_t t : k.outputs) sp.tensors[t].producer = idx;
    sp.kernels.push_back(std::move(k));
  }
}

}  // namespace tessera::compile
