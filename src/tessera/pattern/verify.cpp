// Pattern IR verifier. Runs on every kernel KernelBuilder finishes, so it is
// one pass over the statements with O(1) scope lookups, and it checks each
// shared expression node once per scope that can see it (DAGs built by
// reusing values would otherwise be walked exponentially often).
//
// Checks: names (tensors and vars) unique; params before locals; var ids in
// range; Index names a var bound by an enclosing map/fold/scan/reduce and Ref
// a Let earlier in the same or an enclosing body; no var bound twice in nested
// scopes; tensor ids in range and index arity == rank; index expressions i64;
// no stores to inputs; extents >= 0; each node's dtype follows the builder's
// rules; a Scan has one iter and a combiner.
#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "tessera/pattern/ir.h"
#include "tessera/support/error.h"

namespace tessera::pattern {
namespace {

class Verifier {
 public:
  explicit Verifier(const Kernel& k) : k_(k), bound_(k.vars.size(), Bound::No), let_dtype_(k.vars.size()) {}

  void run() {
    names();
    push();
    body(k_.body);
    pop();
  }

 private:
  enum class Bound : uint8_t { No, Loop, Let };

  const std::string& kname() const { return k_.name; }

  void names() const {
    bool local_seen = false;
    std::vector<std::string_view> seen;
    for (const auto& t : k_.tensors) {
      TESSERA_CHECK(!(local_seen && t.role != Role::Local), "kernel {}: param {} declared after a local",
                    kname(), t.name);
      local_seen = local_seen || t.role == Role::Local;
      for (int64_t d : t.shape) TESSERA_CHECK(d >= 0, "kernel {}: tensor {} has a negative dim", kname(), t.name);
      seen.push_back(t.name);
    }
    unique(seen, "tensor");
    seen.assign(k_.vars.begin(), k_.vars.end());
    unique(seen, "variable");
  }

  void unique(std::vector<std::string_view>& names, const char* what) const {
    std::sort(names.begin(), names.end());
    for (size_t i = 0; i < names.size(); ++i) {
      TESSERA_CHECK(!names[i].empty(), "kernel {}: a {} has an empty name", kname(), what);
      TESSERA_CHECK(i == 0 || names[i] != names[i - 1], "kernel {}: {} name '{}' is used twice", kname(), what,
                    names[i]);
    }
  }

  // ---- scopes: one frame per body, reduce and scan ----
  void push() {
    frames_.emplace_back();
    serials_.push_back(static_cast<uint32_t>(active_.size()));
    active_.push_back(true);
  }
  void pop() {
    for (VarId v : frames_.back()) bound_[static_cast<size_t>(v)] = Bound::No;
    frames_.pop_back();
    active_[serials_.back()] = false;
    serials_.pop_back();
  }

  const std::string& var_name(VarId v) const { return k_.vars[static_cast<size_t>(v)]; }

  void check_var(VarId v) const {
    TESSERA_CHECK(v >= 0 && static_cast<size_t>(v) < k_.vars.size(), "kernel {}: var id {} out of range ({} vars)",
                  kname(), v, k_.vars.size());
  }

  void bind(VarId v, Bound how) {
    check_var(v);
    TESSERA_CHECK(bound_[static_cast<size_t>(v)] == Bound::No, "kernel {}: variable '{}' is bound twice in nested scopes",
                  kname(), var_name(v));
    bound_[static_cast<size_t>(v)] = how;
    frames_.back().push_back(v);
  }

  void bind_iters(const std::vector<Iter>& iters) {
    for (const auto& it : iters) {
      bind(it.var, Bound::Loop);
      TESSERA_CHECK(it.extent >= 0, "kernel {}: variable '{}' has negative extent {}", kname(), var_name(it.var),
                    it.extent);
    }
  }

  const TensorDecl& tensor(TensorId t, size_t arity) const {
    TESSERA_CHECK(t >= 0 && static_cast<size_t>(t) < k_.tensors.size(), "kernel {}: tensor id {} out of range",
                  kname(), t);
    const TensorDecl& d = k_.tensors[static_cast<size_t>(t)];
    TESSERA_CHECK(arity == d.shape.size(), "kernel {}: {} indices for tensor {} of rank {}", kname(), arity, d.name,
                  d.shape.size());
    return d;
  }

  void indices(const std::vector<ExprP>& idx, const TensorDecl& d) {
    for (const auto& i : idx) {
      expr(i);
      TESSERA_CHECK(i->dtype == DType::I64, "kernel {}: index into {} is {}, not i64", kname(), d.name,
                    dtype_name(i->dtype));
    }
  }

  // ---- statements ----
  void body(const std::vector<Stmt>& stmts) {
    for (const auto& s : stmts) stmt(s);
  }

