#include "tessera/exec/affine.h"

#include <algorithm>

namespace tessera::exec {

using pattern::BinOp;
using pattern::ExprKind;

std::optional<Affine> affine_of(const pattern::Expr& e) {
  switch (e.kind) {
    case ExprKind::Const:
      if (is_float(e.dtype)) return std::nullopt;
      return Affine{e.ival, {}};
    case ExprKind::Index: return Affine{0, {{e.var, 1}}};
    case ExprKind::Cast:
      if (is_float(e.args[0]->dtype) || e.dtype != DType::I64) return std::nullopt;
      return affine_of(*e.args[0]);
    case ExprKind::Unary:
      if (e.un == pattern::UnOp::Neg) {
        auto a = affine_of(*e.args[0]);
        if (!a) return a;
        a->c = -a->c;
        for (auto& t : a->terms) t.second = -t.second;
        return a;
      }
      return std::nullopt;
    case ExprKind::Binary: {
      if (e.bin != pattern::BinOp::Add && e.bin != pattern::BinOp::Sub && e.bin != pattern::BinOp::Mul)
        return std::nullopt;
      auto a = affine_of(*e.args[0]);
      auto b = affine_of(*e.args[1]);
      if (!a || !b) return std::nullopt;
      if (e.bin == pattern::BinOp::Mul) {
        if (!a->terms.empty() && !b->terms.empty()) return std::nullopt;
        if (a->terms.empty()) std::swap(a, b);
        for (auto& t : a->terms) t.second *= b->c;
        a->c *= b->c;
        return a;
      }
      const int64_t sign = e.bin == pattern::BinOp::Sub ? -1 : 1;
      a->c += sign * b->c;
      for (auto [v, k] : b->terms) {
        bool merged = false;
        for (auto& t : a->terms)
          if (t.first == v) { t.second += sign * k; merged = true; }
        if (!merged) a->terms.push_back({v, sign * k});
      }
      return a;
    }
    default: return std::nullopt;
  }
}

std::optional<Affine> clamped_affine_of(const pattern::Expr& e) {
  if (e.kind == ExprKind::Binary && (e.bin == BinOp::Min || e.bin == BinOp::Max) &&
      e.args[1]->kind == ExprKind::Const && !is_float(e.args[1]->dtype)) {
    auto inner = clamped_affine_of(*e.args[0]);
    if (!inner) return inner;
    const int64_t bound = e.args[1]->ival;
    if (e.bin == BinOp::Min) inner->hi = std::min(inner->hi, bound);
    else inner->lo = std::max(inner->lo, bound);
    return inner;
  }
  return affine_of(e);
}

namespace {

// a - b (+ shift) as one affine.
Affine difference(const Affine& a, const Affine& b, int64_t shift) {
  Affine d = a;
  d.c = a.c - b.c + shift;
  for (auto [v, k] : b.terms) {
    bool merged = false;
    for (auto& t : d.terms)
      if (t.first == v) { t.second -= k; merged = true; }
    if (!merged) d.terms.push_back({v, -k});
  }
  return d;
}

bool add_terms(const pattern::Expr& e, Guard& g) {
  if (e.kind == ExprKind::Binary && e.bin == BinOp::And) return add_terms(*e.args[0], g) && add_terms(*e.args[1], g);
  if (e.kind == ExprKind::Const && !is_float(e.dtype)) {
    if (e.ival == 0) g.terms.push_back(Affine{-1, {}});  // never true
    return true;
  }
  if (e.kind != ExprKind::Binary || is_float(e.args[0]->dtype)) return false;
  auto l = affine_of(*e.args[0]);
  auto r = affine_of(*e.args[1]);
  if (!l || !r) return false;
  switch (e.bin) {
    case BinOp::Ge: g.terms.push_back(difference(*l, *r, 0)); return true;
    case BinOp::Gt: g.terms.push_back(difference(*l, *r, -1)); return true;
    case BinOp::Le: g.terms.push_back(difference(*r, *l, 0)); return true;
    case BinOp::Lt: g.terms.push_back(difference(*r, *l, -1)); return true;
    case BinOp::Eq:
      g.terms.push_back(difference(*l, *r, 0));
      g.terms.push_back(difference(*r, *l, 0));
      return true;
    default: return false;
  }
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

}  // namespace

std::optional<Guard> guard_of(const pattern::Expr& cond) {
  Guard g;
  if (!add_terms(cond, g)) return std::nullopt;
  return g;
}

std::pair<int64_t, int64_t> guard_interval(const Guard& g, const std::vector<int64_t>& vars, pattern::VarId vvar,
                                           int64_t base, int64_t n) {
  int64_t lo = 0, hi = n;
  for (const Affine& t : g.terms) {
    int64_t t0 = t.c, tc = 0;
    for (auto [v, k] : t.terms) {
      if (v == vvar) tc += k;
      else t0 += k * vars[v];
    }
    t0 += tc * base;
    if (tc == 0) {
      if (t0 < 0) return {0, 0};
    } else if (tc > 0) {
      lo = std::max(lo, ceil_div(-t0, tc));
    } else {
      hi = std::min(hi, floor_div(t0, -tc) + 1);
    }
  }
  if (hi < lo) hi = lo;
  return {std::clamp<int64_t>(lo, 0, n), std::clamp<int64_t>(hi, 0, n)};
}

bool uses_lets(const pattern::Expr& e) {
  if (e.kind == ExprKind::Ref) return true;
  return std::any_of(e.args.begin(), e.args.end(), [](const auto& a) { return uses_lets(*a); });
}

}  // namespace tessera::exec
