#include "tessera/sim/check_inputs.h"

#include <algorithm>
#include <map>

#include "tessera/support/error.h"

namespace tessera::sim {
namespace {

using pattern::Expr;
using pattern::ExprKind;
using pattern::Stmt;
using pattern::StmtKind;

// One kernel call seen from the program: kernel tensor -> program tensor
// (-1: local), and each let variable's value.
struct CallView {
  const pattern::KernelCall& call;
  std::vector<int32_t> program;
  std::map<pattern::VarId, const Expr*> lets;
  explicit CallView(const pattern::KernelCall& c) : call(c), program(c.kernel.tensors.size(), -1) {
    size_t a = 0;
    for (size_t t = 0; t < c.kernel.tensors.size() && a < c.args.size(); ++t)
      if (c.kernel.tensors[t].role != pattern::Role::Local) program[t] = c.args[a++];
    find_lets(c.kernel.body);
  }
  void find_lets(const std::vector<Stmt>& body) {
    for (const Stmt& s : body) {
      if (s.kind == StmtKind::Let && s.value) lets[s.var] = s.value.get();
      find_lets(s.body);
    }
  }
  const Expr* let(const Expr& ref) const {
    const auto it = lets.find(ref.var);
    return it == lets.end() ? nullptr : it->second;
  }
};

// Reads whose value `e` passes on unchanged but for casts, selects and lets
// (a Select's condition is not passed on; its branches are).
void passed_reads(const CallView& v, const Expr& e, std::vector<const Expr*>& out, int depth = 0) {
  if (depth > 64) return;  // let chains are short; this only guards against a cycle
  switch (e.kind) {
    case ExprKind::Read: out.push_back(&e); break;
    case ExprKind::Cast: passed_reads(v, *e.args[0], out, depth + 1); break;
    case ExprKind::Ref:
      if (const Expr* value = v.let(e)) passed_reads(v, *value, out, depth + 1);
      break;
    case ExprKind::Select:
      passed_reads(v, *e.args[1], out, depth + 1);
      passed_reads(v, *e.args[2], out, depth + 1);
      break;
    default: break;
  }
}

// Reads of integer tensors anywhere inside an index expression (through lets).
void index_reads(const CallView& v, const Expr& e, std::vector<const Expr*>& out, int depth = 0) {
  if (depth > 64) return;
  if (e.kind == ExprKind::Read && !is_float(e.dtype)) out.push_back(&e);
  if (e.kind == ExprKind::Ref)
    if (const Expr* value = v.let(e)) index_reads(v, *value, out, depth + 1);
  for (const auto& a : e.args) index_reads(v, *a, out, depth + 1);
}

class Bounds {
 public:
  explicit Bounds(const pattern::Program& p) : p_(p), bound_(p.tensors.size(), kNoIndexBound) {}

  std::vector<int64_t> run() {
    // Consumers before producers, so a stored tensor's bound is known when
    // the kernel that stores it hands it on to what it read.
    for (auto c = p_.calls.rbegin(); c != p_.calls.rend(); ++c) {
      const CallView v(*c);
      if (c->view && c->args.size() >= 2) lower(c->args.front(), bound_[static_cast<size_t>(c->args.back())]);
      walk(v, c->kernel.body);
    }
    return std::move(bound_);
  }

 private:
  void lower(int32_t t, int64_t b) {
    if (t >= 0) bound_[static_cast<size_t>(t)] = std::min(bound_[static_cast<size_t>(t)], b);
  }

  void walk(const CallView& v, const std::vector<Stmt>& body) {
    for (const Stmt& s : body) {
      if (s.value) expr(v, *s.value);
      for (const auto& i : s.index) expr(v, *i);
      if (s.kind == StmtKind::Store && s.value && s.tensor >= 0) {
        const int32_t stored = v.program[static_cast<size_t>(s.tensor)];
        if (stored >= 0 && bound_[static_cast<size_t>(stored)] != kNoIndexBound) {
          std::vector<const Expr*> from;
          passed_reads(v, *s.value, from);
          for (const Expr* r : from) lower(v.program[static_cast<size_t>(r->tensor)], bound_[static_cast<size_t>(stored)]);
        }
      }
      walk(v, s.body);
    }
  }

  // Every read's index expressions: an integer tensor read inside the index
  // of dimension d of tensor Y is bounded by Y's extent in d.
  void expr(const CallView& v, const Expr& e) {
    if (e.kind == ExprKind::Read) {
      const Shape& shape = v.call.kernel.tensors[static_cast<size_t>(e.tensor)].shape;
      for (size_t d = 0; d < e.args.size() && d < shape.size(); ++d) {
        std::vector<const Expr*> reads;
        index_reads(v, *e.args[d], reads);
        for (const Expr* r : reads) lower(v.program[static_cast<size_t>(r->tensor)], shape[d]);
      }
    }
    for (const auto& a : e.args) expr(v, *a);
  }

  const pattern::Program& p_;
  std::vector<int64_t> bound_;
};

uint64_t next(uint64_t& s) {  // splitmix64
  uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Tensor random_input(const pattern::ProgramTensor& t, int64_t bound, uint64_t& state) {
  Tensor x(t.dtype, t.shape);
  const uint64_t range = static_cast<uint64_t>(bound == kNoIndexBound ? 4 : std::max<int64_t>(bound, 1));
  for (int64_t i = 0; i < x.size(); ++i) {
    const uint64_t r = next(state);
    if (is_float(t.dtype)) x.set_f64(i, static_cast<double>(r >> 11) / 9007199254740992.0 * 2.0 - 1.0);
    else x.set_i64(i, static_cast<int64_t>(r % range));
  }
  return x;
}

}  // namespace

std::vector<int64_t> index_bounds(const pattern::Program& p) { return Bounds(p).run(); }

std::map<std::string, Tensor> check_inputs(const pattern::Program& p, uint64_t seed,
                                           const std::map<std::string, Tensor>& given) {
  std::string names;
  for (int32_t id : p.inputs) names += (names.empty() ? "" : ", ") + p.tensors[static_cast<size_t>(id)].name;
  for (const auto& [name, t] : given) {
    const bool known = std::any_of(p.inputs.begin(), p.inputs.end(),
                                   [&, &n = name](int32_t id) { return p.tensors[static_cast<size_t>(id)].name == n; });
    if (!known) fail("--input {}: the model has no input named '{}'; its inputs are {}", name, name, names.empty() ? "none" : names);
  }
  const std::vector<int64_t> bounds = index_bounds(p);
  uint64_t state = seed;
  std::map<std::string, Tensor> inputs;
  for (int32_t id : p.inputs) {
    const pattern::ProgramTensor& t = p.tensors[static_cast<size_t>(id)];
    // Drawn even when given, so that one given input leaves the others' values as they were.
    Tensor drawn = random_input(t, bounds[static_cast<size_t>(id)], state);
    const auto g = given.find(t.name);
    inputs[t.name] = g != given.end() ? g->second : std::move(drawn);
  }
  return inputs;
}

}  // namespace tessera::sim
