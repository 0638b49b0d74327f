#include "tessera/pattern/cost.h"

#include <string>

#include "tessera/support/checked.h"

namespace tessera::pattern {
namespace {

// Counts are checked (support/checked.h): a huge dimension is a user error
// naming the kernel, never a wrapped figure. `what` names the count.
int64_t volume(const std::vector<Iter>& its, const std::string& what) {
  int64_t v = 1;
  for (const auto& i : its) v = checked_mul(v, i.extent, what);
  return v;
}

int64_t expr_flops(const Expr& e, const std::string& what) {
  int64_t own = 0;
  for (const auto& a : e.args) own = checked_add(own, expr_flops(*a, what), what);
  switch (e.kind) {
    case ExprKind::Unary:
      return checked_add(own, is_float(e.args[0]->dtype) ? 1 : 0, what);
    case ExprKind::Binary:
      return checked_add(own, is_float(e.args[0]->dtype) ? 1 : 0, what);
    case ExprKind::Reduce:
      return checked_mul(volume(e.iters, what), checked_add(own, is_float(e.dtype) ? 1 : 0, what), what);
    default:
      return own;
  }
}

int64_t body_flops(const std::vector<Stmt>& body, const std::string& what) {
  int64_t total = 0;
  for (const auto& s : body) {
    int64_t n = 0;
    switch (s.kind) {
      case StmtKind::Map:
      case StmtKind::Fold: n = checked_mul(volume(s.iters, what), body_flops(s.body, what), what); break;
      case StmtKind::Let: n = expr_flops(*s.value, what); break;
      case StmtKind::Store: n = checked_add(expr_flops(*s.value, what), s.combine ? 1 : 0, what); break;
      case StmtKind::Scan:
        n = checked_mul(volume(s.iters, what), checked_add(expr_flops(*s.value, what), 1, what), what);
        break;
    }
    total = checked_add(total, n, what);
  }
  return total;
}

}  // namespace

int64_t count_flops(const Kernel& k) { return body_flops(k.body, "the FLOP count of kernel " + k.name); }

int64_t count_flops(const Program& p) {
  int64_t total = 0;
  for (const auto& c : p.calls) total = checked_add(total, count_flops(c.kernel), "the model's FLOP count");
  return total;
}

}  // namespace tessera::pattern
