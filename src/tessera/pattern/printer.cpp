// Pattern IR printer: the text form of docs/pattern-ir.md. The output is
// canonical (one spelling per kernel) and parses back to an equal kernel, so
// it parenthesises by precedence, spells float constants with the shortest
// text that re-reads as the same double, and quotes names that are not plain
// identifiers or that collide with a keyword.
#include <array>
#include <cmath>
#include <string_view>

#include "tessera/pattern/ir.h"
#include "tessera/support/error.h"

namespace tessera::pattern {
namespace {

constexpr std::array<std::string_view, 14> kKeywords = {
    "kernel", "local", "map", "fold", "scan", "exclusive", "reduce",
    "select", "cast",  "in",  "true", "false", "inf",      "nan"};

// Precedence levels; a bigger number binds tighter.
constexpr int kPrecUnary = 7;
constexpr int kPrecPrimary = 8;

bool is_plain_name(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s)
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
      return false;
  for (auto kw : kKeywords)
    if (s == kw) return false;
  return true;
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') out += fmt::format("\\{}", c);
    else if (u < 0x20 || u == 0x7f) out += fmt::format("\\x{:02x}", u);
    else out += c;
  }
  return out + "\"";
}

std::string name_text(std::string_view s) { return is_plain_name(s) ? std::string(s) : quoted(s); }

