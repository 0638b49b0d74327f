#include "tessera/pattern/cost.h"

namespace tessera::pattern {
namespace {

int64_t volume(const std::vector<Iter>& its) {
  int64_t v = 1;
  for (const auto& i : its) v *= i.extent;
  return v;
}

int64_t expr_flops(const Expr& e) {
  int64_t own = 0;
  for (const auto& a : e.args) own += expr_flops(*a);
  switch (e.kind) {
    case ExprKind::Unary:
      return own + (is_float(e.args[0]->dtype) ? 1 : 0);
    case ExprKind::Binary:
      return own + (is_float(e.args[0]->dtype) ? 1 : 0);
    case ExprKind::Reduce:
      return volume(e.iters) * (own + (is_float(e.dtype) ? 1 : 0));
    default:
      return own;
  }
}

int64_t body_flops(const std::vector<Stmt>& body) {
  int64_t total = 0;
  for (const auto& s : body) {
    switch (s.kind) {
      case StmtKind::Map:
      case StmtKind::Fold: total += volume(s.iters) * body_flops(s.body); break;
      case StmtKind::Let: total += expr_flops(*s.value); break;
      case StmtKind::Store: total += expr_flops(*s.value) + (s.combine ? 1 : 0); break;
      case StmtKind::Scan: total += volume(s.iters) * (expr_flops(*s.value) + 1); break;
    }
  }
  return total;
}

}  // namespace

int64_t count_flops(const Kernel& k) { return body_flops(k.body); }

int64_t count_flops(const Program& p) {
  int64_t total = 0;
  for (const auto& c : p.calls) total += count_flops(c.kernel);
  return total;
}

}  // namespace tessera::pattern
