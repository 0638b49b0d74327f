// Bank-conflict factors from the access strides of each kernel (see access.h).
#include "tessera/sim/access.h"

#include <algorithm>
#include <map>
#include <set>

#include "tessera/sim/common.h"
#include "tessera/support/error.h"

namespace tessera::sim {
namespace {

using pattern::BinOp;
using pattern::Expr;
using pattern::ExprKind;
using pattern::Stmt;
using pattern::StmtKind;
using pattern::VarId;
using Lets = std::map<VarId, const Expr*>;

constexpr int kMaxLetDepth = 32;

bool mentions(const Expr& e, VarId v, const Lets& lets, int depth = 0) {
  if (depth > kMaxLetDepth) return true;
  if (e.kind == ExprKind::Index) return e.var == v;
  if (e.kind == ExprKind::Ref) {
    auto it = lets.find(e.var);
    return it != lets.end() && mentions(*it->second, v, lets, depth + 1);
  }
  return std::any_of(e.args.begin(), e.args.end(), [&](const auto& a) { return mentions(*a, v, lets, depth); });
}

// Coefficient of v in an index expression; nullopt when it is not affine in v.
std::optional<int64_t> coefficient(const Expr& e, VarId v, const Lets& lets, int depth = 0) {
  if (!mentions(e, v, lets, depth)) return 0;
  switch (e.kind) {
    case ExprKind::Index:
      return 1;
    case ExprKind::Ref: {
      if (depth >= kMaxLetDepth) return std::nullopt;
      return coefficient(*lets.at(e.var), v, lets, depth + 1);
    }
    case ExprKind::Cast:
      return coefficient(*e.args[0], v, lets, depth);
    case ExprKind::Unary: {
      if (e.un != pattern::UnOp::Neg) return std::nullopt;
      auto c = coefficient(*e.args[0], v, lets, depth);
      return c ? std::optional<int64_t>(-*c) : std::nullopt;
    }
    case ExprKind::Binary: {
      const Expr& l = *e.args[0];
      const Expr& r = *e.args[1];
      if (e.bin == BinOp::Add || e.bin == BinOp::Sub) {
        auto a = coefficient(l, v, lets, depth), b = coefficient(r, v, lets, depth);
        if (!a || !b) return std::nullopt;
        return e.bin == BinOp::Add ? *a + *b : *a - *b;
      }
      if (e.bin == BinOp::Mul) {
        const bool left_has = mentions(l, v, lets, depth);
        const Expr& k = left_has ? r : l;
        if (k.kind != ExprKind::Const) return std::nullopt;
        auto c = coefficient(left_has ? l : r, v, lets, depth);
        return c ? std::optional<int64_t>(*c * k.ival) : std::nullopt;
      }
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

void collect_reads(const Expr& e, std::vector<const Expr*>& out) {
  if (e.kind == ExprKind::Read) out.push_back(&e);
  for (const auto& a : e.args) collect_reads(*a, out);
}

// Walks one kernel, recording the worst factor per In-parameter tensor.
class KernelAccess {
 public:
  KernelAccess(const pattern::Kernel& k, const compile::Chip& chip, const arch::ArchSpec& a)
      : k_(k), chip_(chip), a_(a) {
    int in = 0;
    for (size_t t = 0; t < k.tensors.size(); ++t)
      if (k.tensors[t].role == pattern::Role::In) in_position_[static_cast<int>(t)] = in++;
    factors_.assign(in, 1.0);
  }

  std::vector<double> run() {
    walk(k_.body, -1);
    return factors_;
  }

 private:
  double factor(const Expr& read, VarId lane_var) const {
    if (lane_var < 0) return 1.0;
    const Shape& shape = k_.tensors[read.tensor].shape;
    std::optional<int64_t> stride = 0;
    int64_t step = 1;
    for (size_t d = shape.size(); d-- > 0;) {
      const auto c = d < read.args.size() ? coefficient(*read.args[d], lane_var, lets_) : std::optional<int64_t>(0);
      if (!c)
        return conflict_factor(std::nullopt, bytes_of(read), chip_.pcu_lanes, a_.pmu.banks, word_bytes(),
                               a_.pmu.transpose);
      *stride += *c * step;
      step *= shape[d];
    }
    return conflict_factor(stride, bytes_of(read), chip_.pcu_lanes, a_.pmu.banks, word_bytes(), a_.pmu.transpose);
  }

  int bytes_of(const Expr& read) const {
    const DType t = k_.tensors[read.tensor].dtype;
    return is_float(t) ? chip_.element_bytes : static_cast<int>(dtype_size(t));
  }
  int word_bytes() const { return std::max(1, a_.pcu.lane_bits / 8); }

  void record(const Expr& read, double f) {
    auto it = in_position_.find(read.tensor);
    if (it != in_position_.end()) factors_[it->second] = std::max(factors_[it->second], f);
  }

  // Reads under a reduce: the lanes take the map's variable or the reduce's
  // innermost one, whichever gives the smaller worst factor.
  void visit(const Expr& e, VarId lane_var) {
    if (e.kind == ExprKind::Reduce && !e.iters.empty()) {
      std::vector<const Expr*> reads;
      collect_reads(*e.args[0], reads);
      VarId best = lane_var;
      double best_worst = 1e30;
      for (VarId v : {lane_var, e.iters.back().var}) {
        double worst = 1.0;
        for (const Expr* r : reads) worst = std::max(worst, factor(*r, v));
        if (worst < best_worst) best_worst = worst, best = v;
      }
      for (const Expr* r : reads) record(*r, factor(*r, best));
      return;
    }
    if (e.kind == ExprKind::Read) record(e, factor(e, lane_var));
    for (const auto& a : e.args) visit(*a, lane_var);
  }

  void walk(const std::vector<Stmt>& body, VarId lane_var) {
    const Lets saved = lets_;
    for (const Stmt& s : body) {
      switch (s.kind) {
        case StmtKind::Map:
          walk(s.body, s.iters.empty() ? lane_var : s.iters.back().var);
          break;
        case StmtKind::Fold:
          walk(s.body, lane_var);
          break;
        case StmtKind::Let:
          visit(*s.value, lane_var);
          lets_[s.var] = s.value.get();
          break;
        case StmtKind::Store:
        case StmtKind::Scan:
          for (const auto& i : s.index) visit(*i, lane_var);
          visit(*s.value, lane_var);
          break;
      }
    }
    lets_ = saved;
  }

  const pattern::Kernel& k_;
  const compile::Chip& chip_;
  const arch::ArchSpec& a_;
  std::map<int, int> in_position_;  // kernel tensor id -> index among In params
  std::vector<double> factors_;
  Lets lets_;
};

}  // namespace

double conflict_factor(std::optional<int64_t> stride_elements, int element_bytes, int lanes, int banks, int word_bytes,
                       bool transpose) {
  if (banks <= 1 || lanes <= 1) return 1.0;
  if (!stride_elements) return std::min<double>(kRandomConflictFactor, std::min(lanes, banks));
  const int64_t s = *stride_elements < 0 ? -*stride_elements : *stride_elements;
  if (s == 0 || transpose) return 1.0;
  std::map<int64_t, std::set<int64_t>> words_by_bank;
  std::set<int64_t> words;
  for (int64_t l = 0; l < lanes; ++l) {
    const int64_t word = l * s * element_bytes / word_bytes;
    words.insert(word);
    words_by_bank[word % banks].insert(word);
  }
  size_t busiest = 0;
  for (const auto& [bank, w] : words_by_bank) busiest = std::max(busiest, w.size());
  const double ideal = static_cast<double>((words.size() + banks - 1) / banks);
  return static_cast<double>(busiest) / ideal;
}

AccessFacts analyze_access(const pattern::Program& p, const compile::SpatialProgram& sp, const arch::ArchSpec& a) {
  AccessFacts f;
  f.conflict.resize(sp.kernels.size());
  for (size_t k = 0; k < sp.kernels.size(); ++k) {
    const compile::KernelPlan& kp = sp.kernels[k];
    TESSERA_CHECK(kp.call >= 0 && kp.call < static_cast<int>(p.calls.size()), "kernel {} has call {} of {}", kp.name,
                  kp.call, p.calls.size());
    if (kp.view) {
      f.conflict[k].assign(kp.inputs.size(), 1.0);
      continue;
    }
    f.conflict[k] = KernelAccess(p.calls[kp.call].kernel, sp.chip, a).run();
    TESSERA_CHECK(f.conflict[k].size() == kp.inputs.size(), "kernel {}: {} inputs, {} access factors", kp.name,
                  kp.inputs.size(), f.conflict[k].size());
  }
  return f;
}

}  // namespace tessera::sim