std::string float_text(double v) {
  if (std::isnan(v)) return std::signbit(v) ? "-nan" : "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  std::string s = fmt::format("{}", v);  // shortest text that reads back as v
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string const_text(const Expr& e) {
  if (e.dtype == DType::Bool) return e.ival != 0 ? "true" : "false";
  std::string s = is_float(e.dtype) ? float_text(e.fval) : fmt::format("{}", e.ival);
  if (e.dtype != DType::F32 && e.dtype != DType::I64) s += fmt::format(":{}", dtype_name(e.dtype));
  return s;
}

// Infix spelling and precedence of a binary op; nullptr for ops printed as calls.
const char* infix(BinOp op, int* prec) {
  switch (op) {
    case BinOp::Or: *prec = 1; return "||";
    case BinOp::And: *prec = 2; return "&&";
    case BinOp::Eq: *prec = 3; return "==";
    case BinOp::Ne: *prec = 3; return "!=";
    case BinOp::Lt: *prec = 4; return "<";
    case BinOp::Le: *prec = 4; return "<=";
    case BinOp::Gt: *prec = 4; return ">";
    case BinOp::Ge: *prec = 4; return ">=";
    case BinOp::Add: *prec = 5; return "+";
    case BinOp::Sub: *prec = 5; return "-";
    case BinOp::Mul: *prec = 6; return "*";
    case BinOp::Div: *prec = 6; return "/";
    default: *prec = kPrecPrimary; return nullptr;
  }
}

int precedence(const Expr& e) {
  int p = kPrecPrimary;
  if (e.kind == ExprKind::Binary) infix(e.bin, &p);
  if (e.kind == ExprKind::Unary && (e.un == UnOp::Neg || e.un == UnOp::Not)) p = kPrecUnary;
  return p;
}

const char* combine_text(ReduceOp op) {
  switch (op) {
    case ReduceOp::Add: return "+=";
    case ReduceOp::Mul: return "*=";
    case ReduceOp::Max: return "max=";
    case ReduceOp::Min: return "min=";
  }
  return "?=";
}

class KernelPrinter {
 public:
  explicit KernelPrinter(const Kernel& k) : k_(k) {}

  std::string run() {
    out_ = fmt::format("kernel {}(", name_text(k_.name));
    signature();
    out_ += " {\n";
    for (const auto& t : k_.tensors)
      if (t.role == Role::Local) out_ += fmt::format("  local {}\n", decl(t));
    body(k_.body, 1);
    out_ += "}\n";
    return std::move(out_);
  }

 private:
  std::string decl(const TensorDecl& t) const {
    return fmt::format("{}: {}{}", name_text(t.name), dtype_name(t.dtype), shape_str(t.shape));
  }

  // `(ins) -> (outs)` when inputs precede outputs (always, for lowered
  // kernels); otherwise one list with `out` marking outputs, to keep order.
  void signature() {
    bool ordered = true, seen_out = false;
    for (const auto& t : k_.tensors) {
      if (t.role == Role::Out) seen_out = true;
      if (t.role == Role::In && seen_out) ordered = false;
    }
    const char* sep = "";
    for (const auto& t : k_.tensors) {
      if (t.role == Role::Local || (ordered && t.role == Role::Out)) continue;
      out_ += fmt::format("{}{}{}", sep, t.role == Role::Out ? "out " : "", decl(t));
      sep = ", ";
    }
    out_ += ")";
    if (!ordered) return;
    out_ += " -> (";
    sep = "";
    for (const auto& t : k_.tensors) {
      if (t.role != Role::Out) continue;
      out_ += fmt::format("{}{}", sep, decl(t));
      sep = ", ";
    }
    out_ += ")";
  }

  std::string var(VarId v) const {
    if (v < 0 || static_cast<size_t>(v) >= k_.vars.size()) return fmt::format("\"<var {}>\"", v);
    return name_text(k_.vars[static_cast<size_t>(v)]);
  }
  std::string tensor(TensorId t) const {
    if (t < 0 || static_cast<size_t>(t) >= k_.tensors.size()) return fmt::format("\"<tensor {}>\"", t);
    return name_text(k_.tensors[static_cast<size_t>(t)].name);
  }

  void iters(const std::vector<Iter>& its) {
    const char* sep = " ";
    for (const auto& it : its) {
      out_ += fmt::format("{}{} in 0..{}", sep, var(it.var), it.extent);
      sep = ", ";
    }
  }

  void index(TensorId t, const std::vector<ExprP>& idx) {
    out_ += tensor(t) + "[";
    for (size_t i = 0; i < idx.size(); ++i) {
      if (i) out_ += ",";
      expr(idx[i], 0);
    }
    out_ += "]";
  }

  void call(const char* fn, const std::vector<ExprP>& args) {
    out_ += fn;
    out_ += "(";
    for (size_t i = 0; i < args.size(); ++i) {
      if (i) out_ += ", ";
      expr(args[i], 0);
    }
    out_ += ")";
  }

  // Prints e, in parentheses when it binds looser than min_prec.
  void expr(const ExprP& p, int min_prec) {
    if (!p) {
      out_ += "\"<null>\"";
      return;
    }
    const Expr& e = *p;
    const bool paren = precedence(e) < min_prec;
    if (paren) out_ += "(";
    expr_body(e);
    if (paren) out_ += ")";
  }

  void expr_body(const Expr& e) {
    switch (e.kind) {
      case ExprKind::Const: out_ += const_text(e); return;
      case ExprKind::Index:
      case ExprKind::Ref: out_ += var(e.var); return;
      case ExprKind::Read: index(e.tensor, e.args); return;
      case ExprKind::Unary: unary(e); return;
      case ExprKind::Binary: binary(e); return;
      case ExprKind::Select: call("select", e.args); return;
      case ExprKind::Cast: call(fmt::format("cast<{}>", dtype_name(e.dtype)).c_str(), e.args); return;
      case ExprKind::Reduce:
        out_ += fmt::format("reduce {}", name(e.red));
        iters(e.iters);
        out_ += " { ";
        if (!e.args.empty()) expr(e.args[0], 0);
        out_ += " }";
        return;
    }
  }

  void unary(const Expr& e) {
    if (e.un != UnOp::Neg && e.un != UnOp::Not) return call(name(e.un), e.args);
    out_ += e.un == UnOp::Neg ? "-" : "!";
    const ExprP& a = e.args.empty() ? nullptr : e.args[0];
    // `-2.0` would read back as one constant, so a negated number keeps its parentheses.
    const bool number = a && a->kind == ExprKind::Const && a->dtype != DType::Bool;
    expr(a, number ? kPrecPrimary + 1 : kPrecUnary);
  }

  void binary(const Expr& e) {
    int prec = 0;
    const char* op = infix(e.bin, &prec);
    if (!op || e.args.size() != 2) return call(name(e.bin), e.args);
    expr(e.args[0], prec);  // left-associative: only the right side needs
    out_ += fmt::format(" {} ", op);
    expr(e.args[1], prec + 1);  // parentheses at equal precedence
  }

  void line(int depth) { out_.append(static_cast<size_t>(depth) * 2, ' '); }

  void body(const std::vector<Stmt>& stmts, int depth) {
    for (const auto& s : stmts) stmt(s, depth);
  }

  void stmt(const Stmt& s, int depth) {
    line(depth);
    switch (s.kind) {
      case StmtKind::Map:
      case StmtKind::Fold:
        out_ += s.kind == StmtKind::Map ? "map" : "fold";
        iters(s.iters);
        out_ += " {\n";
        body(s.body, depth + 1);
        line(depth);
        out_ += "}\n";
        return;
      case StmtKind::Let:
        out_ += var(s.var) + " = ";
        expr(s.value, 0);
        break;
      case StmtKind::Store:
        index(s.tensor, s.index);
        out_ += fmt::format(" {} ", s.combine ? combine_text(*s.combine) : "=");
        expr(s.value, 0);
        break;
      case StmtKind::Scan:
        out_ += fmt::format("scan {}{}", s.exclusive ? "exclusive " : "",
                            s.combine ? name(*s.combine) : "<none>");
        iters(s.iters);
        out_ += " { ";
        index(s.tensor, s.index);
        out_ += " = ";
        expr(s.value, 0);
        out_ += " }";
        break;
    }
    out_ += "\n";
  }

  const Kernel& k_;
  std::string out_;
};

std::string id_list(const std::vector<int32_t>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) s += fmt::format("{}%{}", i ? ", " : "", ids[i]);
  return s;
}

