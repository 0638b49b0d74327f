// Pattern IR text form: exact printing of known kernels, print -> parse ->
// equal round trips over every construct, op and dtype, and parse errors
// with line and column.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tessera/pattern/builder.h"
#include "tessera/pattern/ir.h"
#include "tessera/support/error.h"

namespace tessera::pattern {
namespace {

Kernel softmax() {
  KernelBuilder b("softmax");
  TensorId x = b.input("x", DType::F32, {8, 128}), y = b.output("y", DType::F32, {8, 128});
  VarId i = b.var("i"), j = b.var("j"), j1 = b.var("j"), j2 = b.var("j");
  b.map({{i, 8}}, [&] {
    E m = b.let("m", b.reduce(ReduceOp::Max, {{j, 128}}, b.read(x, {b.idx(i), b.idx(j)})));
    E s = b.let("s", b.reduce(ReduceOp::Add, {{j1, 128}}, exp(b.read(x, {b.idx(i), b.idx(j1)}) - m)));
    b.map({{j2, 128}}, [&] { b.store(y, {b.idx(i), b.idx(j2)}, exp(b.read(x, {b.idx(i), b.idx(j2)}) - m) / s); });
  });
  return b.finish();
}

Kernel matmul() {
  KernelBuilder b("matmul");
  TensorId a = b.input("a", DType::F32, {64, 32}), bt = b.input("b", DType::F32, {32, 16});
  TensorId c = b.output("c", DType::F32, {64, 16});
  VarId i = b.var("i"), j = b.var("j"), k = b.var("k");
  b.map({{i, 64}, {j, 16}}, [&] {
    b.store(c, {b.idx(i), b.idx(j)},
            b.reduce(ReduceOp::Add, {{k, 32}}, b.read(a, {b.idx(i), b.idx(k)}) * b.read(bt, {b.idx(k), b.idx(j)})));
  });
  return b.finish();
}

void expect_round_trip(const Kernel& k) {
  const std::string text = print(k);
  Kernel back = parse_kernel(text);
  EXPECT_TRUE(equal(back, k)) << text << "--- reprinted ---\n" << print(back);
  EXPECT_EQ(print(back), text);
}

TEST(PatternText, SoftmaxPrintsExactly) {
  EXPECT_EQ(print(softmax()),
            "kernel softmax(x: f32[8,128]) -> (y: f32[8,128]) {\n"
            "  map i in 0..8 {\n"
            "    m = reduce max j in 0..128 { x[i,j] }\n"
            "    s = reduce add j1 in 0..128 { exp(x[i,j1] - m) }\n"
            "    map j2 in 0..128 {\n"
            "      y[i,j2] = exp(x[i,j2] - m) / s\n"
            "    }\n"
            "  }\n"
            "}\n");
  expect_round_trip(softmax());
}

TEST(PatternText, MatmulPrintsExactly) {
  EXPECT_EQ(print(matmul()),
            "kernel matmul(a: f32[64,32], b: f32[32,16]) -> (c: f32[64,16]) {\n"
            "  map i in 0..64, j in 0..16 {\n"
            "    c[i,j] = reduce add k in 0..32 { a[i,k] * b[k,j] }\n"
            "  }\n"
            "}\n");
  expect_round_trip(matmul());
}

TEST(PatternText, ParsedVarsAreRenumberedButEqual) {
  // The builder numbers m after j, j1, j2; the parser numbers in order of appearance.
  Kernel k = softmax();
  Kernel back = parse_kernel(print(k));
  EXPECT_EQ(k.vars, (std::vector<std::string>{"i", "j", "j1", "j2", "m", "s"}));
  EXPECT_EQ(back.vars, (std::vector<std::string>{"i", "j", "m", "j1", "s", "j2"}));
  EXPECT_TRUE(equal(back, k));
}

TEST(PatternText, ConvWithPaddingSelect) {
  KernelBuilder b("conv");
  TensorId x = b.input("x", DType::F32, {1, 2, 5, 5}), w = b.input("w", DType::F32, {3, 2, 3, 3});
  TensorId y = b.output("y", DType::F32, {1, 3, 5, 5});
  b.map_shape({1, 3, 5, 5}, [&](const std::vector<E>& o) {
    E sum = b.reduce_shape(ReduceOp::Add, {2, 3, 3}, [&](const std::vector<E>& r) {
      E ih = o[2] + r[1] - 1.0, iw = o[3] + r[2] - 1.0;
      E ok = land(in_range(ih, 5), in_range(iw, 5));
      E cih = min(max(ih, iconst(0)), iconst(4)), ciw = min(max(iw, iconst(0)), iconst(4));
      return select(ok, b.read(x, {o[0], r[0], cih, ciw}) * b.read(w, {o[1], r[0], r[1], r[2]}), fconst(0));
    });
    b.store(y, o, sum);
  });
  Kernel k = b.finish();
  EXPECT_NE(print(k).find("select(i2 + k1 - 1 >= 0 && i2 + k1 - 1 < 5 && (i3 + k2 - 1 >= 0 && i3 + k2 - 1 < 5), "
                          "x[i0,k0,min(max(i2 + k1 - 1, 0), 4),min(max(i3 + k2 - 1, 0), 4)] * w[i1,k0,k1,k2], 0.0)"),
            std::string::npos)
      << print(k);
  expect_round_trip(k);
}

TEST(PatternText, GatherScatterAddAndCasts) {
  KernelBuilder b("gather_scatter");
  TensorId data = b.input("data", DType::F32, {10, 4}), idx = b.input("idx", DType::I32, {3});
  TensorId y = b.output("y", DType::F32, {3, 4}), acc = b.output("acc", DType::F32, {10, 4});
  VarId i = b.var("i"), j = b.var("j");
  b.map({{i, 3}, {j, 4}}, [&] {
    E row = b.read(idx, {b.idx(i)});
    b.store(y, {row, b.idx(j)}, b.read(data, {row, b.idx(j)}));
    b.accumulate(acc, {row, b.idx(j)}, ReduceOp::Add, b.read(y, {b.idx(i), b.idx(j)}));
    b.accumulate(acc, {row, b.idx(j)}, ReduceOp::Mul, fconst(2));
    b.accumulate(acc, {row, b.idx(j)}, ReduceOp::Max, fconst(-1));
    b.accumulate(acc, {row, b.idx(j)}, ReduceOp::Min, cast(row, DType::F32));
  });
  Kernel k = b.finish();
  const std::string text = print(k);
  EXPECT_NE(text.find("    y[cast<i64>(idx[i]),j] = data[cast<i64>(idx[i]),j]\n"), std::string::npos) << text;
  EXPECT_NE(text.find("    acc[cast<i64>(idx[i]),j] += y[i,j]\n"), std::string::npos) << text;
  EXPECT_NE(text.find("    acc[cast<i64>(idx[i]),j] *= 2.0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("    acc[cast<i64>(idx[i]),j] max= -1.0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("    acc[cast<i64>(idx[i]),j] min= cast<f32>(idx[i])\n"), std::string::npos) << text;
  expect_round_trip(k);
}

TEST(PatternText, FoldWithLocalScanAndRankZero) {
  KernelBuilder b("rnn");
  TensorId x = b.input("x", DType::F32, {5, 4}), s0 = b.input("s0", DType::F32, {});
  TensorId y = b.output("y", DType::F32, {4}), cs = b.output("cs", DType::F32, {5, 4});
  TensorId r = b.output("r", DType::F32, {});
  TensorId h = b.local("h", DType::F32, {4});
  VarId t = b.var("t"), j = b.var("j"), j1 = b.var("j"), i = b.var("i"), k = b.var("k");
  b.fold({{t, 5}}, [&] {
    b.map({{j, 4}}, [&] { b.store(h, {b.idx(j)}, tanh(b.read(h, {b.idx(j)}) + b.read(x, {b.idx(t), b.idx(j)}))); });
  });
  b.map({{j1, 4}}, [&] {
    b.store(y, {b.idx(j1)}, b.read(h, {b.idx(j1)}));
    b.scan(ReduceOp::Add, {i, 5}, cs, {b.idx(i), b.idx(j1)}, b.read(x, {b.idx(i), b.idx(j1)}));
  });
  b.map({{k, 4}}, [&] {
    b.scan(ReduceOp::Mul, {i, 5}, cs, {b.idx(i), b.idx(k)}, b.read(x, {b.idx(i), b.idx(k)}), true);
  });
  b.store(r, {}, b.read(s0, {}) * 2.0);
  Kernel k2 = b.finish();
  EXPECT_EQ(print(k2),
            "kernel rnn(x: f32[5,4], s0: f32[]) -> (y: f32[4], cs: f32[5,4], r: f32[]) {\n"
            "  local h: f32[4]\n"
            "  fold t in 0..5 {\n"
            "    map j in 0..4 {\n"
            "      h[j] = tanh(h[j] + x[t,j])\n"
            "    }\n"
            "  }\n"
            "  map j1 in 0..4 {\n"
            "    y[j1] = h[j1]\n"
            "    scan add i in 0..5 { cs[i,j1] = x[i,j1] }\n"
            "  }\n"
            "  map k in 0..4 {\n"
            "    scan exclusive mul i in 0..5 { cs[i,k] = x[i,k] }\n"
            "  }\n"
            "  r[] = s0[] * 2.0\n"
            "}\n");
  expect_round_trip(k2);
}

TEST(PatternText, EveryUnaryAndBinaryOp) {
  KernelBuilder b("ops");
  TensorId a = b.input("a", DType::F32, {}), c = b.input("c", DType::F32, {});
  TensorId n = b.input("n", DType::I64, {});
  TensorId u = b.output("u", DType::F32, {27}), v = b.output("v", DType::F32, {18});
  E fa = b.read(a, {}), fc = b.read(c, {}), in = b.read(n, {});
  for (int op = 0; op <= static_cast<int>(UnOp::IsInf); ++op) {
    auto o = static_cast<UnOp>(op);
    E r = o == UnOp::Not ? unary(o, lt(fa, fc)) : unary(o, fa);
    b.store(u, {iconst(op)}, cast(r, DType::F32));
  }
  for (int op = 0; op <= static_cast<int>(BinOp::Xor); ++op) {
    auto o = static_cast<BinOp>(op);
    E r = o >= BinOp::And ? binary(o, lt(fa, fc), ge(fa, fc))
          : o == BinOp::Mod ? binary(o, in, in - 3.0)
                            : binary(o, fa, fc);
    b.store(v, {iconst(op)}, cast(r, DType::F32));
  }
  Kernel k = b.finish();
  const std::string text = print(k);
  EXPECT_NE(text.find("u[0] = -a[]\n"), std::string::npos) << text;
  EXPECT_NE(text.find("u[12] = cast<f32>(!(a[] < c[]))\n"), std::string::npos) << text;
  EXPECT_NE(text.find("u[26] = cast<f32>(isinf(a[]))\n"), std::string::npos) << text;
  EXPECT_NE(text.find("v[4] = cast<f32>(mod(n[], n[] - 3))\n"), std::string::npos) << text;
  EXPECT_NE(text.find("v[5] = fmod(a[], c[])\n"), std::string::npos) << text;
  EXPECT_NE(text.find("v[17] = cast<f32>(xor(a[] < c[], a[] >= c[]))\n"), std::string::npos) << text;
  EXPECT_NE(text.find("v[16] = cast<f32>(a[] < c[] || a[] >= c[])\n"), std::string::npos) << text;
  expect_round_trip(k);
}

TEST(PatternText, ParenthesesFollowPrecedence) {
  KernelBuilder b("prec");
  TensorId a = b.input("a", DType::F32, {}), y = b.output("y", DType::F32, {8}), z = b.output("z", DType::Bool, {3});
  E x = b.read(a, {});
  b.store(y, {iconst(0)}, (x + x) * x);
  b.store(y, {iconst(1)}, x - (x - x));
  b.store(y, {iconst(2)}, x - x - x);
  b.store(y, {iconst(3)}, x / (x * x));
  b.store(y, {iconst(4)}, -(x + x));
  b.store(y, {iconst(5)}, -fconst(2) * -x);  // a negated constant is not a negative constant
  b.store(y, {iconst(6)}, x - fconst(-1) - -(-x));
  b.store(y, {iconst(7)}, exp(x * -x) + x * x);
  b.store(z, {iconst(0)}, eq(lt(x, x), gt(x, x)));
  b.store(z, {iconst(1)}, land(lor(lt(x, x), gt(x, x)), lnot(ne(x, x))));
  b.store(z, {iconst(2)}, lor(lt(x, x), land(gt(x, x), le(x, x))));
  Kernel k = b.finish();
  EXPECT_EQ(print(k),
            "kernel prec(a: f32[]) -> (y: f32[8], z: bool[3]) {\n"
            "  y[0] = (a[] + a[]) * a[]\n"
            "  y[1] = a[] - (a[] - a[])\n"
            "  y[2] = a[] - a[] - a[]\n"
            "  y[3] = a[] / (a[] * a[])\n"
            "  y[4] = -(a[] + a[])\n"
            "  y[5] = -(2.0) * -a[]\n"
            "  y[6] = a[] - -1.0 - --a[]\n"
            "  y[7] = exp(a[] * -a[]) + a[] * a[]\n"
            "  z[0] = a[] < a[] == a[] > a[]\n"
            "  z[1] = (a[] < a[] || a[] > a[]) && !(a[] != a[])\n"
            "  z[2] = a[] < a[] || a[] > a[] && a[] <= a[]\n"
            "}\n");
  expect_round_trip(k);
}

TEST(PatternText, EveryDtypeConstantAndSpecialFloats) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<std::pair<E, std::string>> cases = {
      {fconst(0.1), "0.1"},
      {fconst(3), "3.0"},
      {fconst(-0.0), "-0.0"},
      {fconst(1e30), "1e+30"},
      {fconst(-2.5e-300), "-2.5e-300"},
      {fconst(5e-324), "5e-324"},
      {fconst(std::numeric_limits<double>::max()), "1.7976931348623157e+308"},
      {fconst(inf), "inf"},
      {fconst(-inf), "-inf"},
      {fconst(std::numeric_limits<double>::quiet_NaN()), "nan"},
      {constant(1.5, DType::F64), "1.5:f64"},
      {constant(-inf, DType::F64), "-inf:f64"},
      {iconst(3), "3"},
      {iconst(-1), "-1"},
      {iconst(std::numeric_limits<int64_t>::min()), "-9223372036854775808"},
      {iconst(std::numeric_limits<int64_t>::max()), "9223372036854775807"},
      {constant(2, DType::I32), "2:i32"},
      {constant(-7, DType::I16), "-7:i16"},
      {constant(-128, DType::I8), "-128:i8"},
      {constant(255, DType::U8), "255:u8"},
      {bconst(true), "true"},
      {bconst(false), "false"},
  };
  KernelBuilder b("consts");
  std::vector<TensorId> outs;
  for (size_t i = 0; i < cases.size(); ++i)
    outs.push_back(b.output(fmt::format("c{}", i), cases[i].first.dtype(), {}));
  for (size_t i = 0; i < cases.size(); ++i) b.store(outs[i], {}, cases[i].first);
  Kernel k = b.finish();
  const std::string text = print(k);
  for (size_t i = 0; i < cases.size(); ++i)
    EXPECT_NE(text.find(fmt::format("  c{}[] = {}\n", i, cases[i].second)), std::string::npos) << cases[i].second;
  expect_round_trip(k);
  Kernel back = parse_kernel(text);
  EXPECT_TRUE(std::signbit(back.body[2].value->fval));  // -0.0 keeps its sign
  EXPECT_TRUE(std::isnan(back.body[9].value->fval));
  EXPECT_EQ(back.body[14].value->ival, std::numeric_limits<int64_t>::min());
}

TEST(PatternText, EqualSeesDifferences) {
  Kernel a = matmul();
  Kernel b = matmul();
  EXPECT_TRUE(equal(a, b));
  b.body[0].iters[1].extent = 15;
  EXPECT_FALSE(equal(a, b));
  b = matmul();
  b.vars[2] = "kk";  // the reduce variable renamed
  EXPECT_FALSE(equal(a, b));
  b = matmul();
  b.tensors[2].shape = {64, 17};
  EXPECT_FALSE(equal(a, b));
  EXPECT_FALSE(equal(*fconst(1).p, *constant(1, DType::F64).p));
  EXPECT_FALSE(equal(*fconst(0.0).p, *fconst(-0.0).p));
  EXPECT_TRUE(equal(*fconst(std::nan("")).p, *fconst(-std::nan("")).p));
  EXPECT_FALSE(equal(*iconst(1).p, *iconst(2).p));
}

TEST(PatternText, QuotedNamesAndMarkedOutputs) {
  Kernel k;
  k.name = "node/conv.1";
  k.tensors = {{"out", DType::F32, {2}, Role::Out}, {"x.0", DType::F32, {2}, Role::In},
               {"map", DType::F32, {2}, Role::Local}};
  k.vars = {"in", "my var"};
  auto idx = std::make_shared<Expr>();
  idx->kind = ExprKind::Index;
  idx->dtype = DType::I64;
  idx->var = 0;
  auto rd = std::make_shared<Expr>();
  rd->kind = ExprKind::Read;
  rd->tensor = 1;
  rd->args = {idx};
  auto ref = std::make_shared<Expr>();
  ref->kind = ExprKind::Ref;
  ref->var = 1;
  Stmt let, st, map;
  let.kind = StmtKind::Let;
  let.var = 1;
  let.value = rd;
  st.kind = StmtKind::Store;
  st.tensor = 0;
  st.index = {idx};
  st.value = ref;
  map.iters = {{0, 2}};
  map.body = {let, st};
  k.body = {map};
  verify(k);
  EXPECT_EQ(print(k),
            "kernel \"node/conv.1\"(out out: f32[2], \"x.0\": f32[2]) {\n"
            "  local \"map\": f32[2]\n"
            "  map \"in\" in 0..2 {\n"
            "    \"my var\" = \"x.0\"[\"in\"]\n"
            "    out[\"in\"] = \"my var\"\n"
            "  }\n"
            "}\n");
  expect_round_trip(k);
}

TEST(PatternText, ParsesHandWrittenTextWithComments) {
  const char* text =
      "# two kernels\n"
      "kernel add1(x: i32[4]) -> (y: i32[4]) {\n"
      "  map i in 0..4 { y[i] = x[i] + 1:i32 }  # inline body\n"
      "}\n"
      "kernel sum(x: f64[4]) -> (y: f64[]) { y[] = reduce add k in 0..4 { x[k] } }\n";
  std::vector<Kernel> ks = parse_kernels(text);
  ASSERT_EQ(ks.size(), 2u);
  EXPECT_EQ(ks[0].name, "add1");
  const Expr& v = *ks[0].body[0].body[0].value;
  EXPECT_EQ(v.kind, ExprKind::Binary);
  EXPECT_EQ(v.dtype, DType::I32);
  EXPECT_EQ(v.args[1]->ival, 1);
  EXPECT_EQ(ks[1].body[0].value->dtype, DType::F64);
  EXPECT_EQ(print(ks[1]),
            "kernel sum(x: f64[4]) -> (y: f64[]) {\n  y[] = reduce add k in 0..4 { x[k] }\n}\n");
}

TEST(PatternText, SiblingScopesMayReuseAName) {
  Kernel k = parse_kernel(
      "kernel k(x: f32[4]) -> (y: f32[4]) {\n"
      "  map i in 0..4 { y[i] = x[i] }\n"
      "  map i in 0..4 { y[i] += x[i] }\n"
      "}\n");
  EXPECT_EQ(k.vars, std::vector<std::string>{"i"});
  EXPECT_EQ(k.body[1].iters[0].var, 0);
  expect_round_trip(k);
}

TEST(PatternText, EmptyIterationLists) {
  // Hand-built: a map and a reduce over no variables (one iteration each).
  Kernel k = parse_kernel("kernel k(x: f32[]) -> (y: f32[]) { map { y[] = reduce add { x[] } } }");
  ASSERT_EQ(k.body.size(), 1u);
  EXPECT_TRUE(k.body[0].iters.empty());
  EXPECT_EQ(k.body[0].body[0].value->kind, ExprKind::Reduce);
  EXPECT_TRUE(k.body[0].body[0].value->iters.empty());
  EXPECT_EQ(print(k), "kernel k(x: f32[]) -> (y: f32[]) {\n  map {\n    y[] = reduce add { x[] }\n  }\n}\n");
  expect_round_trip(k);
}

TEST(PatternText, PrintsPrograms) {
  Program p;
  p.tensors = {{"in\"put", DType::F32, {64, 32}, std::nullopt, true, false},
               {"w", DType::F32, {32, 16}, Tensor(DType::F32, {32, 16}), false, false},
               {"out", DType::F32, {64, 16}, std::nullopt, false, true}};
  p.inputs = {0};
  p.outputs = {2};
  p.calls.push_back({matmul(), "MatMul", "mm/0", {0, 1, 2}});
  EXPECT_EQ(print(p),
            "program {\n"
            "  %0 \"in\\\"put\": f32[64,32] input\n"
            "  %1 \"w\": f32[32,16] const\n"
            "  %2 \"out\": f32[64,16] output\n"
            "  inputs (%0)\n"
            "  outputs (%2)\n"
            "}\n"
            "\n"
            "call matmul(%0, %1) -> (%2)  # MatMul \"mm/0\"\n" +
                print(matmul()));
}

// ---- parse errors ----

std::string parse_error(const std::string& text) {
  try {
    parse_kernels(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

constexpr const char* kHead = "kernel k(x: f32[4], n: i64[4]) -> (y: f32[4]) {\n";

TEST(PatternTextErrors, ReportLineAndColumn) {
  const std::string h = kHead;
  EXPECT_EQ(parse_error(h + "  map i in 0..4 {\n    y[i] = x[i] +\n  }\n}\n"),
            "line 4, column 3: expected an expression, found '}'");
  EXPECT_EQ(parse_error(h + "  y[0] = z[0]\n}\n"), "line 2, column 10: expected a declared tensor, found 'z'");
  EXPECT_EQ(parse_error(h + "  y[0] = x[q]\n}\n"),
            "line 2, column 12: expected a variable bound here, 'q' is not, found 'q'");
  EXPECT_EQ(parse_error(h + "  y[0] = x[0] + 1\n}\n"),
            "line 2, column 15: expected operands of the same dtype, '+' has f32 and i64, found '+'");
  EXPECT_EQ(parse_error(h + "  x[0] = 1.0\n}\n"), "line 2, column 3: cannot store to input tensor 'x', found 'x'");
  EXPECT_EQ(parse_error(h + "  y[0, 1] = 1.0\n}\n"),
            "line 2, column 3: expected 1 indices for tensor 'y' of rank 1, got 2, found 'y'");
  EXPECT_EQ(parse_error(h + "  y[0] = 1\n}\n"),
            "line 2, column 10: expected a f32 value for tensor 'y', this expression is i64, found '1'");
  EXPECT_EQ(parse_error(h + "  y[1.0] = 1.0\n}\n"),
            "line 2, column 5: expected an i64 index, this expression is f32, found '1.0'");
  EXPECT_EQ(parse_error(h + "  y[0] = x[0] @ 2\n}\n"), "line 2, column 15: unexpected character '@'");
  EXPECT_EQ(parse_error(h + "  \"y[0] = 1.0\n}\n"), "line 2, column 3: unterminated quoted name");
  EXPECT_EQ(parse_error(h + "  map i in 0..4 { map i in 0..2 { y[i] = 1.0 } }\n}\n"),
            "line 2, column 23: variable 'i' is already bound here, found 'i'");
  EXPECT_EQ(parse_error(h + "  map i in 1..4 { y[i] = 1.0 }\n}\n"),
            "line 2, column 12: expected '0' (every range starts at 0), found '1'");
  EXPECT_EQ(parse_error(h + "  y[0] = select(x[0], 1.0, 2.0)\n}\n"),
            "line 2, column 17: expected a bool select condition, found 'x'");
  EXPECT_EQ(parse_error(h + "  y[0] = foo(x[0])\n}\n"), "line 2, column 10: expected a known operation, found 'foo'");
  EXPECT_EQ(parse_error(h + "  y[0] = exp(x[0], x[1])\n}\n"),
            "line 2, column 10: expected 1 argument(s) to 'exp', got 2, found 'exp'");
  EXPECT_EQ(parse_error(h + "  y[0] = x\n}\n"),
            "line 2, column 10: expected '[' after tensor 'x' (rank-0 reads are 'x[]'), found 'x'");
  EXPECT_EQ(parse_error("kernel k(x: f33[4]) -> () {}"),
            "line 1, column 13: expected a dtype (f32 f64 i64 i32 i16 i8 u8 bool), found 'f33'");
  EXPECT_EQ(parse_error("kernel k(x: f32[4], x: f32[2]) -> () {}"),
            "line 1, column 21: tensor 'x' is declared twice, found 'x'");
  EXPECT_EQ(parse_error(h + "  map i in 0..4 { scan add j in 0..4 { y[j] += 1.0 } }\n}\n"),
            "line 2, column 45: expected '=' (a scan's combiner follows 'scan'), found '+='");
  EXPECT_EQ(parse_error(h + "  y[0] = 1e\n}\n"), "line 2, column 11: expected digits after the exponent 'e'");
  EXPECT_EQ(parse_error(h + "  y[0] = 1.0\n"), "line 3, column 1: expected a statement (map, fold, scan, "
                                               "'name = ...' or 'tensor[...] = ...'), found end of input");
  EXPECT_EQ(parse_error(h + "  n[0] = 9223372036854775808\n}\n"),
            "line 2, column 3: cannot store to input tensor 'n', found 'n'");
  EXPECT_EQ(parse_error("kernel k() -> (y: i64[]) { y[] = 9223372036854775808 }"),
            "line 1, column 34: expected an integer that fits in 64 bits, found '9223372036854775808'");
  EXPECT_EQ(parse_error("kernel k() -> (y: f32[]) { y[] = 1e999 }"),
            "line 1, column 34: expected a float in double range, found '1e999'");
  EXPECT_EQ(parse_error("kernel k() -> (y: bool[]) { y[] = 1:bool }"),
            "line 1, column 37: expected a numeric dtype (write true or false for bool), found 'bool'");
}

TEST(PatternTextErrors, ParseKernelWantsExactlyOne) {
  const std::string one = "kernel k() -> (y: f32[]) { y[] = 1.0 }\n";
  EXPECT_NO_THROW(parse_kernel(one));
  try {
    parse_kernel(one + one);
    FAIL() << "two kernels accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "line 2, column 1: expected end of input after the kernel, found 'kernel'");
  }
  EXPECT_THROW(parse_kernel(""), Error);
}

}  // namespace
}  // namespace tessera::pattern
