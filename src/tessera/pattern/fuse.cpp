#include "tessera/pattern/fuse.h"

#include <algorithm>
#include <map>
#include <optional>

#include <fmt/format.h>

namespace tessera::pattern {
namespace {

// What an elementwise producer computes: y[vars...] = value.
struct Producer {
  TensorId out = -1;          // the kernel's output param
  std::vector<VarId> vars;    // the map's variables, one per output dim
  ExprP value;
  bool plain_read = false;    // value is one read at indices built from vars and constants
  bool permutation = false;   // ... at distinct vars only (a Transpose): a contraction keeps its BLAS form
};

bool has_reduce(const Expr& e) {
  if (e.kind == ExprKind::Reduce || e.kind == ExprKind::Ref) return true;
  for (const auto& a : e.args)
    if (has_reduce(*a)) return true;
  return false;
}

std::optional<Producer> as_producer(const Kernel& k) {
  if (k.body.size() != 1) return std::nullopt;
  const Stmt& m = k.body[0];
  if (m.kind != StmtKind::Map || m.body.size() != 1) return std::nullopt;
  const Stmt& s = m.body[0];
  if (s.kind != StmtKind::Store || s.combine || s.tensor < 0) return std::nullopt;
  int outs = 0;
  for (const auto& d : k.tensors) {
    if (d.role == Role::Local) return std::nullopt;
    outs += d.role == Role::Out;
  }
  if (outs != 1) return std::nullopt;
  const TensorDecl& y = k.tensors[static_cast<size_t>(s.tensor)];
  if (y.role != Role::Out || y.shape.size() != m.iters.size() || s.index.size() != m.iters.size())
    return std::nullopt;
  // Only dtypes whose stored value is the computed one (no f16/bf16 rounding,
  // no i32 wrap-around to lose).
  if (y.dtype != DType::F32 && y.dtype != DType::F64 && y.dtype != DType::I64 && y.dtype != DType::Bool)
    return std::nullopt;
  if (s.value->dtype != y.dtype || has_reduce(*s.value)) return std::nullopt;
  Producer p;
  p.out = s.tensor;
  for (size_t d = 0; d < m.iters.size(); ++d) {
    const Expr& ix = *s.index[d];
    if (ix.kind != ExprKind::Index || ix.var != m.iters[d].var || m.iters[d].extent != y.shape[d]) return std::nullopt;
    p.vars.push_back(ix.var);
  }
  p.value = s.value;
  p.plain_read = s.value->kind == ExprKind::Read;
  p.permutation = p.plain_read;
  std::vector<VarId> seen;
  for (const auto& a : s.value->args) {
    p.plain_read = p.plain_read && (a->kind == ExprKind::Index || a->kind == ExprKind::Const);
    p.permutation = p.permutation && a->kind == ExprKind::Index &&
                    std::find(seen.begin(), seen.end(), a->var) == seen.end();
    if (a->kind == ExprKind::Index) seen.push_back(a->var);
  }
  p.permutation = p.permutation && seen.size() == p.vars.size();
  return p;
}

int64_t sat_mul(int64_t a, int64_t b) {
  if (a == 0 || b == 0) return 0;
  return a > INT64_MAX / b ? INT64_MAX : a * b;
}

// Where a kernel reads tensor `t`: how many sites, the most times one site
// runs (product of the enclosing extents), and whether one is inside a contraction.
struct Sites {
  int count = 0;
  int64_t max_runs = 0;
  bool in_contraction = false;
};

void find_reads(const Expr& e, TensorId t, int64_t runs, bool contraction, Sites& out) {
  if (e.kind == ExprKind::Read && e.tensor == t) {
    ++out.count;
    out.max_runs = std::max(out.max_runs, runs);
    out.in_contraction = out.in_contraction || contraction;
  }
  if (e.kind == ExprKind::Reduce) {
    for (const auto& it : e.iters) runs = sat_mul(runs, it.extent);
    contraction = contraction || is_contraction(e);
  }
  for (const auto& a : e.args) find_reads(*a, t, runs, contraction, out);
}

void find_reads(const Stmt& s, TensorId t, int64_t runs, Sites& out) {
  for (const auto& it : s.iters) runs = sat_mul(runs, it.extent);
  if (s.value) find_reads(*s.value, t, runs, false, out);
  for (const auto& i : s.index) find_reads(*i, t, runs, false, out);
  for (const auto& b : s.body) find_reads(b, t, runs, out);
  if ((s.kind == StmtKind::Store || s.kind == StmtKind::Scan) && s.tensor == t) out.count += 1000;  // written: never fuse
}

// Rewrites a consumer's expressions: tensor ids through `remap`, and every
// read of `target` replaced by the producer's value at the read's indices.
struct Inliner {
  TensorId target;
  const Producer& prod;
  const std::vector<TensorId>& remap;       // consumer's old ids -> new
  const std::vector<TensorId>& prod_remap;  // producer's ids -> consumer's new ids

