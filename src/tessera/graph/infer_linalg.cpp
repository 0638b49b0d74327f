// Shape and type inference for MatMul, Gemm and Einsum, plus the Einsum
// equation parser shared with lower/linalg.cpp.
#include "tessera/graph/infer_linalg.h"

#include <algorithm>
#include <set>

#include "tessera/graph/infer.h"
#include "tessera/support/error.h"

namespace tessera::graph {
namespace {

void check_same_dtype(const Value& a, const Value& b, const Node& n) {
  if (a.dtype != b.dtype)
    fail("{}: inputs '{}' ({}) and '{}' ({}) must have the same element type; insert a Cast", n.describe(),
         a.name, dtype_name(a.dtype), b.name, dtype_name(b.dtype));
}

void check_matmul_dtype(const Value& a, const Node& n) {
  DType t = a.dtype;
  if (t != DType::F32 && t != DType::F64 && t != DType::I32 && t != DType::I64)
    fail("{}: element type {} is not supported (use f32, f64, i32 or i64)", n.describe(), dtype_name(t));
}

// NumPy matmul: 1-D operands are promoted to matrices and the added dim removed
// from the result; leading (batch) dims broadcast.
void infer_matmul(Graph& g, const Node& n) {
  check_arity(g, n, 2, 2);
  const Value& a = need_input(g, n, 0);
  const Value& b = need_input(g, n, 1);
  check_same_dtype(a, b, n);
  check_matmul_dtype(a, n);
  if (a.shape.empty() || b.shape.empty())
    fail("{}: operands must have rank >= 1, got {} and {}", n.describe(), shape_str(a.shape), shape_str(b.shape));
  Shape sa = a.shape.size() == 1 ? Shape{1, a.shape[0]} : a.shape;
  Shape sb = b.shape.size() == 1 ? Shape{b.shape[0], 1} : b.shape;
  const int64_t k_a = sa.back(), k_b = sb[sb.size() - 2];
  if (k_a != k_b)
    fail("{}: inner dimensions do not match: {} x {} (the last dim of A must equal the second-to-last of B)",
         n.describe(), shape_str(a.shape), shape_str(b.shape));
  Shape out = broadcast(Shape(sa.begin(), sa.end() - 2), Shape(sb.begin(), sb.end() - 2), n);
  if (a.shape.size() > 1) out.push_back(sa[sa.size() - 2]);
  if (b.shape.size() > 1) out.push_back(sb.back());
  set_output(g, n, 0, a.dtype, out);
}

void infer_gemm(Graph& g, const Node& n) {
  check_arity(g, n, 2, 3);
  const Value& a = need_input(g, n, 0);
  const Value& b = need_input(g, n, 1);
  check_same_dtype(a, b, n);
  check_matmul_dtype(a, n);
  if (a.shape.size() != 2 || b.shape.size() != 2)
    fail("{}: A and B must be matrices, got {} and {}", n.describe(), shape_str(a.shape), shape_str(b.shape));
  const bool ta = n.attr_int("transA", 0) != 0, tb = n.attr_int("transB", 0) != 0;
  const int64_t m = ta ? a.shape[1] : a.shape[0], ka = ta ? a.shape[0] : a.shape[1];
  const int64_t kb = tb ? b.shape[1] : b.shape[0], nn = tb ? b.shape[0] : b.shape[1];
  if (ka != kb)
    fail("{}: inner dimensions do not match: A {} (transA={}) and B {} (transB={})", n.describe(),
         shape_str(a.shape), ta, shape_str(b.shape), tb);
  if (const Value* c = g.input(n, 2)) {
    check_same_dtype(a, *c, n);
    const Shape out{m, nn};
    if (c->shape.size() > 2 || broadcast(c->shape, out, n) != out)
      fail("{}: C {} cannot be broadcast to the output shape {}", n.describe(), shape_str(c->shape), shape_str(out));
  }
  set_output(g, n, 0, a.dtype, {m, nn});
}

int label_of(char c) { return c >= 'A' && c <= 'Z' ? c - 'A' : c - 'a' + 26; }

// One term of an equation: letters as labels, an ellipsis as -1.
std::vector<int> parse_term(const std::string& term, const std::string& eq, const Node& n) {
  std::vector<int> out;
  bool seen_ellipsis = false;
  for (size_t i = 0; i < term.size(); ++i) {
    const char c = term[i];
    if (c == '.') {
      if (term.compare(i, 3, "...") != 0 || seen_ellipsis)
        fail("{}: malformed ellipsis in Einsum equation '{}'", n.describe(), eq);
      seen_ellipsis = true;
      out.push_back(-1);
      i += 2;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      out.push_back(label_of(c));
    } else {
      fail("{}: unexpected character '{}' in Einsum equation '{}'", n.describe(), c, eq);
    }
  }
  return out;
}

// Expands the ellipsis of an operand term into `ellipsis_rank` broadcast labels.
std::vector<int> expand_term(const std::vector<int>& term, int64_t rank, int64_t max_ellipsis,
                             const std::string& eq, const Node& n) {
  const int64_t letters = std::count_if(term.begin(), term.end(), [](int l) { return l >= 0; });
  const bool has_ellipsis = letters != static_cast<int64_t>(term.size());
  const int64_t ell = rank - letters;
  if (ell < 0 || (!has_ellipsis && ell != 0))
    fail("{}: Einsum equation '{}' has a term with {} labels for an operand of rank {}", n.describe(), eq,
         letters, rank);
  std::vector<int> out;
  for (int l : term) {
    if (l >= 0) out.push_back(l);
    else
      for (int64_t j = 0; j < ell; ++j) out.push_back(static_cast<int>(kEllipsisLabel + max_ellipsis - ell + j));
  }
  return out;
}

void add_extent(EinsumSpec& s, int label, int64_t size, const std::string& eq, const Node& n) {
  auto [it, fresh] = s.extents.emplace(label, size);
  if (fresh || it->second == size || size == 1) return;
  if (it->second == 1) {
    it->second = size;
    return;
  }
  fail("{}: Einsum equation '{}' gives one label the sizes {} and {}", n.describe(), eq, it->second, size);
}

std::vector<int> implicit_output(const EinsumSpec& s, int64_t max_ellipsis) {
  std::vector<int> out;
  for (int64_t j = 0; j < max_ellipsis; ++j) out.push_back(static_cast<int>(kEllipsisLabel + j));
  std::map<int, int> count;
  for (const auto& in : s.inputs)
    for (int l : in) ++count[l];
  for (auto [l, c] : count)
    if (l < kEllipsisLabel && c == 1) out.push_back(l);
  return out;
}

std::vector<int> explicit_output(const std::string& rhs, const EinsumSpec& s, int64_t max_ellipsis,
                                 const std::string& eq, const Node& n) {
  std::vector<int> term = parse_term(rhs, eq, n);
  const bool has_ellipsis = std::count(term.begin(), term.end(), -1) != 0;
  if (max_ellipsis > 0 && !has_ellipsis)
    fail("{}: Einsum equation '{}' needs '...' in its output for the broadcast dims", n.describe(), eq);
  std::vector<int> out = expand_term(term, static_cast<int64_t>(term.size()) - has_ellipsis + max_ellipsis,
                                     max_ellipsis, eq, n);
  std::set<int> seen;
  for (int l : out) {
    if (!seen.insert(l).second) fail("{}: Einsum equation '{}' repeats an output label", n.describe(), eq);
    if (!s.extents.count(l))
      fail("{}: Einsum equation '{}' has an output label missing from the inputs", n.describe(), eq);
  }
  return out;
}

void infer_einsum(Graph& g, const Node& n) {
  const EinsumSpec s = parse_einsum(g, n);
  const Value& a = need_input(g, n, 0);
  if (a.dtype == DType::Bool) fail("{}: bool operands are not supported; Cast them to a number type", n.describe());
  Shape out;
  for (int l : s.output) out.push_back(s.extents.at(l));
  set_output(g, n, 0, a.dtype, out);
}

}  // namespace

std::vector<int> EinsumSpec::summed() const {
  std::set<int> in_out(output.begin(), output.end()), sums;
  for (const auto& in : inputs)
    for (int l : in)
      if (!in_out.count(l)) sums.insert(l);
  return {sums.begin(), sums.end()};
}

EinsumSpec parse_einsum(const Graph& g, const Node& n) {
  std::string eq;
  for (char c : n.attr_str("equation", "")) if (c != ' ') eq += c;
  if (eq.empty()) fail("{}: Einsum needs an 'equation' attribute", n.describe());
  const size_t arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);
  std::vector<std::string> terms(1);
  for (char c : lhs) {
    if (c == ',') terms.emplace_back();
    else terms.back() += c;
  }
  if (terms.size() > 2)
    fail("{}: Einsum equation '{}' has {} operands; Tessera supports one or two (split it into a chain of "
         "two-operand Einsums)", n.describe(), eq, terms.size());
  if (terms.size() != n.inputs.size())
    fail("{}: Einsum equation '{}' names {} operands but the node has {} inputs", n.describe(), eq, terms.size(),
         n.inputs.size());
  std::vector<std::vector<int>> parsed;
  int64_t max_ellipsis = 0;
  for (size_t k = 0; k < terms.size(); ++k) {
    parsed.push_back(parse_term(terms[k], eq, n));
    const int64_t letters = std::count_if(parsed[k].begin(), parsed[k].end(), [](int l) { return l >= 0; });
    max_ellipsis = std::max(max_ellipsis, static_cast<int64_t>(need_input(g, n, k).shape.size()) - letters);
  }
  EinsumSpec s;
  for (size_t k = 0; k < terms.size(); ++k) {
    const Value& v = need_input(g, n, k);
    if (k > 0) check_same_dtype(need_input(g, n, 0), v, n);
    s.inputs.push_back(expand_term(parsed[k], static_cast<int64_t>(v.shape.size()), max_ellipsis, eq, n));
    for (size_t d = 0; d < v.shape.size(); ++d) add_extent(s, s.inputs[k][d], v.shape[d], eq, n);
  }
  s.output = arrow == std::string::npos ? implicit_output(s, max_ellipsis)
                                        : explicit_output(eq.substr(arrow + 2), s, max_ellipsis, eq, n);
  return s;
}

void register_infer_linalg(InferTable& t) {
  t["MatMul"] = &infer_matmul;
  t["Gemm"] = &infer_gemm;
  t["Einsum"] = &infer_einsum;
}

}  // namespace tessera::graph
