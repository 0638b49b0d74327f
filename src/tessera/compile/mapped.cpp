#include "tessera/compile/mapped.h"

#include <algorithm>

#include <fmt/format.h>

#include "tessera/pattern/rewrite.h"

namespace tessera::compile {
namespace {

using pattern::Stmt;
using pattern::StmtKind;

// Pieces of one iteration space can run apart only when no iteration combines
// into another's output (scatter-reduce), folds or scans across it.
bool splittable(const std::vector<Stmt>& body) {
  for (const Stmt& s : body) {
    if (s.kind == StmtKind::Fold || s.kind == StmtKind::Scan) return false;
    if (s.kind == StmtKind::Store && s.combine) return false;
    if (!splittable(s.body)) return false;
  }
  return true;
}

pattern::VarId fresh_var(pattern::Kernel& k, const std::string& hint) {
  std::string name = hint;
  for (int n = 1; std::find(k.vars.begin(), k.vars.end(), name) != k.vars.end(); ++n) name = fmt::format("{}_{}", hint, n);
  k.vars.push_back(name);
  return static_cast<pattern::VarId>(k.vars.size() - 1);
}

pattern::ExprP index_plus(pattern::VarId v, int64_t offset) {
  auto idx = std::make_shared<pattern::Expr>();
  idx->kind = pattern::ExprKind::Index;
  idx->dtype = DType::I64;
  idx->var = v;
  if (offset == 0) return idx;
  auto c = std::make_shared<pattern::Expr>();
  c->kind = pattern::ExprKind::Const;
  c->dtype = DType::I64;
  c->ival = offset;
  auto sum = std::make_shared<pattern::Expr>();
  sum->kind = pattern::ExprKind::Binary;
  sum->bin = pattern::BinOp::Add;
  sum->dtype = DType::I64;
  sum->args = {idx, c};
  return sum;
}

// The binary op that combines two partial results of a reduce `op`.
pattern::BinOp combine_op(pattern::ReduceOp op) {
  switch (op) {
    case pattern::ReduceOp::Add: return pattern::BinOp::Add;
    case pattern::ReduceOp::Mul: return pattern::BinOp::Mul;
    case pattern::ReduceOp::Max: return pattern::BinOp::Max;
    case pattern::ReduceOp::Min: return pattern::BinOp::Min;
  }
  return pattern::BinOp::Add;
}

// A balanced tree of `op` over `parts` (the stages' reduction tree).
pattern::ExprP combine_tree(const std::vector<pattern::ExprP>& parts, size_t lo, size_t hi, pattern::BinOp op) {
  if (hi - lo == 1) return parts[lo];
  const size_t mid = lo + (hi - lo) / 2;
  auto sum = std::make_shared<pattern::Expr>();
  sum->kind = pattern::ExprKind::Binary;
  sum->bin = op;
  sum->dtype = parts[lo]->dtype;
  sum->args = {combine_tree(parts, lo, mid, op), combine_tree(parts, mid, hi, op)};
  return sum;
}

// Which reduces run as partial results over the stages: a contraction
// kernel's contractions, every outermost reduce of a folded kernel.
struct SplitRule {
  bool folded = false;
  bool applies(const pattern::Expr& e) const {
    return folded ? e.kind == pattern::ExprKind::Reduce : pattern::is_contraction(e);
  }
};

// `e` with every outermost reduce the rule picks split into `parts` partial
// results over contiguous ranges of its longest variable, combined as a tree.
pattern::ExprP split_reductions(const pattern::ExprP& e, pattern::Kernel& k, const MappedOptions& o, SplitRule rule) {
  if (rule.applies(*e)) {
    size_t longest = 0;
    for (size_t i = 1; i < e->iters.size(); ++i)
      if (e->iters[i].extent > e->iters[longest].extent) longest = i;
    const int64_t extent = e->iters.empty() ? 0 : e->iters[longest].extent;
    const int64_t parts = std::min<int64_t>(o.reduction_parts, extent);
    if (parts <= 1) return e;
    const pattern::VarId v = e->iters[longest].var;
    std::vector<pattern::ExprP> sums;
    for (int64_t p = 0; p < parts; ++p) {
      const int64_t from = extent * p / parts, len = extent * (p + 1) / parts - from;
      const pattern::VarId part = fresh_var(k, fmt::format("{}_s{}", k.vars[v], p));
      auto sum = std::make_shared<pattern::Expr>(*e);
      sum->iters[longest] = {part, len};
      sum->args = {pattern::substitute(e->args[0], v, index_plus(part, from))};
      sums.push_back(std::move(sum));
    }
    if (o.fault_drop_partial) sums.pop_back();
    return combine_tree(sums, 0, sums.size(), combine_op(e->red));
  }
  bool changed = false;
  std::vector<pattern::ExprP> args;
  for (const auto& a : e->args) {
    args.push_back(split_reductions(a, k, o, rule));
    changed = changed || args.back() != a;
  }
  if (!changed) return e;
  auto copy = std::make_shared<pattern::Expr>(*e);
  copy->args = std::move(args);
  return copy;
}

void split_reductions(std::vector<Stmt>& body, pattern::Kernel& k, const MappedOptions& o, SplitRule rule) {
  for (Stmt& s : body) {
    if (s.value) s.value = split_reductions(s.value, k, o, rule);
    split_reductions(s.body, k, o, rule);
  }
}

}  // namespace

pattern::Kernel mapped_kernel(const pattern::Kernel& k, const KernelPlan& plan, const MappedOptions& options) {
  pattern::Kernel out = k;
  out.body.clear();
  const int64_t wanted = std::max<int64_t>(1, plan.tiles) * std::max(plan.par, 1);
  for (const Stmt& s : k.body) {
    const bool map = s.kind == StmtKind::Map && !s.iters.empty();
    const int64_t n = map ? s.iters[0].extent : 0;
    const int64_t pieces = std::min({wanted, n, kMaxPieces});
    if (!map || pieces <= 1 || !splittable(s.body)) {
      out.body.push_back(s);
      continue;
    }
    const int64_t chunk = (n + pieces - 1) / pieces;
    const pattern::VarId v = s.iters[0].var;
    for (int64_t start = 0; start < n; start += chunk) {
      int64_t len = std::min(chunk, n - start);
      if (options.fault_tile_gap && len > 1) --len;
      const pattern::VarId piece = fresh_var(out, fmt::format("{}_t{}", k.vars[v], start / chunk));
      Stmt p = pattern::substitute(s, v, index_plus(piece, start));
      p.iters = s.iters;
      p.iters[0] = {piece, len};
      out.body.push_back(std::move(p));
    }
  }
  if ((plan.contraction || plan.folded) && options.reduction_parts > 1)
    split_reductions(out.body, out, options, SplitRule{plan.folded});
  return out;
}

}  // namespace tessera::compile
