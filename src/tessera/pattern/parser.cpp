// Pattern IR parser: reads the text form of docs/pattern-ir.md back into
// kernels. It rebuilds every expression dtype by the rules KernelBuilder uses
// and checks what verify() checks (scoping, dtypes, arity, roles), so malformed
// text is a user Error with "line L, column C: ..." and never reaches verify.
#include <charconv>
#include <cmath>
#include <limits>
#include <map>

#include "tessera/pattern/ir.h"
#include "tessera/pattern/text_lexer.h"
#include "tessera/support/error.h"

namespace tessera::pattern {
namespace {

using text::fail_at;
using text::Tok;
using text::Token;

ExprP make(Expr e) { return std::make_shared<const Expr>(std::move(e)); }

struct Binding {
  enum Kind : uint8_t { None, Loop, Let } kind = None;
  DType dtype = DType::I64;  // Let: the value's dtype
};

class Parser {
 public:
  explicit Parser(const std::string& text) : toks_(text::lex(text)) {}

  bool at_end() const { return peek().kind == Tok::End; }
  void expect_end() const {
    if (!at_end()) error_here("end of input after the kernel");
  }

  Kernel kernel() {
    k_ = Kernel{};
    tensor_ids_.clear();
    var_ids_.clear();
    bound_.clear();
    expect_word("kernel");
    k_.name = take_name("a kernel name");
    signature();
    expect("{");
    scopes_.assign(1, {});
    while (is_word("local")) {
      next();
      param(Role::Local);
    }
    while (!is("}")) statement(k_.body);
    next();
    verify(k_);  // the checks above mirror verify's; a failure here is a parser bug
    return std::move(k_);
  }

 private:
  // ---- tokens ----
  const Token& peek(size_t ahead = 0) const { return toks_[std::min(pos_ + ahead, toks_.size() - 1)]; }
  const Token& next() { return toks_[pos_ < toks_.size() - 1 ? pos_++ : pos_]; }
  bool is(const char* punct, size_t ahead = 0) const {
    return peek(ahead).kind == Tok::Punct && peek(ahead).text == punct;
  }
  bool is_word(const char* w, size_t ahead = 0) const {
    return peek(ahead).kind == Tok::Name && peek(ahead).text == w;
  }
  bool is_name(size_t ahead = 0) const { return peek(ahead).kind == Tok::Name || peek(ahead).kind == Tok::Quoted; }

  [[noreturn]] void error(const Token& t, const std::string& what) const {
    std::string found = t.kind == Tok::End ? "end of input"
                        : t.kind == Tok::Quoted ? fmt::format("\"{}\"", t.text)
                                                : fmt::format("'{}'", t.text);
    fail_at(t.line, t.col, fmt::format("{}, found {}", what, found));
  }
  [[noreturn]] void error_here(const std::string& what) const { error(peek(), "expected " + what); }

  // Nesting (blocks in blocks, operands in operands) is bounded, so that text
  // like 100,000 '-' signs is an error rather than a stack overflow here or in
  // any later walk of the tree.
  static constexpr int kMaxDepth = 200;
  struct Nested {
    Parser& p;
    explicit Nested(Parser& parser) : p(parser) {
      if (++p.depth_ > kMaxDepth)
        p.error(p.peek(), fmt::format("nesting deeper than {} levels (blocks or operands)", kMaxDepth));
    }
    ~Nested() { --p.depth_; }
    Nested(const Nested&) = delete;
    Nested& operator=(const Nested&) = delete;
  };

  void expect(const char* punct) {
    if (!is(punct)) error_here(fmt::format("'{}'", punct));
    next();
  }
  void expect_word(const char* w) {
    if (!is_word(w)) error_here(fmt::format("'{}'", w));
    next();
  }
  std::string take_name(const char* what) {
    if (!is_name()) error_here(what);
    return next().text;
  }
  int64_t integer(const char* what) {
    const Token& t = peek();
    int64_t v = 0;
    if (t.kind != Tok::Number) error_here(what);
    auto r = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
    if (r.ec != std::errc() || r.ptr != t.text.data() + t.text.size()) error_here(what);
    next();
    return v;
  }
  DType dtype() {
    if (peek().kind == Tok::Name)
      if (auto d = parse_dtype(peek().text)) {
        next();
        return *d;
      }
    error_here("a dtype (f32 f64 i64 i32 i16 i8 u8 bool)");
  }

