#include "tessera/exec/contraction.h"

#include <cblas.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <map>
#include <set>

#include "tessera/exec/affine.h"
#include "tessera/exec/executor.h"
#include "tessera/exec/thread_pool.h"
#include "tessera/support/error.h"

namespace tessera::exec {
namespace {

using pattern::Expr;
using pattern::ExprKind;
using pattern::ExprP;
using pattern::Iter;
using pattern::Stmt;
using pattern::StmtKind;
using pattern::VarId;

// Below this many multiply-adds the interpreter is as fast as packing + sgemm.
constexpr int64_t kMinMacs = 16384;

struct Gemm {
  std::vector<Iter> batch, m, n, k;
  ExprP a, b;
  pattern::TensorId product = -1;  // the [batch..., m..., n...] f32 temporary
};

// Collects the variables an expression reads; false if it uses lets or nested reduces.
bool collect_vars(const Expr& e, std::set<VarId>& out) {
  if (e.kind == ExprKind::Ref || e.kind == ExprKind::Reduce) return false;
  if (e.kind == ExprKind::Index) out.insert(e.var);
  for (const auto& a : e.args)
    if (!collect_vars(*a, out)) return false;
  return true;
}

// The first reduce-add-of-a-product in `e` (not inside another reduce).
const Expr* find_contraction(const Expr& e) {
  if (e.kind == ExprKind::Reduce) return pattern::is_contraction(e) && e.dtype == DType::F32 ? &e : nullptr;
  for (const auto& a : e.args)
    if (const Expr* r = find_contraction(*a)) return r;
  return nullptr;
}

ExprP replace(const ExprP& e, const Expr* target, const ExprP& with) {
  if (e.get() == target) return with;
  bool changed = false;
  std::vector<ExprP> args;
  for (const auto& a : e->args) {
    args.push_back(replace(a, target, with));
    changed = changed || args.back() != a;
  }
  if (!changed) return e;
  auto copy = std::make_shared<Expr>(*e);
  copy->args = std::move(args);
  return copy;
}

int64_t volume(const std::vector<Iter>& its) {
  int64_t v = 1;
  for (const auto& i : its) v *= i.extent;
  return v;
}

// If `s` is a perfect map nest around one plain store containing a contraction,
// plans it and rewrites `s` into a map reading the product tensor.
std::optional<Gemm> plan_gemm(Stmt& s, pattern::Kernel& k) {
  if (s.kind != StmtKind::Map) return std::nullopt;
  std::vector<Iter> outer;
  Stmt* cur = &s;
  while (cur->kind == StmtKind::Map) {
    outer.insert(outer.end(), cur->iters.begin(), cur->iters.end());
    if (cur->body.size() != 1) return std::nullopt;
    cur = &cur->body[0];
  }
  if (cur->kind != StmtKind::Store || cur->combine) return std::nullopt;
  const Expr* red = find_contraction(*cur->value);
  if (!red) return std::nullopt;
  Gemm g;
  g.a = red->args[0]->args[0];
  g.b = red->args[0]->args[1];
  std::set<VarId> va, vb;
  if (!collect_vars(*g.a, va) || !collect_vars(*g.b, vb)) return std::nullopt;
  for (const Iter& it : outer) {
    const bool in_a = va.count(it.var), in_b = vb.count(it.var);
    if (in_a && in_b) g.batch.push_back(it);
    else if (in_a) g.m.push_back(it);
    else g.n.push_back(it);
  }
  g.k = red->iters;

  if (volume(g.batch) * volume(g.m) * volume(g.n) * volume(g.k) < kMinMacs) return std::nullopt;
  if (volume(g.k) == 0) return std::nullopt;

  // The product tensor, read back by the rewritten store.
  pattern::TensorDecl t;
  t.name = "gemm" + std::to_string(k.tensors.size());
  t.dtype = DType::F32;
  t.role = pattern::Role::Local;
  auto read = std::make_shared<Expr>();
  read->kind = ExprKind::Read;
  read->dtype = DType::F32;
  read->tensor = static_cast<pattern::TensorId>(k.tensors.size());
  for (const auto* group : {&g.batch, &g.m, &g.n})
    for (const Iter& it : *group) {
      t.shape.push_back(it.extent);
      auto idx = std::make_shared<Expr>();
      idx->kind = ExprKind::Index;
      idx->dtype = DType::I64;
      idx->var = it.var;
      read->args.push_back(idx);
    }
  g.product = read->tensor;
  k.tensors.push_back(t);
  cur->value = replace(cur->value, red, read);
  return g;
}

std::vector<Iter> concat(std::initializer_list<const std::vector<Iter>*> parts) {
  std::vector<Iter> out;
  for (const auto* p : parts) out.insert(out.end(), p->begin(), p->end());
  return out;
}

// One GEMM operand: a matrix per batch, free-major ([free][k]) or k-major
// ([k][free]) with leading dimension ld.
struct Operand {
  const float* base = nullptr;
  std::vector<int64_t> batch_offset;
  bool k_major = false;
  int64_t ld = 0;
};

// Element stride of each variable in a read with affine indices; nullopt otherwise.
std::optional<std::map<VarId, int64_t>> strides_of(const Expr& e, const Binding& b) {
  if (e.kind != ExprKind::Read || b.dtype != DType::F32) return std::nullopt;
  std::map<VarId, int64_t> coef;
  int64_t c0 = 0;
  for (size_t d = 0; d < e.args.size(); ++d) {
    auto a = affine_of(*e.args[d]);
    if (!a) return std::nullopt;
    c0 += a->c * b.strides[d];
    for (auto [v, k] : a->terms) coef[v] += k * b.strides[d];
  }
  coef[-1] = c0;
  return coef;
}

// True when `vars` (extent-1 ones ignored) flatten row-major from `inner` stride.
bool flattens(const std::vector<Iter>& vars, const std::map<VarId, int64_t>& coef, int64_t inner) {
  int64_t expect = inner;
  for (auto it = vars.rbegin(); it != vars.rend(); ++it) {
    if (it->extent == 1) continue;
    auto c = coef.find(it->var);
    if (c == coef.end() || c->second != expect) return false;
    expect *= it->extent;
  }
  return true;
}

// The operand read in place from its tensor when its layout is already a matrix.
std::optional<Operand> direct(const Interpreter& interp, const Expr& e, const std::vector<Iter>& batch,
                              const std::vector<Iter>& free_vars, const std::vector<Iter>& k) {
  if (e.kind != ExprKind::Read) return std::nullopt;
  const Binding& b = interp.binding(e.tensor);
  auto coef = strides_of(e, b);
  if (!coef) return std::nullopt;
  auto stride = [&](const std::vector<Iter>& vs) {  // stride of the last non-unit var
    for (auto it = vs.rbegin(); it != vs.rend(); ++it)
      if (it->extent != 1) return coef->count(it->var) ? coef->at(it->var) : -1;
    return int64_t{1};
  };
  Operand op;
  const int64_t fv = volume(free_vars), kv = volume(k);
  if (flattens(k, *coef, 1) && stride(free_vars) >= kv && flattens(free_vars, *coef, stride(free_vars))) {
    op.k_major = false;
    op.ld = std::max<int64_t>(stride(free_vars), std::max<int64_t>(kv, 1));
  } else if (flattens(free_vars, *coef, 1) && stride(k) >= fv && flattens(k, *coef, stride(k))) {
    op.k_major = true;
    op.ld = std::max<int64_t>(stride(k), std::max<int64_t>(fv, 1));
  } else {
    return std::nullopt;
  }
  op.base = static_cast<const float*>(b.data);
  std::vector<int64_t> idx(batch.size(), 0);
  const int64_t nb = volume(batch);
  for (int64_t i = 0; i < nb; ++i) {
    int64_t off = coef->at(-1), rest = i;
    for (size_t d = batch.size(); d > 0; --d) {
      const int64_t v = rest % batch[d - 1].extent;
      rest /= batch[d - 1].extent;
      if (coef->count(batch[d - 1].var)) off += v * coef->at(batch[d - 1].var);
    }
    op.batch_offset.push_back(off);
  }
  return op;
}

// Packs an operand into `panel` as [batch][free][k] or, when the free variables
// give longer vectorised runs, [batch][k][free].
Operand pack(Interpreter& interp, const Expr& e, const std::vector<Iter>& batch, const std::vector<Iter>& free_vars,
             const std::vector<Iter>& k, float* panel) {
  const int64_t free_last = free_vars.empty() ? 1 : free_vars.back().extent;
  const int64_t k_last = k.empty() ? 1 : k.back().extent;
  Operand op;
  op.k_major = free_last > k_last;
  interp.fill_grid(e, op.k_major ? concat({&batch, &k, &free_vars}) : concat({&batch, &free_vars, &k}), panel,
                   num_threads());
  op.base = panel;
  op.ld = op.k_major ? volume(free_vars) : volume(k);
  const int64_t size = volume(free_vars) * volume(k);
  for (int64_t i = 0; i < volume(batch); ++i) op.batch_offset.push_back(i * size);
  return op;
}

// One BLAS thread per call: the pool runs several calls at once.
void single_threaded_blas() {
  static const bool once = [] {
    openblas_set_num_threads(1);
    return true;
  }();
  (void)once;
}

float* scratch(std::vector<float>& v, int64_t n) {
  if (v.size() < static_cast<size_t>(n)) v.resize(static_cast<size_t>(n));
  return v.data();
}

void run_gemm(Interpreter& interp, Gemm g, float* product) {
  const int64_t nb = volume(g.batch), m = volume(g.m), n = volume(g.n);
  // Panels are scratch reused across calls (no zero-fill, no fresh pages).
  static thread_local std::vector<float> a_panel, b_panel;
  auto da = direct(interp, *g.a, g.batch, g.m, g.k);
  auto db = direct(interp, *g.b, g.batch, g.n, g.k);
  if (!da && !db) {
    // Both packed: vectorise the packers over the longest reduce variable
    // (e.g. input channels rather than a 3-wide kernel window).
    auto longest = std::max_element(g.k.begin(), g.k.end(), [](const Iter& x, const Iter& y) { return x.extent < y.extent; });
    if (longest != g.k.end()) std::rotate(longest, longest + 1, g.k.end());
  }
  const int64_t kk = volume(g.k);
  const Operand a = da ? *da : pack(interp, *g.a, g.batch, g.m, g.k, scratch(a_panel, nb * m * kk));
  const Operand b = db ? *db : pack(interp, *g.b, g.batch, g.n, g.k, scratch(b_panel, nb * kk * n));
  // One BLAS thread per call; the pool splits batches, or else columns of C.
  single_threaded_blas();
  const int threads = num_threads();
  const int64_t col_blocks = nb >= threads || n < 64 ? 1 : threads;
  parallel_run(nb * col_blocks, threads, [&](int64_t task) {
    const int64_t i = task / col_blocks, blk = task % col_blocks;
    const int64_t n0 = n * blk / col_blocks, n1 = n * (blk + 1) / col_blocks;
    // B is K x N: k-major is BLAS's plain layout, free-major its transpose.
    const float* bp = b.base + b.batch_offset[i] + (b.k_major ? n0 : n0 * b.ld);
    cblas_sgemm(CblasRowMajor, a.k_major ? CblasTrans : CblasNoTrans, b.k_major ? CblasNoTrans : CblasTrans,
                static_cast<int>(m), static_cast<int>(n1 - n0), static_cast<int>(kk), 1.0f, a.base + a.batch_offset[i],
                static_cast<int>(a.ld), bp, static_cast<int>(b.ld), 0.0f, product + i * m * n + n0,
                static_cast<int>(n));
  });
}

}  // namespace

void run_with_contractions(const pattern::Kernel& k, std::vector<Binding> bindings) {
  pattern::Kernel rewritten = k;
  std::vector<std::vector<Gemm>> gemms;  // per statement: every contraction of its store (a split one has several)
  for (auto& s : rewritten.body) {
    gemms.emplace_back();
    while (auto g = plan_gemm(s, rewritten)) gemms.back().push_back(std::move(*g));
  }
  std::vector<Tensor> products;
  for (size_t t = bindings.size(); t < rewritten.tensors.size(); ++t) {
    products.push_back(Tensor::uninitialized(DType::F32, rewritten.tensors[t].shape));  // sgemm overwrites it (beta 0)
    bindings.push_back(bind(products.back()));
  }
  Interpreter interp(rewritten, bindings);
  for (size_t i = 0; i < rewritten.body.size(); ++i) {
    for (const Gemm& g : gemms[i]) run_gemm(interp, g, static_cast<float*>(bindings[g.product].data));
    interp.run_top_level(rewritten.body[i], num_threads());
  }
}

}  // namespace tessera::exec
