// Elementwise scalar operators over interpreter values (see value.h).
#pragma once

#include "tessera/exec/value.h"
#include "tessera/pattern/ir.h"

namespace tessera::exec {

// `operand` is the dtype of the operand(s); results follow Pattern IR typing.
Val apply_unary(pattern::UnOp op, DType operand, const Val& a, int64_t n, Arena& arena);
Val apply_binary(pattern::BinOp op, DType operand, const Val& a, const Val& b, int64_t n, Arena& arena);
Val apply_select(const Val& cond, const Val& a, const Val& b, int64_t n, Arena& arena);
Val apply_cast(DType from, DType to, const Val& a, int64_t n, Arena& arena);
// Converts a value to `to`'s domain and range, as a store into a tensor of that dtype does.
double narrow_f(DType to, double v);
int64_t narrow_i(DType to, int64_t v);

}  // namespace tessera::exec