  // ---- signature and declarations ----
  void signature() {
    expect("(");
    bool marked = false;
    while (!is(")")) {
      if (!k_.tensors.empty()) expect(",");
      const bool out = is_word("out") && is_name(1);
      if (out) next();
      marked = marked || out;
      param(out ? Role::Out : Role::In);
    }
    next();
    if (!is("->")) return;
    if (marked) error_here("no '->' after a parameter list that marks outputs with 'out'");
    next();
    expect("(");
    for (bool first = true; !is(")"); first = false) {
      if (!first) expect(",");
      param(Role::Out);
    }
    next();
  }

  void param(Role role) {
    const Token& at = peek();
    TensorDecl d;
    d.name = take_name("a tensor name");
    d.role = role;
    if (tensor_ids_.count(d.name)) error(at, fmt::format("tensor '{}' is declared twice", d.name));
    expect(":");
    d.dtype = dtype();
    expect("[");
    while (!is("]")) {
      if (!d.shape.empty()) expect(",");
      d.shape.push_back(integer("a dimension (a non-negative integer)"));
    }
    next();
    tensor_ids_[d.name] = static_cast<TensorId>(k_.tensors.size());
    k_.tensors.push_back(std::move(d));
  }

  // ---- variables and scopes ----
  VarId bind(const Token& at, const std::string& n, Binding b) {
    auto [it, fresh] = var_ids_.try_emplace(n, static_cast<VarId>(k_.vars.size()));
    if (fresh) {
      k_.vars.push_back(n);
      bound_.emplace_back();
    }
    Binding& slot = bound_[static_cast<size_t>(it->second)];
    if (slot.kind != Binding::None) error(at, fmt::format("variable '{}' is already bound here", n));
    slot = b;
    scopes_.back().push_back(it->second);
    return it->second;
  }
  void push_scope() { scopes_.emplace_back(); }
  void pop_scope() {
    for (VarId v : scopes_.back()) bound_[static_cast<size_t>(v)] = Binding{};
    scopes_.pop_back();
  }

  std::vector<Iter> iters() {
    std::vector<Iter> out;
    while (!is("{")) {
      if (!out.empty()) expect(",");
      const Token& at = peek();
      std::string n = take_name("a loop variable");
      expect_word("in");
      if (peek().kind != Tok::Number || peek().text != "0") error_here("'0' (every range starts at 0)");
      next();
      expect("..");
      const int64_t extent = integer("an extent (a non-negative integer)");
      out.push_back({bind(at, n, {Binding::Loop}), extent});
    }
    return out;
  }

  ReduceOp reduce_op() {
    for (auto op : {ReduceOp::Add, ReduceOp::Mul, ReduceOp::Max, ReduceOp::Min})
      if (is_word(name(op))) {
        next();
        return op;
      }
    error_here("a reduction (add mul max min)");
  }

  // ---- statements ----
  void statement(std::vector<Stmt>& out) {
    const Nested nested(*this);
    Stmt s;
    if (is_word("map") || is_word("fold")) {
      s.kind = next().text == "map" ? StmtKind::Map : StmtKind::Fold;
      push_scope();
      s.iters = iters();
      next();
      while (!is("}")) statement(s.body);
      next();
      pop_scope();
    } else if (is_word("scan")) {
      next();
      s.kind = StmtKind::Scan;
      s.exclusive = is_word("exclusive");
      if (s.exclusive) next();
      s.combine = reduce_op();
      push_scope();
      const Token& at = peek();
      s.iters = iters();
      if (s.iters.size() != 1) error(at, "expected exactly one scan variable");
      next();
      store(s);
      expect("}");
      pop_scope();
    } else if (is_name() && is("=", 1)) {
      const Token& at = next();
      next();
      s.kind = StmtKind::Let;
      s.value = expr();
      s.var = bind(at, at.text, {Binding::Let, s.value->dtype});
    } else if (is_name() && is("[", 1)) {
      s.kind = StmtKind::Store;
      store(s);
    } else {
      error_here("a statement (map, fold, scan, 'name = ...' or 'tensor[...] = ...')");
    }
    out.push_back(std::move(s));
  }

