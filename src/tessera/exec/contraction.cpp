#include "tessera/exec/contraction.h"

#include <cblas.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <set>

#include "tessera/exec/executor.h"
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
  if (e.kind == ExprKind::Reduce) {
    const Expr& body = *e.args[0];
    if (e.red == pattern::ReduceOp::Add && e.dtype == DType::F32 && body.kind == ExprKind::Binary &&
        body.bin == pattern::BinOp::Mul)
      return &e;
    return nullptr;
  }
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

// Packs one operand as [batch][free][k] or, when the free variables give
// longer vectorised runs, as [batch][k][free]; returns true for the latter.
bool pack(Interpreter& interp, const Expr& e, const std::vector<Iter>& batch, const std::vector<Iter>& free_vars,
          const std::vector<Iter>& k, float* dst) {
  const int64_t free_last = free_vars.empty() ? 1 : free_vars.back().extent;
  const int64_t k_last = k.empty() ? 1 : k.back().extent;
  const bool k_outer = free_last > k_last;
  interp.fill_grid(e, k_outer ? concat({&batch, &k, &free_vars}) : concat({&batch, &free_vars, &k}), dst, num_threads());
  return k_outer;
}

void run_gemm(Interpreter& interp, const Gemm& g, float* product) {
  const int64_t nb = volume(g.batch), m = volume(g.m), n = volume(g.n), kk = volume(g.k);
  std::vector<float> a(static_cast<size_t>(nb * m * kk)), b(static_cast<size_t>(nb * kk * n));
  // A is M x K (row-major [m][k] unless packed k-outer); B is K x N ([k][n] unless packed n-outer).
  const bool a_trans = pack(interp, *g.a, g.batch, g.m, g.k, a.data());
  const bool b_trans = !pack(interp, *g.b, g.batch, g.n, g.k, b.data());
  for (int64_t i = 0; i < nb; ++i)
    cblas_sgemm(CblasRowMajor, a_trans ? CblasTrans : CblasNoTrans, b_trans ? CblasTrans : CblasNoTrans,
                static_cast<int>(m), static_cast<int>(n), static_cast<int>(kk), 1.0f, a.data() + i * m * kk,
                static_cast<int>(a_trans ? m : kk), b.data() + i * kk * n, static_cast<int>(b_trans ? kk : n),
                0.0f, product + i * m * n, static_cast<int>(n));
}

}  // namespace

void run_with_contractions(const pattern::Kernel& k, std::vector<Binding> bindings) {
  pattern::Kernel rewritten = k;
  std::vector<std::optional<Gemm>> gemms;
  for (auto& s : rewritten.body) gemms.push_back(plan_gemm(s, rewritten));
  std::vector<Tensor> products;
  for (size_t t = bindings.size(); t < rewritten.tensors.size(); ++t) {
    products.emplace_back(DType::F32, rewritten.tensors[t].shape);
    bindings.push_back(bind(products.back()));
  }
  Interpreter interp(rewritten, bindings);
  for (size_t i = 0; i < rewritten.body.size(); ++i) {
    if (gemms[i]) run_gemm(interp, *gemms[i], static_cast<float*>(bindings[gemms[i]->product].data));
    interp.run_top_level(rewritten.body[i], num_threads());
  }
}

}  // namespace tessera::exec
