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

// A balanced tree of additions over `parts` (the stages' adder tree).
pattern::ExprP add_tree(const std::vector<pattern::ExprP>& parts, size_t lo, size_t hi) {
  if (hi - lo == 1) return parts[lo];
  const size_t mid = lo + (hi - lo) / 2;
  auto sum = std::make_shared<pattern::Expr>();
  sum->kind = pattern::ExprKind::Binary;
  sum->bin = pattern::BinOp::Add;
  sum->dtype = parts[lo]->dtype;
  sum->args = {add_tree(parts, lo, mid), add_tree(parts, mid, hi)};
  return sum;
}

// `e` with every outermost contraction split into `parts` partial sums over
// contiguous ranges of its longest reduction variable, added as a tree.
pattern::ExprP split_contractions(const pattern::ExprP& e, pattern::Kernel& k, const MappedOptions& o) {
  if (pattern::is_contraction(*e)) {
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
    return add_tree(sums, 0, sums.size());
  }
  bool changed = false;
  std::vector<pattern::ExprP> args;
  for (const auto& a : e->args) {
    args.push_back(split_contractions(a, k, o));
    changed = changed || args.back() != a;
  }
  if (!changed) return e;
  auto copy = std::make_shared<pattern::Expr>(*e);
  copy->args = std::move(args);
  return copy;
}

void split_contractions(std::vector<Stmt>& body, pattern::Kernel& k, const MappedOptions& o) {
  for (Stmt& s : body) {
    if (s.value) s.value = split_contractions(s.value, k, o);
    split_contractions(s.body, k, o);
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
  if (plan.contraction && options.reduction_parts > 1) split_contractions(out.body, out, options);
  return out;
}

}  // namespace tessera::compile