  // `t[idx] = e`, or with a combiner `+=` `*=` `max=` `min=` (not inside a scan).
  void store(Stmt& s) {
    const Token& at = peek();
    take_name("a tensor name");
    s.tensor = tensor_ref(at);
    const TensorDecl& d = k_.tensors[static_cast<size_t>(s.tensor)];
    if (d.role == Role::In) error(at, fmt::format("cannot store to input tensor '{}'", d.name));
    s.index = indices(d, at);
    const Token& op = next();
    std::optional<ReduceOp> combine;
    if (op.kind == Tok::Punct && (op.text == "+=" || op.text == "*="))
      combine = op.text == "+=" ? ReduceOp::Add : ReduceOp::Mul;
    else if (op.kind == Tok::Name && (op.text == "max" || op.text == "min") && is("="))
      combine = op.text == "max" ? ReduceOp::Max : ReduceOp::Min;
    else if (op.kind != Tok::Punct || op.text != "=") error(op, "expected '=', '+=', '*=', 'max=' or 'min='");
    if (s.kind == StmtKind::Scan && combine) error(op, "expected '=' (a scan's combiner follows 'scan')");
    if (combine == ReduceOp::Max || combine == ReduceOp::Min) next();
    if (s.kind == StmtKind::Store) s.combine = combine;
    const Token& vat = peek();
    s.value = expr();
    if (s.value->dtype != d.dtype)
      error(vat, fmt::format("expected a {} value for tensor '{}', this expression is {}", dtype_name(d.dtype),
                             d.name, dtype_name(s.value->dtype)));
  }

  TensorId tensor_ref(const Token& at) {
    auto it = tensor_ids_.find(at.text);
    if (it == tensor_ids_.end()) error(at, "expected a declared tensor");
    return it->second;
  }

  std::vector<ExprP> indices(const TensorDecl& d, const Token& at) {
    expect("[");
    std::vector<ExprP> out;
    while (!is("]")) {
      if (!out.empty()) expect(",");
      const Token& it = peek();
      out.push_back(expr());
      if (out.back()->dtype != DType::I64)
        error(it, fmt::format("expected an i64 index, this expression is {}", dtype_name(out.back()->dtype)));
    }
    next();
    if (out.size() != d.shape.size())
      error(at, fmt::format("expected {} indices for tensor '{}' of rank {}, got {}", d.shape.size(), d.name,
                            d.shape.size(), out.size()));
    return out;
  }

  // ---- expressions: precedence climbing, C-like levels ----
  ExprP expr(int min_prec = 1) {
    ExprP lhs = unary();
    for (;;) {
      const Token& op = peek();
      int prec = 0;
      BinOp bin = BinOp::Add;
      if (op.kind != Tok::Punct || !infix(op.text, &bin, &prec) || prec < min_prec) return lhs;
      next();
      ExprP rhs = expr(prec + 1);
      lhs = binary(op, bin, lhs, rhs);
    }
  }

  static bool infix(const std::string& t, BinOp* op, int* prec) {
    static const std::map<std::string, std::pair<BinOp, int>, std::less<>> kOps = {
        {"||", {BinOp::Or, 1}}, {"&&", {BinOp::And, 2}}, {"==", {BinOp::Eq, 3}}, {"!=", {BinOp::Ne, 3}},
        {"<", {BinOp::Lt, 4}},  {"<=", {BinOp::Le, 4}},  {">", {BinOp::Gt, 4}},  {">=", {BinOp::Ge, 4}},
        {"+", {BinOp::Add, 5}}, {"-", {BinOp::Sub, 5}},  {"*", {BinOp::Mul, 6}}, {"/", {BinOp::Div, 6}}};
    auto it = kOps.find(t);
    if (it == kOps.end()) return false;
    *op = it->second.first;
    *prec = it->second.second;
    return true;
  }

