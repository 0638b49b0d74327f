// Helpers shared by the interpreter's files (interp.cpp, interp_parallel.cpp).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "tessera/pattern/ir.h"
#include "tessera/support/dtype.h"

namespace tessera::exec::detail {

using pattern::ExprKind;
using pattern::ReduceOp;
using pattern::StmtKind;


template <typename F>
void dispatch(DType t, F&& f) {
  switch (t) {
    case DType::F32: f(float{}); break;
    case DType::F64: f(double{}); break;
    case DType::I64: f(int64_t{}); break;
    case DType::I32: f(int32_t{}); break;
    case DType::I16: f(int16_t{}); break;
    case DType::I8: f(int8_t{}); break;
    case DType::U8: f(uint8_t{}); break;
    case DType::Bool: f(bool{}); break;
  }
}

inline double identity_f(ReduceOp op) {
  switch (op) {
    case ReduceOp::Add: return 0;
    case ReduceOp::Mul: return 1;
    case ReduceOp::Max: return -std::numeric_limits<double>::infinity();
    case ReduceOp::Min: return std::numeric_limits<double>::infinity();
  }
  return 0;
}

inline int64_t identity_i(ReduceOp op) {
  switch (op) {
    case ReduceOp::Add: return 0;
    case ReduceOp::Mul: return 1;
    case ReduceOp::Max: return std::numeric_limits<int64_t>::min();
    case ReduceOp::Min: return std::numeric_limits<int64_t>::max();
  }
  return 0;
}

inline double combine_f(ReduceOp op, double a, double b) {
  switch (op) {
    case ReduceOp::Add: return a + b;
    case ReduceOp::Mul: return a * b;
    case ReduceOp::Max: return (std::isnan(a) || std::isnan(b)) ? std::nan("") : (a > b ? a : b);
    case ReduceOp::Min: return (std::isnan(a) || std::isnan(b)) ? std::nan("") : (a < b ? a : b);
  }
  return a;
}

inline int64_t combine_i(ReduceOp op, int64_t a, int64_t b) {
  switch (op) {
    case ReduceOp::Add: return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
    case ReduceOp::Mul: return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
    case ReduceOp::Max: return a > b ? a : b;
    case ReduceOp::Min: return a < b ? a : b;
  }
  return a;
}

// Calls f() for every point of iters (odometer, last fastest), setting vars.
template <typename F>
void for_each_point(const std::vector<pattern::Iter>& iters, std::vector<int64_t>& vars, size_t count, F&& f) {
  for (size_t d = 0; d < count; ++d)
    if (iters[d].extent <= 0) return;
  for (size_t d = 0; d < count; ++d) vars[iters[d].var] = 0;
  while (true) {
    f();
    size_t d = count;
    while (d > 0) {
      --d;
      if (++vars[iters[d].var] < iters[d].extent) break;
      vars[iters[d].var] = 0;
      if (d == 0) return;
    }
    if (count == 0) return;
  }
}

inline bool is_leaf(const std::vector<pattern::Stmt>& body) {
  for (const auto& s : body)
    if (s.kind != StmtKind::Let && s.kind != StmtKind::Store) return false;
  return true;
}

}  // namespace tessera::exec::detail
