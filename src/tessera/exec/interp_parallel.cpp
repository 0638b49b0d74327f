// The interpreter's parallel and bulk paths: top-level maps split over the
// thread pool, and fill_grid (the GEMM packer) with its strided-row fast path.
#include <algorithm>
#include <memory>
#include <tuple>

#include "tessera/exec/interp.h"
#include "tessera/exec/interp_util.h"
#include "tessera/exec/thread_pool.h"

namespace tessera::exec {

using namespace detail;

void Interpreter::run_points(const pattern::Stmt& s, int64_t lo, int64_t hi) {
  for (int64_t p = lo; p < hi; ++p) {
    decode_point(s.iters, s.iters.size(), p);
    const size_t m = arena_.mark();
    run_body(s.body);
    arena_.release(m);
  }
}

void Interpreter::run_top_level(const pattern::Stmt& s, int threads) {
  if (threads <= 1 || s.kind != StmtKind::Map || s.iters.empty() || !parallel_safe(s.body, kernel_)) {
    run_stmt(s);
    return;
  }
  const bool leaf = is_leaf(s.body);
  int64_t items = 1;
  for (size_t d = 0; d + (leaf ? 1 : 0) < s.iters.size(); ++d) items *= s.iters[d].extent;
  if (leaf && s.iters.back().extent > 0) items *= (s.iters.back().extent + kChunk - 1) / kChunk;
  if (items < 2 || work_estimate(s) < kParallelWork) {
    run_stmt(s);
    return;
  }
  parallel_for(items, threads, [&](Interpreter& w, int64_t lo, int64_t hi) {
    if (leaf) w.run_leaf_items(s, lo, hi);
    else w.run_points(s, lo, hi);
  });
}

void Interpreter::parallel_for(int64_t items, int threads, const std::function<void(Interpreter&, int64_t, int64_t)>& fn) {
  const int t = static_cast<int>(std::min<int64_t>(threads, items));
  std::vector<std::unique_ptr<Interpreter>> workers;
  for (int i = 1; i < t; ++i) workers.push_back(std::make_unique<Interpreter>(*this));
  parallel_run(t, t, [&](int64_t i) {
    Interpreter& w = i == 0 ? *this : *workers[static_cast<size_t>(i - 1)];
    fn(w, items * i / t, items * (i + 1) / t);
  });
}

void Interpreter::fill_grid(const pattern::Expr& e, const std::vector<pattern::Iter>& grid, float* dst, int threads) {
  if (grid.empty()) {
    const size_t m = arena_.mark();
    Val v = eval(e);
    dst[0] = static_cast<float>(v.fp ? v.f : static_cast<double>(v.i));
    arena_.release(m);
    return;
  }
  const pattern::Iter last = grid.back();
  if (last.extent <= 0) return;
  const int64_t chunks = (last.extent + kChunk - 1) / kChunk;
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < grid.size(); ++d) rows *= grid[d].extent;
  auto fill_chunk = [&grid, &e, dst, last](Interpreter& w, int64_t row, int64_t base) {
    w.set_chunk(last.var, base, std::min(kChunk, last.extent - base));
    const size_t m = w.arena_.mark();
    Val v = w.eval(e);
    float* out = dst + row * last.extent + base;
    const int64_t n = w.n_;
    if (v.fp) {
      if (v.uniform) std::fill(out, out + n, static_cast<float>(v.f));
      else for (int64_t k = 0; k < n; ++k) out[k] = static_cast<float>(v.fv[k]);
    } else {
      for (int64_t k = 0; k < n; ++k) out[k] = static_cast<float>(v.iat(k));
    }
    w.arena_.release(m);
  };
  // Whole rows at a time when the expression is a (guarded) strided read; the
  // rows of the second-to-last variable go together (one decode per block).
  const bool rows_fast = is_guarded_read(e);
  const int64_t block = rows_fast && grid.size() >= 2 ? std::max<int64_t>(grid[grid.size() - 2].extent, 1) : 1;
  const int64_t per_row = rows_fast ? 1 : chunks;
  auto fill = [&](Interpreter& w, int64_t lo, int64_t hi) {
    for (int64_t item = lo; item < hi; ++item) {
      if (rows_fast) {
        const int64_t first = item * block;
        w.decode_point(grid, grid.size() - 1, first);
        const pattern::VarId v2 = grid.size() >= 2 ? grid[grid.size() - 2].var : -1;
        for (int64_t r = 0; r < block; ++r) {
          if (v2 >= 0) w.vars_[v2] = r;
          if (!w.fill_row_fast(e, last, dst + (first + r) * last.extent))
            for (int64_t base = 0; base < last.extent; base += kChunk) fill_chunk(w, first + r, base);
        }
      } else {
        const int64_t row = item / per_row;
        w.decode_point(grid, grid.size() - 1, row);
        fill_chunk(w, row, (item % per_row) * kChunk);
      }
    }
    w.set_chunk(-1, 0, 1);
  };
  const int64_t items = rows_fast ? rows / block : rows * per_row;
  if (threads > 1 && rows * last.extent >= kParallelWork) parallel_for(items, threads, fill);
  else fill(*this, 0, items);
}

