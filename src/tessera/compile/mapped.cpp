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
  return out;
}

}  // namespace tessera::compile
