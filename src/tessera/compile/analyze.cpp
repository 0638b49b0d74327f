// analyze: facts about every kernel call that later passes decide from.
// Needs: a lowered program. Guarantees: one KernelPlan per call (same order)
// with flops, functional-unit ops, iteration points, innermost extent and
// ops per element; one TensorInfo per program tensor with its size on this
// chip, producer and consumers.
#include <algorithm>

#include "tessera/compile/compile.h"
#include "tessera/pattern/cost.h"
#include "tessera/support/checked.h"

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

// Iterations of a loop nest (checked: `what` names the kernel).
int64_t volume(const std::vector<pattern::Iter>& iters, const std::string& what) {
  int64_t v = 1;
  for (const auto& it : iters) v = checked_mul(v, it.extent, what);
  return v;
}

// Multiply-adds inside reduces fuse into one FU op: count the multiplies to subtract.
int64_t fused_multiplies(const Expr& e, const std::string& what) {
  int64_t n = 0;
  for (const auto& a : e.args) n = checked_add(n, fused_multiplies(*a, what), what);
  if (e.kind == ExprKind::Reduce && e.red == pattern::ReduceOp::Add && e.args[0]->kind == ExprKind::Binary &&
      e.args[0]->bin == pattern::BinOp::Mul && is_float(e.dtype)) {
    const int64_t v = volume(e.iters, what);
    n = checked_add(checked_mul(n, v, what), v, what);  // the body's own fused multiplies repeat per iteration too
  }
  return n;
}

// Iterations of the outermost reduces of `e` (one output point's reduction
// work), and the longest of them.
void reduce_iterations(const Expr& e, int64_t& total, int64_t& longest, const std::string& what) {
  if (e.kind == ExprKind::Reduce) {
    const int64_t v = volume(e.iters, what);
    total = checked_add(total, v, what);
    longest = std::max(longest, v);
    return;
  }
  for (const auto& a : e.args) reduce_iterations(*a, total, longest, what);
}

struct NestFacts {
  int64_t points = 0, inner = 1, fused = 0;
  int64_t reduce_iters = 0, reduce_extent = 1;  // over every output point; the longest reduce
  bool contraction = false;
  std::string what;  // names the kernel in an overflow error
};

void walk(const std::vector<Stmt>& body, int64_t outer, NestFacts& f) {
  const std::string& w = f.what;
  for (const Stmt& s : body) {
    const int64_t v = volume(s.iters, w);
    switch (s.kind) {
      case StmtKind::Map:
      case StmtKind::Fold:
        if (!s.iters.empty()) f.inner = std::max(f.inner, s.iters.back().extent);
        walk(s.body, checked_mul(outer, v, w), f);
        break;
      case StmtKind::Scan: f.points = checked_add(f.points, checked_mul(outer, v, w), w); break;
      case StmtKind::Store:
        f.points = checked_add(f.points, outer, w);
        [[fallthrough]];
      case StmtKind::Let: {
        f.fused = checked_add(f.fused, checked_mul(outer, fused_multiplies(*s.value, w), w), w);
        f.contraction = f.contraction || has_contraction(*s.value);
        int64_t iters = 0;
        reduce_iterations(*s.value, iters, f.reduce_extent, w);
        f.reduce_iters = checked_add(f.reduce_iters, checked_mul(outer, iters, w), w);
        break;
      }
    }
  }
}

int64_t tensor_bytes(const pattern::ProgramTensor& t, int element_bytes) {
  const int64_t n = num_elements(t.shape);
  return checked_mul(n, is_float(t.dtype) ? element_bytes : static_cast<int64_t>(dtype_size(t.dtype)),
                     "the byte size of tensor '" + t.name + "' on the chip");
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
    k.phase = call.phase;
    size_t a = 0;
    for (const auto& d : call.kernel.tensors) {
      if (d.role == pattern::Role::Local) continue;
      (d.role == pattern::Role::In ? k.inputs : k.outputs).push_back(call.args[a++]);
    }
    NestFacts f;
    f.what = "the work of kernel " + k.name;
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
