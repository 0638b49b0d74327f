#include "tessera/exec/interp.h"

#include <cmath>
#include <limits>
#include <exception>
#include <functional>
#include <optional>
#include <thread>

#include "tessera/exec/interp_util.h"
#include "tessera/exec/ops.h"
#include "tessera/exec/thread_pool.h"
#include "tessera/support/error.h"

namespace tessera::exec {

using namespace detail;

Binding bind(Tensor& t) { return {t.raw(), t.dtype(), t.shape(), row_major_strides(t.shape())}; }

Interpreter::Interpreter(const pattern::Kernel& k, std::vector<Binding> tensors)
    : kernel_(k), tensors_(std::move(tensors)), vars_(k.vars.size(), 0), lets_(k.vars.size()), iota_(kChunk) {}

void Interpreter::run_body(const std::vector<pattern::Stmt>& body) {
  for (const auto& s : body) run_stmt(s);
}

void Interpreter::run_stmt(const pattern::Stmt& s) {
  switch (s.kind) {
    case StmtKind::Map:
    case StmtKind::Fold: run_map(s); break;
    case StmtKind::Let: lets_[s.var] = eval(*s.value); break;
    case StmtKind::Store: run_store(s); break;
    case StmtKind::Scan: run_scan(s); break;
  }
}

void Interpreter::run_map(const pattern::Stmt& s) {
  if (s.kind == StmtKind::Map && vvar_ < 0 && !s.iters.empty() && is_leaf(s.body)) {
    run_leaf_chunks(s);
    return;
  }
  for_each_point(s.iters, vars_, s.iters.size(), [&] {
    const size_t m = arena_.mark();
    run_body(s.body);
    arena_.release(m);
  });
}

void Interpreter::set_chunk(pattern::VarId v, int64_t base, int64_t n) {
  vvar_ = v;
  vbase_ = base;
  n_ = n;
  if (v >= 0) {
    vars_[v] = base;
    for (int64_t k = 0; k < n; ++k) iota_[k] = base + k;
  }
}

int64_t Interpreter::decode_point(const std::vector<pattern::Iter>& iters, size_t count, int64_t linear) {
  for (size_t d = count; d > 0; --d) {
    const pattern::Iter& it = iters[d - 1];
    vars_[it.var] = linear % it.extent;
    linear /= it.extent;
  }
  return linear;
}

void Interpreter::run_leaf_items(const pattern::Stmt& s, int64_t lo, int64_t hi) {
  const pattern::Iter last = s.iters.back();
  const int64_t chunks = (last.extent + kChunk - 1) / kChunk;
  for (int64_t item = lo; item < hi; ++item) {
    decode_point(s.iters, s.iters.size() - 1, item / chunks);
    const int64_t base = (item % chunks) * kChunk;
    set_chunk(last.var, base, std::min(kChunk, last.extent - base));
    const size_t m = arena_.mark();
    run_body(s.body);
    arena_.release(m);
  }
  set_chunk(-1, 0, 1);
}

void Interpreter::run_leaf_chunks(const pattern::Stmt& s) {
  int64_t items = 1;
  for (size_t d = 0; d + 1 < s.iters.size(); ++d) items *= s.iters[d].extent;
  if (items == 0 || s.iters.back().extent <= 0) return;
  items *= (s.iters.back().extent + kChunk - 1) / kChunk;
  run_leaf_items(s, 0, items);
}

const Interpreter::AccessPlan& Interpreter::plan(const void* key, const std::vector<pattern::ExprP>& index) {
  auto it = plans_.find(key);
  if (it != plans_.end()) return it->second;
  AccessPlan p;
  p.affine = true;
  for (const auto& e : index) {
    auto a = clamped_affine_of(*e);
    if (!a) {
      p.affine = false;
      p.dims.clear();
      break;
    }
    p.dims.push_back(*a);
  }
  return plans_.emplace(key, std::move(p)).first->second;
}

void Interpreter::out_of_bounds(pattern::TensorId t, size_t dim, int64_t idx, const char* what) {
  const auto& d = kernel_.tensors[t];
  fail("kernel '{}': {} of '{}' out of bounds: index {} in dim {} of size {} (an index input holds an "
       "out-of-range value?)",
       kernel_.name, what, d.name, idx, dim, d.shape[dim]);
}

bool Interpreter::affine_offsets(const AccessPlan& p, const Binding& b, int64_t& base, int64_t& vstride,
                                 const char* what, pattern::TensorId t) {
  if (!p.affine) return false;
  base = 0;
  vstride = 0;
  for (size_t d = 0; d < p.dims.size(); ++d) {
    int64_t lo = p.dims[d].c, coef = 0;
    for (auto [v, k] : p.dims[d].terms) {
      if (v == vvar_) coef += k;
      else lo += k * vars_[v];
    }
    const int64_t first = lo + coef * vbase_, last = first + coef * (n_ - 1);
    const Affine& a = p.dims[d];
    if (std::min(first, last) < a.lo || std::max(first, last) > a.hi) return false;  // a clamp is active here
    if (first < 0 || first >= b.shape[d]) out_of_bounds(t, d, first, what);
    if (last < 0 || last >= b.shape[d]) out_of_bounds(t, d, last, what);
    base += b.strides[d] * first;
    vstride += b.strides[d] * coef;
  }
  return true;
}

int64_t* Interpreter::gathered_offsets(const std::vector<pattern::ExprP>& index, const Binding& b, bool& uniform,
                                       const char* what, pattern::TensorId t) {
  std::vector<Val> idx;
  idx.reserve(index.size());
  uniform = true;
  for (const auto& e : index) {
    idx.push_back(eval(*e));
    uniform = uniform && idx.back().uniform;
  }
  int64_t* offs = arena_.alloc_i();
  const int64_t n = uniform ? 1 : n_;
  for (int64_t k = 0; k < n; ++k) offs[k] = 0;
  for (size_t d = 0; d < idx.size(); ++d) {
    const Val& v = idx[d];
    const int64_t size = b.shape[d], stride = b.strides[d];
    for (int64_t k = 0; k < n; ++k) {
      const int64_t i = v.iat(k);
      if (i < 0 || i >= size) out_of_bounds(t, d, i, what);
      offs[k] += i * stride;
    }
  }
  return offs;
}

Val Interpreter::eval_read(const pattern::Expr& e) {
  const Binding& b = tensors_[e.tensor];
  const AccessPlan& p = plan(&e, e.args);
  Val r;
  r.fp = is_float(b.dtype);
  int64_t base = 0, vstride = 0;
  if (affine_offsets(p, b, base, vstride, "read", e.tensor)) {
    if (vvar_ < 0 || vstride == 0) {
      dispatch(b.dtype, [&](auto tag) {
        using T = decltype(tag);
        const T v = static_cast<const T*>(b.data)[base];
        if (r.fp) r.f = static_cast<double>(v); else r.i = static_cast<int64_t>(v);
      });
      return r;
    }
    r.uniform = false;
    dispatch(b.dtype, [&](auto tag) {
      using T = decltype(tag);
      const T* src = static_cast<const T*>(b.data) + base;
      if (r.fp) {
        double* out = r.fv = arena_.alloc_f();
        if (vstride == 1) for (int64_t k = 0; k < n_; ++k) out[k] = static_cast<double>(src[k]);
        else for (int64_t k = 0; k < n_; ++k) out[k] = static_cast<double>(src[k * vstride]);
      } else {
        int64_t* out = r.iv = arena_.alloc_i();
        for (int64_t k = 0; k < n_; ++k) out[k] = static_cast<int64_t>(src[k * vstride]);
      }
    });
    return r;
  }
  bool uniform = true;
  const int64_t* offs = gathered_offsets(e.args, b, uniform, "read", e.tensor);
  r.uniform = uniform;
  const int64_t n = uniform ? 1 : n_;
  dispatch(b.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* src = static_cast<const T*>(b.data);
    if (uniform) {
      if (r.fp) r.f = static_cast<double>(src[offs[0]]); else r.i = static_cast<int64_t>(src[offs[0]]);
    } else if (r.fp) {
      r.fv = arena_.alloc_f();
      for (int64_t k = 0; k < n; ++k) r.fv[k] = static_cast<double>(src[offs[k]]);
    } else {
      r.iv = arena_.alloc_i();
      for (int64_t k = 0; k < n; ++k) r.iv[k] = static_cast<int64_t>(src[offs[k]]);
    }
  });
  return r;
}

