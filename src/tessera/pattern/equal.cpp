// Structural equality of Pattern IR. Expression DAGs compare as trees.
// Kernels compare variables by name, not by id: names are unique in a kernel,
// and the parser numbers variables in order of appearance while KernelBuilder
// numbers them in creation order, so ids alone would make print/parse unequal.
// Unused entries of the vars table are ignored. Expressions compared on their
// own (equal(Expr, Expr)) have no names and compare var ids.
#include <bit>
#include <cmath>

#include "tessera/pattern/ir.h"

namespace tessera::pattern {
namespace {

class Comparer {
 public:
  Comparer(const std::vector<std::string>* va, const std::vector<std::string>* vb) : va_(va), vb_(vb) {}

  bool var(VarId a, VarId b) const {
    if (!va_) return a == b;
    const bool a_ok = a >= 0 && static_cast<size_t>(a) < va_->size();
    const bool b_ok = b >= 0 && static_cast<size_t>(b) < vb_->size();
    if (!a_ok || !b_ok) return a_ok == b_ok && a == b;
    return (*va_)[static_cast<size_t>(a)] == (*vb_)[static_cast<size_t>(b)];
  }

  bool iters(const std::vector<Iter>& a, const std::vector<Iter>& b) const {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i].extent != b[i].extent || !var(a[i].var, b[i].var)) return false;
    return true;
  }

  bool exprs(const std::vector<ExprP>& a, const std::vector<ExprP>& b) const {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!expr(a[i], b[i])) return false;
    return true;
  }

  bool expr(const ExprP& a, const ExprP& b) const {
    if (!a || !b) return !a && !b;
    return expr(*a, *b);
  }

  bool expr(const Expr& a, const Expr& b) const {
    if (a.kind != b.kind || a.dtype != b.dtype) return false;
    switch (a.kind) {
      case ExprKind::Const:
        if (!is_float(a.dtype)) return a.ival == b.ival;
        // Bitwise, so -0.0 differs from 0.0; every NaN equals every NaN.
        return std::bit_cast<uint64_t>(a.fval) == std::bit_cast<uint64_t>(b.fval) ||
               (std::isnan(a.fval) && std::isnan(b.fval));
      case ExprKind::Index:
      case ExprKind::Ref: return var(a.var, b.var) && exprs(a.args, b.args);
      case ExprKind::Read: return a.tensor == b.tensor && exprs(a.args, b.args);
      case ExprKind::Unary: return a.un == b.un && exprs(a.args, b.args);
      case ExprKind::Binary: return a.bin == b.bin && exprs(a.args, b.args);
      case ExprKind::Select:
      case ExprKind::Cast: return exprs(a.args, b.args);
      case ExprKind::Reduce: return a.red == b.red && iters(a.iters, b.iters) && exprs(a.args, b.args);
    }
    return false;
  }

  bool stmts(const std::vector<Stmt>& a, const std::vector<Stmt>& b) const {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!stmt(a[i], b[i])) return false;
    return true;
  }

  bool stmt(const Stmt& a, const Stmt& b) const {
    if (a.kind != b.kind) return false;
    switch (a.kind) {
      case StmtKind::Map:
      case StmtKind::Fold: return iters(a.iters, b.iters) && stmts(a.body, b.body);
      case StmtKind::Let: return var(a.var, b.var) && expr(a.value, b.value);
      case StmtKind::Store:
        return a.tensor == b.tensor && a.combine == b.combine && exprs(a.index, b.index) && expr(a.value, b.value);
      case StmtKind::Scan:
        return a.tensor == b.tensor && a.combine == b.combine && a.exclusive == b.exclusive &&
               iters(a.iters, b.iters) && exprs(a.index, b.index) && expr(a.value, b.value);
    }
    return false;
  }

 private:
  const std::vector<std::string>* va_;
  const std::vector<std::string>* vb_;
};

bool same_decl(const TensorDecl& a, const TensorDecl& b) {
  return a.name == b.name && a.dtype == b.dtype && a.shape == b.shape && a.role == b.role;
}

}  // namespace

bool equal(const Expr& a, const Expr& b) { return Comparer(nullptr, nullptr).expr(a, b); }

bool equal(const Kernel& a, const Kernel& b) {
  if (a.name != b.name || a.tensors.size() != b.tensors.size()) return false;
  for (size_t i = 0; i < a.tensors.size(); ++i)
    if (!same_decl(a.tensors[i], b.tensors[i])) return false;
  return Comparer(&a.vars, &b.vars).stmts(a.body, b.body);
}

}  // namespace tessera::pattern
