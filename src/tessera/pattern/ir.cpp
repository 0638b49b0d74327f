#include "tessera/pattern/ir.h"

namespace tessera::pattern {

const char* name(UnOp op) {
  static const char* const kNames[] = {"neg",  "abs",  "sqrt", "exp",   "log",   "tanh",  "sigmoid",
                                       "erf",  "floor", "ceil", "round", "sign",  "not",   "recip",
                                       "sin",  "cos",  "tan",  "asin",  "acos",  "atan",  "sinh",
                                       "cosh", "asinh", "acosh", "atanh", "isnan", "isinf"};
  return kNames[static_cast<int>(op)];
}

const char* name(BinOp op) {
  static const char* const kNames[] = {"add", "sub", "mul", "div", "mod", "fmod", "pow", "min", "max",
                                       "eq",  "ne",  "lt",  "le",  "gt",  "ge",   "and", "or",  "xor"};
  return kNames[static_cast<int>(op)];
}

const char* name(ReduceOp op) {
  static const char* const kNames[] = {"add", "mul", "max", "min"};
  return kNames[static_cast<int>(op)];
}

bool is_comparison(BinOp op) { return op >= BinOp::Eq && op <= BinOp::Ge; }

bool is_contraction(const Expr& e) {
  return e.kind == ExprKind::Reduce && e.red == ReduceOp::Add && !e.args.empty() && e.args[0]->kind == ExprKind::Binary &&
         e.args[0]->bin == BinOp::Mul;
}

}  // namespace tessera::pattern