Val Interpreter::eval(const pattern::Expr& e) {
  switch (e.kind) {
    case ExprKind::Const:
      return is_float(e.dtype) ? Val::scalar_f(e.fval) : Val::scalar_i(e.ival);
    case ExprKind::Index: {
      if (e.var != vvar_) return Val::scalar_i(vars_[e.var]);
      Val r;
      r.uniform = false;
      r.fp = false;
      r.iv = iota_.data();  // shared, read-only
      return r;
    }
    case ExprKind::Ref: return lets_[e.var];
    case ExprKind::Read: return eval_read(e);
    case ExprKind::Unary: return apply_unary(e.un, e.args[0]->dtype, eval(*e.args[0]), n_, arena_);
    case ExprKind::Binary: {
      Val a = eval(*e.args[0]);
      Val b = eval(*e.args[1]);
      return apply_binary(e.bin, e.args[0]->dtype, a, b, n_, arena_);
    }
    case ExprKind::Select: {
      if (vvar_ >= 0) {
        const GuardPlan& g = guard_plan(e);
        if (g.guard) return eval_guarded(e, *g.guard);
      }
      Val c = eval(*e.args[0]);
      if (c.uniform) return eval(*e.args[c.i ? 1 : 2]);
      Val a = eval(*e.args[1]);
      Val b = eval(*e.args[2]);
      return apply_select(c, a, b, n_, arena_);
    }
    case ExprKind::Cast: return apply_cast(e.args[0]->dtype, e.dtype, eval(*e.args[0]), n_, arena_);
    case ExprKind::Reduce: return eval_reduce(e);
  }
  TESSERA_CHECK(false, "unknown expression kind");
}