  // The producer's value with its vars replaced by `at` (simultaneously).
  ExprP instantiate(const ExprP& e, const std::vector<ExprP>& at) const {
    if (e->kind == ExprKind::Index) {
      for (size_t d = 0; d < prod.vars.size(); ++d)
        if (e->var == prod.vars[d]) return at[d];
      return e;
    }
    auto copy = std::make_shared<Expr>(*e);
    if (copy->kind == ExprKind::Read) copy->tensor = prod_remap[static_cast<size_t>(e->tensor)];
    for (auto& a : copy->args) a = instantiate(a, at);
    return copy;
  }

  ExprP rewrite(const ExprP& e) const {
    if (!e) return e;
    std::vector<ExprP> args;
    args.reserve(e->args.size());
    for (const auto& a : e->args) args.push_back(rewrite(a));
    if (e->kind == ExprKind::Read && e->tensor == target) return instantiate(prod.value, args);
    auto copy = std::make_shared<Expr>(*e);
    copy->args = std::move(args);
    if (copy->kind == ExprKind::Read) copy->tensor = remap[static_cast<size_t>(e->tensor)];
    return copy;
  }

  Stmt rewrite(const Stmt& s) const {
    Stmt out = s;
    out.value = rewrite(s.value);
    for (auto& i : out.index) i = rewrite(i);
    for (auto& b : out.body) b = rewrite(b);
    if (out.tensor >= 0) out.tensor = remap[static_cast<size_t>(s.tensor)];
    return out;
  }
};

// Fuses producer call `pc` into consumer call `cc` (which reads its output `t`).
void fuse_into(const KernelCall& pc, const Producer& prod, KernelCall& cc, int32_t t) {
  const Kernel& pk = pc.kernel;
  const Kernel& ck = cc.kernel;
  Kernel nk;
  nk.name = ck.name;
  nk.vars = ck.vars;
  std::vector<int32_t> args;
  std::vector<TensorId> remap(ck.tensors.size(), -1);
  std::map<int32_t, TensorId> by_program_tensor;  // program tensor -> new param
  TensorId target = -1;
  size_t a = 0;
  for (size_t i = 0; i < ck.tensors.size(); ++i) {
    const TensorDecl& d = ck.tensors[i];
    if (d.role == Role::Local) continue;
    const int32_t id = cc.args[a++];
    if (id == t) {
      target = static_cast<TensorId>(i);
      continue;
    }
    remap[i] = static_cast<TensorId>(nk.tensors.size());
    if (d.role == Role::In) by_program_tensor.emplace(id, remap[i]);
    nk.tensors.push_back(d);
    args.push_back(id);
  }
  // The producer's inputs, shared with the consumer's where they are the same tensor.
  std::vector<TensorId> prod_remap(pk.tensors.size(), -1);
  a = 0;
  for (size_t i = 0; i < pk.tensors.size(); ++i) {
    const TensorDecl& d = pk.tensors[i];
    const int32_t id = pc.args[a++];
    if (d.role != Role::In) continue;
    auto [it, fresh] = by_program_tensor.emplace(id, static_cast<TensorId>(nk.tensors.size()));
    if (fresh) {
      TensorDecl nd = d;
      nd.name = fmt::format("x{}", nk.tensors.size());
      bool clash = true;
      while (clash) {
        clash = false;
        for (const auto& o : ck.tensors) clash = clash || o.name == nd.name;
        for (const auto& o : nk.tensors) clash = clash || o.name == nd.name;
        if (clash) nd.name += "_";
      }
      nk.tensors.push_back(nd);
      args.push_back(id);
    }
    prod_remap[i] = it->second;
  }
  for (size_t i = 0; i < ck.tensors.size(); ++i)
    if (ck.tensors[i].role == Role::Local) {
      remap[i] = static_cast<TensorId>(nk.tensors.size());
      nk.tensors.push_back(ck.tensors[i]);
    }
  const Inliner in{target, prod, remap, prod_remap};
  for (const auto& s : ck.body) nk.body.push_back(in.rewrite(s));
  cc.kernel = std::move(nk);
  cc.args = std::move(args);
}

}  // namespace

Program fuse_elementwise(const Program& p, size_t* removed) {
  Program out = p;
  std::vector<bool> dead(out.calls.size(), false);
  std::vector<int> readers(out.tensors.size(), 0);
  for (const auto& c : out.calls)
    for (size_t k = 0, a = 0; k < c.kernel.tensors.size(); ++k)
      if (c.kernel.tensors[k].role != Role::Local) {
        if (c.kernel.tensors[k].role == Role::In || c.view) ++readers[static_cast<size_t>(c.args[a])];
        ++a;
      }
  size_t fused = 0;
  for (size_t i = 0; i < out.calls.size(); ++i) {
    const KernelCall& pc = out.calls[i];
    if (pc.view) continue;
    const auto prod = as_producer(pc.kernel);
    if (!prod) continue;
    size_t pos = 0;
    for (TensorId k = 0; k < prod->out; ++k) pos += pc.kernel.tensors[static_cast<size_t>(k)].role != Role::Local;
    const int32_t t = pc.args[pos];
    const ProgramTensor& pt = out.tensors[static_cast<size_t>(t)];
    if (pt.is_input || pt.is_output || pt.constant || readers[static_cast<size_t>(t)] != 1) continue;
    if (std::find(out.outputs.begin(), out.outputs.end(), t) != out.outputs.end()) continue;
    size_t j = i + 1;
    while (j < out.calls.size() &&
           (dead[j] || std::find(out.calls[j].args.begin(), out.calls[j].args.end(), t) == out.calls[j].args.end()))
      ++j;
    if (j == out.calls.size() || out.calls[j].view) continue;
    KernelCall& cc = out.calls[j];
    if (std::count(cc.args.begin(), cc.args.end(), t) != 1) continue;
    TensorId local = -1;
    for (size_t k = 0, a = 0; k < cc.kernel.tensors.size(); ++k)
      if (cc.kernel.tensors[k].role != Role::Local) {
        if (cc.args[a++] == t) local = static_cast<TensorId>(k);
      }
    const TensorDecl& d = cc.kernel.tensors[static_cast<size_t>(local)];
    if (d.role != Role::In || d.dtype != pt.dtype || d.shape != pt.shape) continue;
    Sites sites;
    for (const auto& s : cc.kernel.body) find_reads(s, local, 1, sites);
    if (sites.count == 0 || sites.count >= 1000) continue;
    if (sites.in_contraction && !prod->permutation) continue;
    if (!prod->plain_read && (sites.count != 1 || sites.max_runs > num_elements(pt.shape))) continue;
    fuse_into(pc, *prod, cc, t);
    dead[i] = true;
    ++fused;
  }
  if (fused) {
    std::vector<KernelCall> kept;
    kept.reserve(out.calls.size() - fused);
    for (size_t i = 0; i < out.calls.size(); ++i)
      if (!dead[i]) kept.push_back(std::move(out.calls[i]));
    out.calls = std::move(kept);
  }
  if (removed) *removed = fused;
  return out;
}

}  // namespace tessera::pattern
