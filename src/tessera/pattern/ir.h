// Pattern IR: every graph op becomes a kernel, a tree of parallel patterns over
// integer index domains (all ranges start at 0) whose bodies are scalar
// expression DAGs reading tensors at affine or data-dependent indices.
//
//   Map   `map i in 0..8, j in 0..4 { ... }`   iterations are independent
//   Fold  `fold t in 0..T { ... }`             iterations run in order; later ones
//                                              may read what earlier ones stored
//   Let   `m = <expr>`                         scalar binding, visible to later
//                                              statements of the same body and nested ones
//   Store `y[i,j] = <expr>`, or with a combiner `y[k[i],j] += <expr>` (also
//         `*=`, `max=`, `min=`): a group-by fold / scatter-reduce
//   Scan  `scan add j in 0..n { y[i,j] = <expr> }`: y holds the running
//         combination (inclusive; `scan exclusive add` stores it before combining)
//   Reduce (an expression) `reduce add k in 0..K, l in 0..L { <expr> }`
//
// Outputs and locals are zero-filled before a kernel runs. Reads and stores
// must stay in bounds: lowering guards padding with `select`.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tessera/support/tensor.h"

namespace tessera::pattern {

using VarId = int32_t;     // index into Kernel::vars
using TensorId = int32_t;  // index into Kernel::tensors

enum class UnOp : uint8_t {
  Neg, Abs, Sqrt, Exp, Log, Tanh, Sigmoid, Erf, Floor, Ceil, Round /* half to even */, Sign,
  Not, Recip, Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Asinh, Acosh, Atanh, IsNaN, IsInf
};
enum class BinOp : uint8_t {
  Add, Sub, Mul, Div /* ints truncate */, Mod /* sign of divisor */, FMod /* sign of dividend */,
  Pow, Min, Max, Eq, Ne, Lt, Le, Gt, Ge, And, Or, Xor
};
enum class ReduceOp : uint8_t { Add, Mul, Max, Min };

const char* name(UnOp op);
const char* name(BinOp op);
const char* name(ReduceOp op);
bool is_comparison(BinOp op);  // Eq..Ge: result is bool

struct Iter {
  VarId var = -1;
  int64_t extent = 0;  // the range is 0..extent
  bool operator==(const Iter&) const = default;
};

enum class ExprKind : uint8_t { Const, Index, Ref, Read, Unary, Binary, Select, Cast, Reduce };

struct Expr;
using ExprP = std::shared_ptr<const Expr>;

struct Expr {
  ExprKind kind = ExprKind::Const;
  DType dtype = DType::F32;
  double fval = 0;          // Const with a float dtype
  int64_t ival = 0;         // Const with an integer or bool dtype
  VarId var = -1;           // Index (a loop or reduce variable) / Ref (a Let)
  TensorId tensor = -1;     // Read
  UnOp un = UnOp::Neg;      // Unary
  BinOp bin = BinOp::Add;   // Binary
  ReduceOp red = ReduceOp::Add;  // Reduce
  std::vector<Iter> iters;  // Reduce
  // Read: index expressions (i64). Unary/Cast: operand. Binary: lhs, rhs.
  // Select: cond (bool), then, else. Reduce: body.
  std::vector<ExprP> args;
};

// A contraction: a reduce-add whose body is a product (matmul, conv, einsum).
bool is_contraction(const Expr& e);

enum class StmtKind : uint8_t { Map, Fold, Let, Store, Scan };

struct Stmt {
  StmtKind kind = StmtKind::Map;
  std::vector<Iter> iters;          // Map, Fold; Scan: exactly one
  std::vector<Stmt> body;           // Map, Fold
  VarId var = -1;                   // Let
  ExprP value;                      // Let, Store, Scan
  TensorId tensor = -1;             // Store, Scan
  std::vector<ExprP> index;         // Store, Scan
  std::optional<ReduceOp> combine;  // Store: scatter-reduce combiner; Scan: its operator
  bool exclusive = false;           // Scan
};

enum class Role : uint8_t { In, Out, Local };

struct TensorDecl {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
  Role role = Role::In;
};

struct Kernel {
  std::string name;
  std::vector<TensorDecl> tensors;  // params (In, Out) in signature order, then locals
  std::vector<std::string> vars;    // names of loop, reduce and let variables (unique)
  std::vector<Stmt> body;
};

// A program: the model's tensors and a sequence of kernel calls.
struct ProgramTensor {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
  std::optional<Tensor> constant;  // weights / folded constants
  bool is_input = false;
  bool is_output = false;
  bool parameter = false;  // a weight whose values are not materialised
};

struct KernelCall {
  Kernel kernel;
  std::string op;              // the graph op it came from (for reports)
  std::string node;            // the graph node's name
  std::vector<int32_t> args;   // ProgramTensor ids, one per In/Out param in order
  std::string phase;           // the node's training phase ("", "fwd", "bwd", "opt")
  // The output holds the first input's elements in the same row-major order
  // (Reshape, Flatten, Squeeze, Unsqueeze, Identity): an executor may alias it.
  bool view = false;
};

struct Program {
  std::vector<ProgramTensor> tensors;
  std::vector<KernelCall> calls;
  std::vector<int32_t> inputs, outputs;  // ProgramTensor ids in graph order
};

// Text form (see the header comment). parse(print(k)) == k.
std::string print(const Kernel& k);
std::string print(const Program& p);
// Throws Error with line:column on malformed text.
Kernel parse_kernel(const std::string& text);
std::vector<Kernel> parse_kernels(const std::string& text);
// Structural equality (expression DAGs compared as trees).
bool equal(const Kernel& a, const Kernel& b);
bool equal(const Expr& a, const Expr& b);
// Checks types, var scoping, index arity, param roles; throws InternalError naming the kernel.
void verify(const Kernel& k);

}  // namespace tessera::pattern