  void stmt(const Stmt& s) {
    switch (s.kind) {
      case StmtKind::Map:
      case StmtKind::Fold:
        push();
        bind_iters(s.iters);
        body(s.body);
        pop();
        return;
      case StmtKind::Let:
        expr(s.value);
        bind(s.var, Bound::Let);
        let_dtype_[static_cast<size_t>(s.var)] = s.value->dtype;
        return;
      case StmtKind::Store: store(s); return;
      case StmtKind::Scan:
        TESSERA_CHECK(s.iters.size() == 1 && s.combine, "kernel {}: a scan needs one iter and a combiner, has {} / {}",
                      kname(), s.iters.size(), s.combine ? "one" : "none");
        push();
        bind_iters(s.iters);
        store(s);
        pop();
        return;
    }
    TESSERA_CHECK(false, "kernel {}: bad statement kind {}", kname(), static_cast<int>(s.kind));
  }

  void store(const Stmt& s) {
    const TensorDecl& d = tensor(s.tensor, s.index.size());
    TESSERA_CHECK(d.role != Role::In, "kernel {}: store to input {}", kname(), d.name);
    indices(s.index, d);
    expr(s.value);
    TESSERA_CHECK(s.value->dtype == d.dtype, "kernel {}: storing {} into {} tensor {}", kname(),
                  dtype_name(s.value->dtype), dtype_name(d.dtype), d.name);
  }

  // ---- expressions ----
  void expr(const ExprP& p) {
    TESSERA_CHECK(p != nullptr, "kernel {}: null expression", kname());
    if (p.use_count() > 1) {  // shared: skip if checked in a scope that is still open
      auto [it, fresh] = checked_.try_emplace(p.get(), serials_.back());
      if (!fresh && active_[it->second]) return;
      it->second = serials_.back();
    }
    node(*p);
  }

  void arity(const Expr& e, size_t n) const {
    TESSERA_CHECK(e.args.size() == n, "kernel {}: expression kind {} has {} args, wants {}", kname(),
                  static_cast<int>(e.kind), e.args.size(), n);
  }

  void node(const Expr& e) {
    switch (e.kind) {
      case ExprKind::Const:
        TESSERA_CHECK(e.dtype != DType::Bool || e.ival == 0 || e.ival == 1, "kernel {}: bool constant {}", kname(),
                      e.ival);
        return arity(e, 0);
      case ExprKind::Index:
      case ExprKind::Ref: return var_use(e);
      case ExprKind::Read: {
        const TensorDecl& d = tensor(e.tensor, e.args.size());
        indices(e.args, d);
        return same(e.dtype, d.dtype, "read");
      }
      case ExprKind::Unary:
        arity(e, 1);
        expr(e.args[0]);
        return same(e.dtype, (e.un == UnOp::IsNaN || e.un == UnOp::IsInf) ? DType::Bool : e.args[0]->dtype, name(e.un));
      case ExprKind::Binary:
        arity(e, 2);
        expr(e.args[0]);
        expr(e.args[1]);
        same(e.args[1]->dtype, e.args[0]->dtype, name(e.bin));
        return same(e.dtype, is_comparison(e.bin) ? DType::Bool : e.args[0]->dtype, name(e.bin));
      case ExprKind::Select:
        arity(e, 3);
        for (const auto& a : e.args) expr(a);
        same(e.args[0]->dtype, DType::Bool, "select condition");
        same(e.args[2]->dtype, e.args[1]->dtype, "select arm");
        return same(e.dtype, e.args[1]->dtype, "select");
      case ExprKind::Cast:
        arity(e, 1);
        return expr(e.args[0]);
      case ExprKind::Reduce:
        arity(e, 1);
        push();
        bind_iters(e.iters);
        expr(e.args[0]);
        pop();
        return same(e.dtype, e.args[0]->dtype, "reduce");
    }
    TESSERA_CHECK(false, "kernel {}: bad expression kind {}", kname(), static_cast<int>(e.kind));
  }

  void var_use(const Expr& e) {
    arity(e, 0);
    check_var(e.var);
    const Bound b = bound_[static_cast<size_t>(e.var)];
    if (e.kind == ExprKind::Index) {
      TESSERA_CHECK(b == Bound::Loop, "kernel {}: index '{}' is not bound by an enclosing map/fold/scan/reduce",
                    kname(), var_name(e.var));
      return same(e.dtype, DType::I64, "index");
    }
    TESSERA_CHECK(b == Bound::Let, "kernel {}: '{}' is not a let visible here", kname(), var_name(e.var));
    same(e.dtype, let_dtype_[static_cast<size_t>(e.var)], "let reference");
  }

  void same(DType got, DType want, std::string_view what) const {
    TESSERA_CHECK(got == want, "kernel {}: {} has dtype {}, expected {}", kname(), what, dtype_name(got),
                  dtype_name(want));
  }

  const Kernel& k_;
  std::vector<Bound> bound_;        // per var: how it is bound in the open scopes
  std::vector<DType> let_dtype_;    // per var: the dtype of its Let value
  std::vector<std::vector<VarId>> frames_;  // vars bound by each open frame
  std::vector<uint32_t> serials_;   // serial number of each open frame
  std::vector<bool> active_;        // per serial: is that frame still open
  std::unordered_map<const Expr*, uint32_t> checked_;  // shared node -> frame it was checked in
};

}  // namespace

void verify(const Kernel& k) { Verifier(k).run(); }

}  // namespace tessera::pattern