  ExprP binary(const Token& at, BinOp op, ExprP a, ExprP b) {
    if (a->dtype != b->dtype)
      error(at, fmt::format("expected operands of the same dtype, '{}' has {} and {}", at.text,
                            dtype_name(a->dtype), dtype_name(b->dtype)));
    Expr e;
    e.kind = ExprKind::Binary;
    e.bin = op;
    e.dtype = is_comparison(op) ? DType::Bool : a->dtype;
    e.args = {std::move(a), std::move(b)};
    return make(std::move(e));
  }

  ExprP unary_node(UnOp op, ExprP a) {
    Expr e;
    e.kind = ExprKind::Unary;
    e.un = op;
    e.dtype = (op == UnOp::IsNaN || op == UnOp::IsInf) ? DType::Bool : a->dtype;
    e.args = {std::move(a)};
    return make(std::move(e));
  }

  bool at_number(size_t ahead) const {
    const Token& t = peek(ahead);
    return t.kind == Tok::Number || (t.kind == Tok::Name && (t.text == "inf" || t.text == "nan"));
  }

  ExprP unary() {
    const Nested nested(*this);
    if (is("-") && at_number(1)) {  // `-2.5` is one constant, `-(2.5)` a negation
      next();
      return literal(true);
    }
    if (is("-") || is("!")) {
      const UnOp op = next().text == "-" ? UnOp::Neg : UnOp::Not;
      return unary_node(op, unary());
    }
    return primary();
  }