// `call k(%0, %1) -> (%2)`: args split like the kernel's signature.
std::string call_line(const KernelCall& c) {
  std::vector<int32_t> in, out;
  std::string mixed;
  size_t a = 0;
  bool ordered = true;
  for (const auto& t : c.kernel.tensors) {
    if (t.role == Role::Local || a >= c.args.size()) continue;
    const int32_t id = c.args[a++];
    if (t.role == Role::In && !out.empty()) ordered = false;
    (t.role == Role::In ? in : out).push_back(id);
    mixed += fmt::format("{}{}%{}", mixed.empty() ? "" : ", ", t.role == Role::Out ? "out " : "", id);
  }
  for (; a < c.args.size(); ++a) in.push_back(c.args[a]);  // more args than params: show them all
  std::string s = ordered ? fmt::format("call {}({}) -> ({})", name_text(c.kernel.name), id_list(in), id_list(out))
                          : fmt::format("call {}({})", name_text(c.kernel.name), mixed);
  return s + fmt::format("  # {} {}{}\n", c.op, quoted(c.node), c.view ? " (view)" : "");
}

}  // namespace

std::string print(const Kernel& k) { return KernelPrinter(k).run(); }

std::string print(const Program& p) {
  std::string out = "program {\n";
  for (size_t i = 0; i < p.tensors.size(); ++i) {
    const auto& t = p.tensors[i];
    out += fmt::format("  %{} {}: {}{}{}{}{}\n", i, quoted(t.name), dtype_name(t.dtype), shape_str(t.shape),
                       t.constant ? " const" : (t.parameter ? " param" : ""), t.is_input ? " input" : "", t.is_output ? " output" : "");
  }
  out += fmt::format("  inputs ({})\n  outputs ({})\n}}\n", id_list(p.inputs), id_list(p.outputs));
  for (const auto& c : p.calls) out += "\n" + call_line(c) + print(c.kernel);
  return out;
}

}  // namespace tessera::pattern
