// The vectorised Pattern IR interpreter. A leaf map (a map whose body holds
// only lets and stores) runs its last variable in chunks of kChunk, so every
// expression node is a tight loop over a chunk; other loops run one index at a
// time. A reduce evaluated outside a vector context vectorises over its own
// last variable. Reads and stores whose indices are affine in the loop
// variables become strided accesses; data-dependent ones are gathered and
// bounds-checked (an out-of-range index is an Error naming the kernel).
#pragma once

#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "tessera/exec/affine.h"
#include "tessera/exec/value.h"
#include "tessera/pattern/ir.h"
#include "tessera/support/tensor.h"

namespace tessera::exec {

struct Binding {
  void* data = nullptr;
  DType dtype = DType::F32;
  Shape shape;
  std::vector<int64_t> strides;
};
Binding bind(Tensor& t);


// Below this many points a statement is not worth a second thread.
constexpr int64_t kParallelWork = 1 << 15;

class Interpreter {
 public:
  Interpreter(const pattern::Kernel& k, std::vector<Binding> tensors);
  // A worker for another thread: same kernel, tensors and bindings; its own scratch.
  Interpreter(const Interpreter& other);
  Interpreter& operator=(const Interpreter&) = delete;
  // Runs a top-level statement, splitting independent map iterations over threads.
  void run_top_level(const pattern::Stmt& s, int threads);
  void run_body(const std::vector<pattern::Stmt>& body);
  void run_stmt(const pattern::Stmt& s);
  // Fills dst (row-major over `grid` vars, last fastest) with `e` evaluated at
  // every point; `fixed` vars must already be set with set_var.
  void fill_grid(const pattern::Expr& e, const std::vector<pattern::Iter>& grid, float* dst, int threads);
  void set_var(pattern::VarId v, int64_t value) { vars_[v] = value; }
  const pattern::Kernel& kernel() const { return kernel_; }
  const Binding& binding(pattern::TensorId t) const { return tensors_[static_cast<size_t>(t)]; }

 private:
  struct AccessPlan {
    bool affine = false;
    std::vector<Affine> dims;  // per tensor dim, when affine
  };
  Val eval(const pattern::Expr& e);
  Val eval_read(const pattern::Expr& e);
  Val eval_reduce(const pattern::Expr& e);
  struct GuardPlan {
    std::optional<Guard> guard;
  };
  const GuardPlan& guard_plan(const pattern::Expr& e);
  Val eval_guarded(const pattern::Expr& e, const Guard& g);
  // fill_grid's fast path for `read` and `select(guard, read, constant)`.
  bool is_guarded_read(const pattern::Expr& e);
  bool fill_row_fast(const pattern::Expr& e, pattern::Iter last, float* out);
  void run_map(const pattern::Stmt& s);
  void run_leaf_chunks(const pattern::Stmt& s);
  void run_leaf_items(const pattern::Stmt& s, int64_t lo, int64_t hi);
  void run_points(const pattern::Stmt& s, int64_t lo, int64_t hi);
  void set_chunk(pattern::VarId v, int64_t base, int64_t n);
  // Sets the first `count` iters' vars from a row-major linear index.
  int64_t decode_point(const std::vector<pattern::Iter>& iters, size_t count, int64_t linear);
  void parallel_for(int64_t items, int threads, const std::function<void(Interpreter&, int64_t, int64_t)>& fn);
  void run_store(const pattern::Stmt& s);
  void store_value(const pattern::Stmt& s, const Val& v, std::optional<pattern::ReduceOp> combine);
  void run_scan(const pattern::Stmt& s);
  const AccessPlan& plan(const void* key, const std::vector<pattern::ExprP>& index);
  // Offsets of an access; returns true and sets base/vstride when affine.
  bool affine_offsets(const AccessPlan& p, const Binding& b, int64_t& base, int64_t& vstride, const char* what,
                      pattern::TensorId t);
  int64_t* gathered_offsets(const std::vector<pattern::ExprP>& index, const Binding& b, bool& uniform,
                            const char* what, pattern::TensorId t);
  [[noreturn]] void out_of_bounds(pattern::TensorId t, size_t dim, int64_t idx, const char* what);

  const pattern::Kernel& kernel_;
  std::vector<Binding> tensors_;
  std::vector<int64_t> vars_;
  std::vector<Val> lets_;
  std::unordered_map<const void*, AccessPlan> plans_;
  std::unordered_map<const pattern::Expr*, GuardPlan> guards_;
  Arena arena_;
  pattern::VarId vvar_ = -1;  // the vectorised variable, or -1 (uniform context)
  int64_t vbase_ = 0, n_ = 1;
  std::vector<int64_t> iota_;  // vbase_ + k for the current chunk
  // fill_row_fast's last lookups (plans_ and guards_ never move their values).
  const pattern::Expr* fast_guard_key_ = nullptr;
  const Guard* fast_guard_ = nullptr;
  const pattern::Expr* fast_plan_key_ = nullptr;
  const AccessPlan* fast_plan_ = nullptr;
};

int64_t work_estimate(const pattern::Stmt& s);
// True when a map body's iterations can run on different threads (no
// scatter-combines, no folds, no stores to kernel locals).
bool parallel_safe(const std::vector<pattern::Stmt>& body, const pattern::Kernel& k);

}  // namespace tessera::exec
