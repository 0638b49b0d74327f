// Building Pattern IR kernels in C++. Expressions are values of type E with
// operator overloads; statements are appended to the innermost open body.
//
//   KernelBuilder b("softmax");
//   TensorId x = b.input("x", DType::F32, {8, 128}), y = b.output("y", DType::F32, {8, 128});
//   VarId i = b.var("i"), j = b.var("j");
//   b.map({{i, 8}}, [&] {
//     E m = b.let("m", b.reduce(ReduceOp::Max, {{j, 128}}, b.read(x, {b.idx(i), b.idx(j)})));
//     ...
//   });
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tessera/pattern/ir.h"

namespace tessera::pattern {

// An expression handle. Arithmetic needs equal dtypes (checked); a double on
// one side becomes a constant of the other side's dtype.
struct E {
  ExprP p;
  E() = default;
  E(ExprP e) : p(std::move(e)) {}  // NOLINT: implicit by design
  DType dtype() const { return p->dtype; }
  const Expr* operator->() const { return p.get(); }
};

E constant(double v, DType t);  // float or integer dtype, or bool (v != 0)
E fconst(double v);             // f32
E iconst(int64_t v);            // i64
E bconst(bool v);

E unary(UnOp op, E a);
E binary(BinOp op, E a, E b);
E select(E cond, E then_value, E else_value);
E cast(E a, DType to);  // no-op when a already has dtype `to`

E operator+(E a, E b);
E operator-(E a, E b);
E operator*(E a, E b);
E operator/(E a, E b);
E operator-(E a);
E operator+(E a, double b);
E operator-(E a, double b);
E operator*(E a, double b);
E operator/(E a, double b);
E operator+(double a, E b);
E operator-(double a, E b);
E operator*(double a, E b);
E operator/(double a, E b);

E exp(E a);
E log(E a);
E sqrt(E a);
E tanh(E a);
E erf(E a);
E abs(E a);
E sigmoid(E a);
E recip(E a);
E floor(E a);
E ceil(E a);
E min(E a, E b);
E max(E a, E b);
E pow(E a, E b);
E lt(E a, E b);
E le(E a, E b);
E gt(E a, E b);
E ge(E a, E b);
E eq(E a, E b);
E ne(E a, E b);
E land(E a, E b);
E lor(E a, E b);
E lnot(E a);
// 0 <= i < n, as a bool expression (for padding guards).
E in_range(E i, int64_t n);

class KernelBuilder {
 public:
  explicit KernelBuilder(std::string name);

  TensorId input(std::string name, DType dtype, Shape shape);
  TensorId output(std::string name, DType dtype, Shape shape);
  TensorId local(std::string name, DType dtype, Shape shape);
  const TensorDecl& decl(TensorId t) const { return kernel_.tensors.at(static_cast<size_t>(t)); }

  // A fresh variable; the name is made unique (i, i1, i2...).
  VarId var(const std::string& hint);
  std::vector<VarId> vars(const std::string& hint, size_t n);
  E idx(VarId v) const;
  std::vector<E> idx(const std::vector<VarId>& vs) const;

  E read(TensorId t, std::vector<E> index) const;
  E reduce(ReduceOp op, std::vector<Iter> iters, E body);

  void map(std::vector<Iter> iters, const std::function<void()>& body);
  void fold(std::vector<Iter> iters, const std::function<void()>& body);
  E let(const std::string& hint, E value);
  void store(TensorId t, std::vector<E> index, E value);
  void accumulate(TensorId t, std::vector<E> index, ReduceOp op, E value);
  void scan(ReduceOp op, Iter it, TensorId t, std::vector<E> index, E value, bool exclusive = false);

  // map over every index of `shape` with fresh variables named hint0, hint1...
  void map_shape(const Shape& shape, const std::function<void(const std::vector<E>&)>& body,
                 const std::string& hint = "i");
  // reduce over every index of `extents` with fresh variables.
  E reduce_shape(ReduceOp op, const Shape& extents,
                 const std::function<E(const std::vector<E>&)>& body, const std::string& hint = "k");

  // Verifies and returns the kernel; the builder is spent afterwards.
  Kernel finish();

 private:
  TensorId add_tensor(std::string name, DType dtype, Shape shape, Role role);
  Kernel kernel_;
  std::vector<std::vector<Stmt>*> open_;  // innermost body last
};

}  // namespace tessera::pattern
