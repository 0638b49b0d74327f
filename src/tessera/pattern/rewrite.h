// Small rewrites of Pattern IR used by later layers: substituting an
// expression for an index variable throughout a statement.
#pragma once

#include "tessera/pattern/ir.h"

namespace tessera::pattern {

// `e` with every Index(v) replaced by `with` (shared subtrees are kept when unchanged).
ExprP substitute(const ExprP& e, VarId v, const ExprP& with);
// The statement with every Index(v) in its values, indices and nested bodies replaced.
Stmt substitute(const Stmt& s, VarId v, const ExprP& with);

}  // namespace tessera::pattern