const Interpreter::GuardPlan& Interpreter::guard_plan(const pattern::Expr& e) {
  auto it = guards_.find(&e);
  if (it != guards_.end()) return it->second;
  GuardPlan g;
  if (!uses_lets(*e.args[1])) g.guard = guard_of(*e.args[0]);
  return guards_.emplace(&e, std::move(g)).first->second;
}

// select(guard, then, else) where the guard holds on one interval of the chunk:
// the then-arm is evaluated on that interval only (so its reads never leave
// the tensor and stay strided), the else-arm elsewhere.
Val Interpreter::eval_guarded(const pattern::Expr& e, const Guard& g) {
  const auto [lo, hi] = guard_interval(g, vars_, vvar_, vbase_, n_);
  if (lo >= hi) return eval(*e.args[2]);
  if (lo == 0 && hi == n_) return eval(*e.args[1]);
  Val other = eval(*e.args[2]);
  const pattern::VarId v = vvar_;
  const int64_t base = vbase_, n = n_;
  set_chunk(v, base + lo, hi - lo);
  Val inner = eval(*e.args[1]);
  set_chunk(v, base, n);
  Val r;
  r.uniform = false;
  r.fp = inner.fp;
  if (r.fp) {
    r.fv = arena_.alloc_f();
    for (int64_t k = 0; k < n; ++k) r.fv[k] = (k >= lo && k < hi) ? inner.fat(k - lo) : other.fat(k);
  } else {
    r.iv = arena_.alloc_i();
    for (int64_t k = 0; k < n; ++k) r.iv[k] = (k >= lo && k < hi) ? inner.iat(k - lo) : other.iat(k);
  }
  return r;
}