  ExprP literal(bool negative);
  ExprP primary();
  ExprP call(const Token& fn);
  ExprP variable(const Token& at);

  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
  Kernel k_;
  std::map<std::string, TensorId, std::less<>> tensor_ids_;
  std::map<std::string, VarId, std::less<>> var_ids_;
  std::vector<Binding> bound_;                // per var: its binding in the current scope
  std::vector<std::vector<VarId>> scopes_;    // vars bound by each open scope
};

// A number, `inf` or `nan`, optionally negative, with an optional `:dtype`.
ExprP Parser::literal(bool negative) {
  const Token& t = next();
  const bool is_float_text = t.kind == Tok::Name || t.text.find_first_of(".eE") != std::string::npos;
  Expr e;
  e.kind = ExprKind::Const;
  e.dtype = is_float_text ? DType::F32 : DType::I64;
  if (is(":")) {
    next();
    const Token& at = peek();
    e.dtype = dtype();
    if (e.dtype == DType::Bool) error(at, "expected a numeric dtype (write true or false for bool)");
    if (is_float_text && !is_float(e.dtype)) error(at, fmt::format("expected a float dtype for '{}'", t.text));
  }
  if (is_float(e.dtype)) {
    if (t.text == "inf") e.fval = std::numeric_limits<double>::infinity();
    else if (t.text == "nan") e.fval = std::numeric_limits<double>::quiet_NaN();
    else if (std::from_chars(t.text.data(), t.text.data() + t.text.size(), e.fval).ec != std::errc())
      error(t, "expected a float in double range");  // from_chars, unlike strtod, ignores the locale
    if (negative) e.fval = -e.fval;
    return make(std::move(e));
  }
  uint64_t mag = 0;
  auto r = std::from_chars(t.text.data(), t.text.data() + t.text.size(), mag);
  const uint64_t limit = uint64_t{1} << 63;
  if (r.ec != std::errc() || mag > limit || (!negative && mag == limit))
    error(t, "expected an integer that fits in 64 bits");
  e.ival = negative ? static_cast<int64_t>(0 - mag) : static_cast<int64_t>(mag);
  return make(std::move(e));
}

ExprP Parser::primary() {
  const Token& t = peek();
  if (at_number(0)) return literal(false);
  if (is_word("true") || is_word("false")) {
    Expr e;
    e.kind = ExprKind::Const;
    e.dtype = DType::Bool;
    e.ival = next().text == "true";
    return make(std::move(e));
  }
  if (is("(")) {
    next();
    ExprP e = expr();
    expect(")");
    return e;
  }
  if (is_word("reduce")) {
    next();
    Expr e;
    e.kind = ExprKind::Reduce;
    e.red = reduce_op();
    push_scope();
    e.iters = iters();
    next();
    e.args = {expr()};
    e.dtype = e.args[0]->dtype;
    expect("}");
    pop_scope();
    return make(std::move(e));
  }
  if (t.kind == Tok::Name && is("(", 1)) return call(next());
  if (is_word("cast") && is("<", 1)) {
    next();
    next();
    Expr e;
    e.kind = ExprKind::Cast;
    e.dtype = dtype();
    expect(">");
    expect("(");
    e.args = {expr()};
    expect(")");
    return make(std::move(e));
  }
  if (!is_name()) error_here("an expression");
  const Token& at = next();
  if (!is("[")) return variable(at);
  Expr e;
  e.kind = ExprKind::Read;
  e.tensor = tensor_ref(at);
  const TensorDecl& d = k_.tensors[static_cast<size_t>(e.tensor)];
  e.dtype = d.dtype;
  e.args = indices(d, at);
  return make(std::move(e));
}

ExprP Parser::variable(const Token& at) {
  auto it = var_ids_.find(at.text);
  const Binding* b = it == var_ids_.end() ? nullptr : &bound_[static_cast<size_t>(it->second)];
  if (!b || b->kind == Binding::None) {
    if (tensor_ids_.count(at.text)) error(at, fmt::format("expected '[' after tensor '{}' (rank-0 reads are '{}[]')", at.text, at.text));
    error(at, fmt::format("expected a variable bound here, '{}' is not", at.text));
  }
  Expr e;
  e.kind = b->kind == Binding::Loop ? ExprKind::Index : ExprKind::Ref;
  e.dtype = b->kind == Binding::Loop ? DType::I64 : b->dtype;
  e.var = it->second;
  return make(std::move(e));
}

// `exp(x)`, `max(a, b)`, `select(c, a, b)`: ops by their pattern::name.
ExprP Parser::call(const Token& fn) {
  next();  // (
  std::vector<std::pair<Token, ExprP>> args;
  while (!is(")")) {
    if (!args.empty()) expect(",");
    const Token& at = peek();
    args.emplace_back(at, expr());
  }
  next();
  auto arity = [&](size_t n) {
    if (args.size() != n) error(fn, fmt::format("expected {} argument(s) to '{}', got {}", n, fn.text, args.size()));
  };
  if (fn.text == "select") {
    arity(3);
    if (args[0].second->dtype != DType::Bool) error(args[0].first, "expected a bool select condition");
    if (args[1].second->dtype != args[2].second->dtype)
      error(args[2].first, fmt::format("expected select arms of the same dtype, got {} and {}",
                                       dtype_name(args[1].second->dtype), dtype_name(args[2].second->dtype)));
    Expr e;
    e.kind = ExprKind::Select;
    e.dtype = args[1].second->dtype;
    for (auto& a : args) e.args.push_back(a.second);
    return make(std::move(e));
  }
  for (int i = 0; i <= static_cast<int>(UnOp::IsInf); ++i)
    if (fn.text == name(static_cast<UnOp>(i))) {
      arity(1);
      return unary_node(static_cast<UnOp>(i), args[0].second);
    }
  for (int i = 0; i <= static_cast<int>(BinOp::Xor); ++i)
    if (fn.text == name(static_cast<BinOp>(i))) {
      arity(2);
      return binary(fn, static_cast<BinOp>(i), args[0].second, args[1].second);
    }
  error(fn, "expected a known operation");
}

}  // namespace

Kernel parse_kernel(const std::string& text) {
  Parser p(text);
  Kernel k = p.kernel();
  p.expect_end();
  return k;
}

std::vector<Kernel> parse_kernels(const std::string& text) {
  Parser p(text);
  std::vector<Kernel> out;
  while (!p.at_end()) out.push_back(p.kernel());
  return out;
}

}  // namespace tessera::pattern
