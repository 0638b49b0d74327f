#include "tessera/pattern/rewrite.h"

namespace tessera::pattern {

ExprP substitute(const ExprP& e, VarId v, const ExprP& with) {
  if (!e) return e;
  if (e->kind == ExprKind::Index && e->var == v) return with;
  bool changed = false;
  std::vector<ExprP> args;
  args.reserve(e->args.size());
  for (const auto& a : e->args) {
    args.push_back(substitute(a, v, with));
    changed = changed || args.back() != a;
  }
  if (!changed) return e;
  auto copy = std::make_shared<Expr>(*e);
  copy->args = std::move(args);
  return copy;
}

Stmt substitute(const Stmt& s, VarId v, const ExprP& with) {
  Stmt out = s;
  out.value = substitute(s.value, v, with);
  for (auto& i : out.index) i = substitute(i, v, with);
  for (auto& b : out.body) b = substitute(b, v, with);
  return out;
}

}  // namespace tessera::pattern