Val Interpreter::eval_reduce(const pattern::Expr& e) {
  const ReduceOp op = e.red;
  const bool fp = is_float(e.dtype);
  const pattern::Expr& body = *e.args[0];
  if (vvar_ >= 0) {
    // Vector context: accumulate a chunk-wide vector over every reduce point.
    Val acc;
    acc.uniform = false;
    acc.fp = fp;
    if (fp) { acc.fv = arena_.alloc_f(); std::fill(acc.fv, acc.fv + n_, identity_f(op)); }
    else { acc.iv = arena_.alloc_i(); std::fill(acc.iv, acc.iv + n_, identity_i(op)); }
    for_each_point(e.iters, vars_, e.iters.size(), [&] {
      const size_t m = arena_.mark();
      Val v = eval(body);
      if (fp) {
        if (v.uniform) for (int64_t k = 0; k < n_; ++k) acc.fv[k] = combine_f(op, acc.fv[k], v.f);
        else for (int64_t k = 0; k < n_; ++k) acc.fv[k] = combine_f(op, acc.fv[k], v.fv[k]);
      } else {
        for (int64_t k = 0; k < n_; ++k) acc.iv[k] = combine_i(op, acc.iv[k], v.iat(k));
      }
      arena_.release(m);
    });
    return acc;
  }
  // Uniform context: vectorise over the reduce's own last variable.
  double accf = identity_f(op);
  int64_t acci = identity_i(op);
  if (e.iters.empty()) return eval(body);
  const pattern::Iter last = e.iters.back();
  double* lane = arena_.alloc_f();
  for_each_point(e.iters, vars_, e.iters.size() - 1, [&] {
    for (int64_t base = 0; base < last.extent; base += kChunk) {
      set_chunk(last.var, base, std::min(kChunk, last.extent - base));
      const size_t m = arena_.mark();
      Val v = eval(body);
      if (fp) {
        if (v.uniform) {
          for (int64_t k = 0; k < n_; ++k) accf = combine_f(op, accf, v.f);
        } else if (op == ReduceOp::Add) {
          // Lane-wise partial sums keep the loop vectorisable.
          for (int64_t k = 0; k < n_; ++k) lane[k] = v.fv[k];
          double s = 0;
          for (int64_t k = 0; k < n_; ++k) s += lane[k];
          accf += s;
        } else {
          for (int64_t k = 0; k < n_; ++k) accf = combine_f(op, accf, v.fv[k]);
        }
      } else {
        for (int64_t k = 0; k < n_; ++k) acci = combine_i(op, acci, v.iat(k));
      }
      arena_.release(m);
    }
    set_chunk(-1, 0, 1);
  });
  return fp ? Val::scalar_f(accf) : Val::scalar_i(acci);
}

void Interpreter::run_store(const pattern::Stmt& s) { store_value(s, eval(*s.value), s.combine); }

void Interpreter::store_value(const pattern::Stmt& s, const Val& v, std::optional<pattern::ReduceOp> combine) {
  const Binding& b = tensors_[s.tensor];
  const AccessPlan& p = plan(&s, s.index);
  int64_t base = 0, vstride = 0;
  int64_t* offs = nullptr;
  bool idx_uniform = true;
  const bool affine = affine_offsets(p, b, base, vstride, "store", s.tensor);
  if (!affine) offs = gathered_offsets(s.index, b, idx_uniform, "store", s.tensor);
  // A store in a vector context writes n elements, even when value and index are uniform
  // (only matters for combiners, where each point contributes once).
  const int64_t n = vvar_ >= 0 ? n_ : 1;
  auto offset = [&](int64_t k) -> int64_t {
    if (affine) return base + k * vstride;
    return idx_uniform ? offs[0] : offs[k];
  };
  const bool fp = is_float(b.dtype);
  dispatch(b.dtype, [&](auto tag) {
    using T = decltype(tag);
    T* dst = static_cast<T*>(b.data);
    if (!combine) {
      if (fp) {
        if (affine && vstride == 1 && !v.uniform) {
          T* d = dst + base;
          for (int64_t k = 0; k < n; ++k) d[k] = static_cast<T>(v.fv[k]);
        } else {
          for (int64_t k = 0; k < n; ++k) dst[offset(k)] = static_cast<T>(v.fat(k));
        }
      } else {
        for (int64_t k = 0; k < n; ++k) dst[offset(k)] = static_cast<T>(v.iat(k));
      }
      return;
    }
    const ReduceOp op = *combine;
    for (int64_t k = 0; k < n; ++k) {
      T& d = dst[offset(k)];
      if (fp) d = static_cast<T>(combine_f(op, static_cast<double>(d), v.fat(k)));
      else d = static_cast<T>(combine_i(op, static_cast<int64_t>(d), v.iat(k)));
    }
  });
}

void Interpreter::run_scan(const pattern::Stmt& s) {
  const pattern::Iter it = s.iters[0];
  const ReduceOp op = *s.combine;
  const Binding& b = tensors_[s.tensor];
  const bool fp = is_float(b.dtype);
  double accf = identity_f(op);
  int64_t acci = identity_i(op);
  for (int64_t i = 0; i < it.extent; ++i) {
    vars_[it.var] = i;
    const size_t m = arena_.mark();
    Val v = eval(*s.value);
    const double prev_f = accf;
    const int64_t prev_i = acci;
    if (fp) accf = combine_f(op, accf, v.fp ? v.f : static_cast<double>(v.i));
    else acci = combine_i(op, acci, v.i);
    Val out = fp ? Val::scalar_f(s.exclusive ? prev_f : accf) : Val::scalar_i(s.exclusive ? prev_i : acci);
    store_value(s, out, std::nullopt);
    arena_.release(m);
  }
}

}  // namespace tessera::exec