bool Interpreter::is_guarded_read(const pattern::Expr& e) {
  if (e.kind == ExprKind::Read) return true;
  return e.kind == ExprKind::Select && e.args[1]->kind == ExprKind::Read && e.args[2]->kind == ExprKind::Const &&
         guard_plan(e).guard.has_value();
}

bool Interpreter::fill_row_fast(const pattern::Expr& e, pattern::Iter last, float* out) {
  const pattern::Expr* read = &e;
  int64_t lo = 0, hi = last.extent;
  float other = 0;
  if (e.kind == ExprKind::Select) {
    const pattern::Expr& c = *e.args[2];
    other = static_cast<float>(is_float(c.dtype) ? c.fval : static_cast<double>(c.ival));
    if (fast_guard_key_ != &e) {
      fast_guard_key_ = &e;
      fast_guard_ = &*guard_plan(e).guard;
    }
    std::tie(lo, hi) = guard_interval(*fast_guard_, vars_, last.var, 0, last.extent);
    read = e.args[1].get();
  }
  const Binding& b = tensors_[read->tensor];
  if (lo < hi) {
    // Only the access plan needs the range (rows can be longer than a chunk).
    vvar_ = last.var;
    vbase_ = lo;
    n_ = hi - lo;
    int64_t base = 0, vstride = 0;
    if (fast_plan_key_ != read) {
      fast_plan_key_ = read;
      fast_plan_ = &plan(read, read->args);
    }
    const bool ok = affine_offsets(*fast_plan_, b, base, vstride, "read", read->tensor);
    vvar_ = -1;
    vbase_ = 0;
    n_ = 1;
    if (!ok) return false;
    dispatch(b.dtype, [&](auto tag) {
      using T = decltype(tag);
      const T* src = static_cast<const T*>(b.data) + base;
      float* o = out + lo;
      if (vstride == 1) for (int64_t k = 0; k < hi - lo; ++k) o[k] = static_cast<float>(src[k]);
      else for (int64_t k = 0; k < hi - lo; ++k) o[k] = static_cast<float>(src[k * vstride]);
    });
  }
  std::fill(out, out + lo, other);
  std::fill(out + std::max(lo, hi), out + last.extent, other);
  return true;
}

Interpreter::Interpreter(const Interpreter& o)
    : kernel_(o.kernel_), tensors_(o.tensors_), vars_(o.vars_), lets_(o.lets_), iota_(kChunk) {}

int64_t work_estimate(const pattern::Stmt& s) {
  int64_t v = 1;
  for (const auto& it : s.iters) v *= std::max<int64_t>(it.extent, 1);
  int64_t inner = 1;
  for (const auto& b : s.body)
    if (b.kind == StmtKind::Map || b.kind == StmtKind::Fold || b.kind == StmtKind::Scan) inner = std::max(inner, work_estimate(b));
  return v * inner;
}

bool parallel_safe(const std::vector<pattern::Stmt>& body, const pattern::Kernel& k) {
  for (const auto& s : body) {
    if ((s.kind == StmtKind::Store || s.kind == StmtKind::Scan) &&
        (k.tensors[s.tensor].role == pattern::Role::Local || (s.kind == StmtKind::Store && s.combine)))
      return false;
    if (s.kind == StmtKind::Fold) return false;
    if (!parallel_safe(s.body, k)) return false;
  }
  return true;
}

}  // namespace tessera::exec
