#include "tessera/pattern/builder.h"

#include "tessera/support/error.h"

namespace tessera::pattern {
namespace {

ExprP make(Expr e) { return std::make_shared<const Expr>(std::move(e)); }

DType result_type(BinOp op, DType a) { return is_comparison(op) ? DType::Bool : a; }

}  // namespace

E constant(double v, DType t) {
  Expr e;
  e.kind = ExprKind::Const;
  e.dtype = t;
  if (is_float(t)) e.fval = v;
  else if (t == DType::Bool) e.ival = v != 0;
  else e.ival = static_cast<int64_t>(v);
  return make(std::move(e));
}
E fconst(double v) { return constant(v, DType::F32); }
E iconst(int64_t v) {
  Expr e;
  e.kind = ExprKind::Const;
  e.dtype = DType::I64;
  e.ival = v;
  return make(std::move(e));
}
E bconst(bool v) { return constant(v ? 1 : 0, DType::Bool); }

E unary(UnOp op, E a) {
  Expr e;
  e.kind = ExprKind::Unary;
  e.un = op;
  e.dtype = (op == UnOp::IsNaN || op == UnOp::IsInf) ? DType::Bool : a.dtype();
  e.args = {a.p};
  return make(std::move(e));
}

E binary(BinOp op, E a, E b) {
  TESSERA_CHECK(a.dtype() == b.dtype(), "binary {} on {} and {}", name(op), dtype_name(a.dtype()),
                dtype_name(b.dtype()));
  Expr e;
  e.kind = ExprKind::Binary;
  e.bin = op;
  e.dtype = result_type(op, a.dtype());
  e.args = {a.p, b.p};
  return make(std::move(e));
}

E select(E cond, E then_value, E else_value) {
  TESSERA_CHECK(cond.dtype() == DType::Bool, "select condition must be bool");
  TESSERA_CHECK(then_value.dtype() == else_value.dtype(), "select arms differ: {} vs {}",
                dtype_name(then_value.dtype()), dtype_name(else_value.dtype()));
  Expr e;
  e.kind = ExprKind::Select;
  e.dtype = then_value.dtype();
  e.args = {cond.p, then_value.p, else_value.p};
  return make(std::move(e));
}

E cast(E a, DType to) {
  if (a.dtype() == to) return a;
  Expr e;
  e.kind = ExprKind::Cast;
  e.dtype = to;
  e.args = {a.p};
  return make(std::move(e));
}

E operator+(E a, E b) { return binary(BinOp::Add, a, b); }
E operator-(E a, E b) { return binary(BinOp::Sub, a, b); }
E operator*(E a, E b) { return binary(BinOp::Mul, a, b); }
E operator/(E a, E b) { return binary(BinOp::Div, a, b); }
E operator-(E a) { return unary(UnOp::Neg, a); }
E operator+(E a, double b) { return a + constant(b, a.dtype()); }
E operator-(E a, double b) { return a - constant(b, a.dtype()); }
E operator*(E a, double b) { return a * constant(b, a.dtype()); }
E operator/(E a, double b) { return a / constant(b, a.dtype()); }
E operator+(double a, E b) { return constant(a, b.dtype()) + b; }
E operator-(double a, E b) { return constant(a, b.dtype()) - b; }
E operator*(double a, E b) { return constant(a, b.dtype()) * b; }
E operator/(double a, E b) { return constant(a, b.dtype()) / b; }

E exp(E a) { return unary(UnOp::Exp, a); }
E log(E a) { return unary(UnOp::Log, a); }
E sqrt(E a) { return unary(UnOp::Sqrt, a); }
E tanh(E a) { return unary(UnOp::Tanh, a); }
E erf(E a) { return unary(UnOp::Erf, a); }
E abs(E a) { return unary(UnOp::Abs, a); }
E sigmoid(E a) { return unary(UnOp::Sigmoid, a); }
E recip(E a) { return unary(UnOp::Recip, a); }
E floor(E a) { return unary(UnOp::Floor, a); }
E ceil(E a) { return unary(UnOp::Ceil, a); }
E min(E a, E b) { return binary(BinOp::Min, a, b); }
E max(E a, E b) { return binary(BinOp::Max, a, b); }
E pow(E a, E b) { return binary(BinOp::Pow, a, b); }
E lt(E a, E b) { return binary(BinOp::Lt, a, b); }
E le(E a, E b) { return binary(BinOp::Le, a, b); }
E gt(E a, E b) { return binary(BinOp::Gt, a, b); }
E ge(E a, E b) { return binary(BinOp::Ge, a, b); }
E eq(E a, E b) { return binary(BinOp::Eq, a, b); }
E ne(E a, E b) { return binary(BinOp::Ne, a, b); }
E land(E a, E b) { return binary(BinOp::And, a, b); }
E lor(E a, E b) { return binary(BinOp::Or, a, b); }
E lnot(E a) { return unary(UnOp::Not, a); }
E in_range(E i, int64_t n) { return land(ge(i, iconst(0)), lt(i, iconst(n))); }

KernelBuilder::KernelBuilder(std::string name) {
  kernel_.name = std::move(name);
  open_.push_back(&kernel_.body);
}

TensorId KernelBuilder::add_tensor(std::string name, DType dtype, Shape shape, Role role) {
  for (const auto& t : kernel_.tensors)
    TESSERA_CHECK(t.name != name, "kernel {}: tensor '{}' declared twice", kernel_.name, name);
  kernel_.tensors.push_back({std::move(name), dtype, std::move(shape), role});
  return static_cast<TensorId>(kernel_.tensors.size() - 1);
}

TensorId KernelBuilder::input(std::string name, DType dtype, Shape shape) {
  return add_tensor(std::move(name), dtype, std::move(shape), Role::In);
}
TensorId KernelBuilder::output(std::string name, DType dtype, Shape shape) {
  return add_tensor(std::move(name), dtype, std::move(shape), Role::Out);
}
TensorId KernelBuilder::local(std::string name, DType dtype, Shape shape) {
  return add_tensor(std::move(name), dtype, std::move(shape), Role::Local);
}

VarId KernelBuilder::var(const std::string& hint) {
  std::string name = hint;
  for (int n = 1;; ++n) {
    bool taken = false;
    for (const auto& v : kernel_.vars) taken = taken || v == name;
    for (const auto& t : kernel_.tensors) taken = taken || t.name == name;
    if (!taken) break;
    name = hint + std::to_string(n);
  }
  kernel_.vars.push_back(name);
  return static_cast<VarId>(kernel_.vars.size() - 1);
}

std::vector<VarId> KernelBuilder::vars(const std::string& hint, size_t n) {
  std::vector<VarId> out;
  for (size_t i = 0; i < n; ++i) out.push_back(var(hint + std::to_string(i)));
  return out;
}

E KernelBuilder::idx(VarId v) const {
  Expr e;
  e.kind = ExprKind::Index;
  e.dtype = DType::I64;
  e.var = v;
  return make(std::move(e));
}

std::vector<E> KernelBuilder::idx(const std::vector<VarId>& vs) const {
  std::vector<E> out;
  for (VarId v : vs) out.push_back(idx(v));
  return out;
}

E KernelBuilder::read(TensorId t, std::vector<E> index) const {
  const TensorDecl& d = decl(t);
  TESSERA_CHECK(index.size() == d.shape.size(), "kernel {}: read of {} with {} indices, rank {}",
                kernel_.name, d.name, index.size(), d.shape.size());
  Expr e;
  e.kind = ExprKind::Read;
  e.dtype = d.dtype;
  e.tensor = t;
  for (auto& i : index) e.args.push_back(cast(i, DType::I64).p);
  return make(std::move(e));
}

E KernelBuilder::reduce(ReduceOp op, std::vector<Iter> iters, E body) {
  Expr e;
  e.kind = ExprKind::Reduce;
  e.dtype = body.dtype();
  e.red = op;
  e.iters = std::move(iters);
  e.args = {body.p};
  return make(std::move(e));
}

void KernelBuilder::map(std::vector<Iter> iters, const std::function<void()>& body) {
  Stmt s;
  s.kind = StmtKind::Map;
  s.iters = std::move(iters);
  open_.back()->push_back(std::move(s));
  open_.push_back(&open_.back()->back().body);
  body();
  open_.pop_back();
}

void KernelBuilder::fold(std::vector<Iter> iters, const std::function<void()>& body) {
  Stmt s;
  s.kind = StmtKind::Fold;
  s.iters = std::move(iters);
  open_.back()->push_back(std::move(s));
  open_.push_back(&open_.back()->back().body);
  body();
  open_.pop_back();
}

E KernelBuilder::let(const std::string& hint, E value) {
  Stmt s;
  s.kind = StmtKind::Let;
  s.var = var(hint);
  s.value = value.p;
  open_.back()->push_back(s);
  Expr e;
  e.kind = ExprKind::Ref;
  e.dtype = value.dtype();
  e.var = s.var;
  return make(std::move(e));
}

void KernelBuilder::store(TensorId t, std::vector<E> index, E value) {
  const TensorDecl& d = decl(t);
  TESSERA_CHECK(d.role != Role::In, "kernel {}: store to input {}", kernel_.name, d.name);
  TESSERA_CHECK(index.size() == d.shape.size(), "kernel {}: store to {} with {} indices, rank {}",
                kernel_.name, d.name, index.size(), d.shape.size());
  TESSERA_CHECK(value.dtype() == d.dtype, "kernel {}: storing {} into {} tensor {}", kernel_.name,
                dtype_name(value.dtype()), dtype_name(d.dtype), d.name);
  Stmt s;
  s.kind = StmtKind::Store;
  s.tensor = t;
  for (auto& i : index) s.index.push_back(cast(i, DType::I64).p);
  s.value = value.p;
  open_.back()->push_back(std::move(s));
}

void KernelBuilder::accumulate(TensorId t, std::vector<E> index, ReduceOp op, E value) {
  store(t, std::move(index), value);
  open_.back()->back().combine = op;
}

void KernelBuilder::scan(ReduceOp op, Iter it, TensorId t, std::vector<E> index, E value, bool exclusive) {
  store(t, std::move(index), value);
  Stmt& s = open_.back()->back();
  s.kind = StmtKind::Scan;
  s.iters = {it};
  s.combine = op;
  s.exclusive = exclusive;
}

void KernelBuilder::map_shape(const Shape& shape, const std::function<void(const std::vector<E>&)>& body,
                              const std::string& hint) {
  std::vector<VarId> vs = vars(hint, shape.size());
  std::vector<Iter> iters;
  for (size_t d = 0; d < shape.size(); ++d) iters.push_back({vs[d], shape[d]});
  std::vector<E> index = idx(vs);
  if (iters.empty()) {
    body(index);
    return;
  }
  map(iters, [&] { body(index); });
}

E KernelBuilder::reduce_shape(ReduceOp op, const Shape& extents,
                              const std::function<E(const std::vector<E>&)>& body, const std::string& hint) {
  std::vector<VarId> vs = vars(hint, extents.size());
  std::vector<Iter> iters;
  for (size_t d = 0; d < extents.size(); ++d) iters.push_back({vs[d], extents[d]});
  E inner = body(idx(vs));
  if (iters.empty()) return inner;
  return reduce(op, std::move(iters), inner);
}

Kernel KernelBuilder::finish() {
  verify(kernel_);
  return std::move(kernel_);
}

}  // namespace tessera::pattern
