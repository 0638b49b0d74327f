// Pattern IR verifier: well-formed kernels pass, and each kind of broken
// hand-built kernel is rejected with an InternalError naming the kernel.
#include <gtest/gtest.h>

#include <chrono>

#include "tessera/pattern/builder.h"
#include "tessera/pattern/ir.h"
#include "tessera/support/error.h"

namespace tessera::pattern {
namespace {

ExprP index(VarId v) {
  Expr e;
  e.kind = ExprKind::Index;
  e.dtype = DType::I64;
  e.var = v;
  return std::make_shared<const Expr>(e);
}
ExprP ref(VarId v, DType t = DType::F32) {
  Expr e;
  e.kind = ExprKind::Ref;
  e.dtype = t;
  e.var = v;
  return std::make_shared<const Expr>(e);
}
ExprP read(TensorId t, std::vector<ExprP> idx, DType dt = DType::F32) {
  Expr e;
  e.kind = ExprKind::Read;
  e.dtype = dt;
  e.tensor = t;
  e.args = std::move(idx);
  return std::make_shared<const Expr>(e);
}
ExprP fconst_p(double v) { return fconst(v).p; }
ExprP bin(BinOp op, ExprP a, ExprP b, DType t) {
  Expr e;
  e.kind = ExprKind::Binary;
  e.bin = op;
  e.dtype = t;
  e.args = {std::move(a), std::move(b)};
  return std::make_shared<const Expr>(e);
}
Stmt map_stmt(std::vector<Iter> iters, std::vector<Stmt> body) {
  Stmt s;
  s.kind = StmtKind::Map;
  s.iters = std::move(iters);
  s.body = std::move(body);
  return s;
}
Stmt store(TensorId t, std::vector<ExprP> idx, ExprP v) {
  Stmt s;
  s.kind = StmtKind::Store;
  s.tensor = t;
  s.index = std::move(idx);
  s.value = std::move(v);
  return s;
}
Stmt let(VarId v, ExprP value) {
  Stmt s;
  s.kind = StmtKind::Let;
  s.var = v;
  s.value = std::move(value);
  return s;
}

// copy: x f32[4] -> y f32[4], vars i, j, t.  map i { y[i] = x[i] }
Kernel base() {
  Kernel k;
  k.name = "broken";
  k.tensors = {{"x", DType::F32, {4}, Role::In}, {"y", DType::F32, {4}, Role::Out}};
  k.vars = {"i", "j", "t"};
  k.body = {map_stmt({{0, 4}}, {store(1, {index(0)}, read(0, {index(0)}))})};
  return k;
}

// Expects verify to throw an InternalError naming the kernel and containing `what`.
void expect_rejected(const Kernel& k, const std::string& what) {
  try {
    verify(k);
    ADD_FAILURE() << "accepted; expected: " << what;
  } catch (const InternalError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("kernel broken: "), std::string::npos) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
  }
}

TEST(PatternVerify, AcceptsWellFormedKernels) {
  EXPECT_NO_THROW(verify(base()));
  Kernel k = base();  // the same var in two sibling maps is fine
  k.body.push_back(k.body[0]);
  EXPECT_NO_THROW(verify(k));
  k = base();  // a let used in a nested body
  k.body = {map_stmt({{0, 4}}, {let(2, read(0, {index(0)})), map_stmt({{1, 1}}, {store(1, {index(0)}, ref(2))})})};
  EXPECT_NO_THROW(verify(k));
}

TEST(PatternVerify, RejectsBadVariables) {
  Kernel k = base();
  k.body[0].body[0].value = read(0, {index(7)});
  expect_rejected(k, "var id 7 out of range");

  k = base();  // j is not bound anywhere
  k.body[0].body[0].value = read(0, {index(1)});
  expect_rejected(k, "index 'j' is not bound");

  k = base();  // i used after its map closed
  k.body.push_back(store(1, {index(0)}, fconst_p(0)));
  expect_rejected(k, "index 'i' is not bound");

  k = base();  // map i { map i { ... } }
  k.body = {map_stmt({{0, 4}}, {map_stmt({{0, 4}}, {store(1, {index(0)}, fconst_p(1))})})};
  expect_rejected(k, "variable 'i' is bound twice");

  k = base();  // reduce i inside map i
  Expr r;
  r.kind = ExprKind::Reduce;
  r.iters = {{0, 4}};
  r.args = {read(0, {index(0)})};
  k.body[0].body[0].value = std::make_shared<const Expr>(r);
  expect_rejected(k, "variable 'i' is bound twice");

  k = base();  // ref to a let bound later
  k.body[0].body = {store(1, {index(0)}, ref(2)), let(2, fconst_p(1))};
  expect_rejected(k, "'t' is not a let visible here");

  k = base();  // ref to a let of a sibling body
  k.body = {map_stmt({{0, 4}}, {let(2, fconst_p(1))}), map_stmt({{0, 4}}, {store(1, {index(0)}, ref(2))})};
  expect_rejected(k, "'t' is not a let visible here");

  k = base();  // an Index naming a let var
  k.body[0].body = {let(2, fconst_p(1)), store(1, {index(2)}, fconst_p(1))};
  expect_rejected(k, "index 't' is not bound");

  k = base();  // ref dtype differs from the let's value
  k.body[0].body = {let(2, fconst_p(1)), store(1, {index(0)}, ref(2, DType::F64))};
  expect_rejected(k, "let reference has dtype f64, expected f32");

  k = base();
  k.vars = {"i", "i", "t"};
  expect_rejected(k, "variable name 'i' is used twice");
}

TEST(PatternVerify, RejectsBadTensorsAndStores) {
  Kernel k = base();
  k.body[0].body[0].value = read(5, {index(0)});
  expect_rejected(k, "tensor id 5 out of range");

  k = base();
  k.body[0].body[0].value = read(0, {index(0), index(0)});
  expect_rejected(k, "2 indices for tensor x of rank 1");

  k = base();
  k.body[0].body[0] = store(0, {index(0)}, fconst_p(1));
  expect_rejected(k, "store to input x");

  k = base();
  k.body[0].body[0] = store(1, {index(0)}, read(0, {index(0)}, DType::F64));
  expect_rejected(k, "read has dtype f64, expected f32");

  k = base();
  k.body[0].body[0] = store(1, {index(0)}, constant(1, DType::F64).p);
  expect_rejected(k, "storing f64 into f32 tensor y");

  k = base();
  k.body[0].body[0] = store(1, {fconst_p(0)}, fconst_p(1));
  expect_rejected(k, "index into y is f32, not i64");

  k = base();
  k.tensors = {{"t", DType::F32, {4}, Role::Local}, {"x", DType::F32, {4}, Role::In},
               {"y", DType::F32, {4}, Role::Out}};
  expect_rejected(k, "param x declared after a local");

  k = base();
  k.tensors[1].name = "x";
  expect_rejected(k, "tensor name 'x' is used twice");

  k = base();
  k.body[0].iters[0].extent = -1;
  expect_rejected(k, "negative extent -1");
}

TEST(PatternVerify, RejectsBadExpressionTypes) {
  Kernel k = base();
  k.body[0].body[0].value = bin(BinOp::Add, fconst_p(1), constant(1, DType::F64).p, DType::F32);
  expect_rejected(k, "add has dtype f64, expected f32");

  k = base();  // a comparison must be bool
  k.body[0].body[0].value = bin(BinOp::Lt, fconst_p(1), fconst_p(2), DType::F32);
  expect_rejected(k, "lt has dtype f32, expected bool");

  k = base();
  Expr s;
  s.kind = ExprKind::Select;
  s.args = {fconst_p(1), fconst_p(2), fconst_p(3)};
  k.body[0].body[0].value = std::make_shared<const Expr>(s);
  expect_rejected(k, "select condition has dtype f32, expected bool");

  k = base();
  Expr u;
  u.kind = ExprKind::Unary;
  u.un = UnOp::IsNaN;
  u.args = {fconst_p(1)};
  k.body[0].body[0].value = std::make_shared<const Expr>(u);
  expect_rejected(k, "isnan has dtype f32, expected bool");

  k = base();
  Expr c;
  c.kind = ExprKind::Cast;
  k.body[0].body[0].value = std::make_shared<const Expr>(c);
  expect_rejected(k, "has 0 args, wants 1");

  k = base();
  k.body[0].body[0].value = nullptr;
  expect_rejected(k, "null expression");
}

TEST(PatternVerify, RejectsBadScans) {
  Kernel k = base();
  Stmt s = store(1, {index(1)}, read(0, {index(1)}));
  s.kind = StmtKind::Scan;
  s.iters = {{1, 4}};
  k.body = {s};
  expect_rejected(k, "a scan needs one iter and a combiner");
  k.body[0].combine = ReduceOp::Add;
  EXPECT_NO_THROW(verify(k));
  k.body[0].iters = {{1, 4}, {2, 4}};
  expect_rejected(k, "a scan needs one iter and a combiner");
}

TEST(PatternVerify, BuilderErrorsAreInternal) {
  KernelBuilder b("broken");
  TensorId x = b.input("x", DType::F32, {4}), y = b.output("y", DType::F32, {4});
  VarId i = b.var("i"), j = b.var("j");
  b.map({{i, 4}}, [&] { b.store(y, {b.idx(j)}, b.read(x, {b.idx(i)})); });
  try {
    b.finish();
    FAIL() << "kernel with an unbound index accepted";
  } catch (const InternalError& e) {
    EXPECT_NE(std::string(e.what()).find("kernel broken: index 'j' is not bound"), std::string::npos) << e.what();
  }
}

TEST(PatternVerify, SharedSubexpressionsAreCheckedOnce) {
  // A DAG whose tree has 2^60 nodes: the verifier must visit each node once.
  KernelBuilder b("deep");
  TensorId x = b.input("x", DType::F32, {4}), y = b.output("y", DType::F32, {4});
  VarId i = b.var("i"), k = b.var("k");
  b.map({{i, 4}}, [&] {
    E v = b.read(x, {b.idx(i)});
    for (int n = 0; n < 60; ++n) v = v + v;
    E r = b.reduce(ReduceOp::Add, {{k, 4}}, v * b.read(x, {b.idx(k)}) + v);
    b.store(y, {b.idx(i)}, r + v);
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_NO_THROW(b.finish());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(PatternVerify, SharedNodeRecheckedInANewScope) {
  // The same `x[k]` node is legal inside reduce k, illegal after it closes.
  Kernel k;
  k.name = "broken";
  k.tensors = {{"x", DType::F32, {4}, Role::In}, {"y", DType::F32, {4}, Role::Out}};
  k.vars = {"i", "k"};
  ExprP xk = read(0, {index(1)});
  Expr r;
  r.kind = ExprKind::Reduce;
  r.iters = {{1, 4}};
  r.args = {xk};
  k.body = {map_stmt({{0, 4}}, {store(1, {index(0)}, std::make_shared<const Expr>(r))})};
  EXPECT_NO_THROW(verify(k));
  k.body[0].body.push_back(store(1, {index(0)}, xk));
  expect_rejected(k, "index 'k' is not bound");
}

}  // namespace
}  // namespace tessera::pattern
