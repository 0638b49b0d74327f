#include "tessera/exec/executor.h"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "tessera/exec/contraction.h"
#include "tessera/exec/interp.h"
#include "tessera/support/error.h"

namespace tessera::exec {

namespace {
int g_threads = 0;
}

int num_threads() {
  if (g_threads > 0) return g_threads;
  for (const char* var : {"TESSERA_NUM_THREADS", "OMP_NUM_THREADS"})
    if (const char* v = std::getenv(var); v && std::atoi(v) > 0) return g_threads = std::atoi(v);
  return g_threads = std::max(1u, std::thread::hardware_concurrency());
}

void set_num_threads(int n) { g_threads = n; }

void run_kernel(const pattern::Kernel& k, const std::vector<Tensor>& params) {
  std::vector<Tensor> all = params;  // shares storage
  size_t p = 0;
  for (const auto& d : k.tensors) {
    if (d.role == pattern::Role::Local) {
      all.emplace_back(d.dtype, d.shape);
      continue;
    }
    TESSERA_CHECK(p < params.size(), "kernel {}: too few params", k.name);
    const Tensor& t = params[p++];
    TESSERA_CHECK(t.dtype() == d.dtype && t.shape() == d.shape, "kernel {}: param {} is {}{}, declared {}{}",
                  k.name, d.name, dtype_name(t.dtype()), shape_str(t.shape()), dtype_name(d.dtype),
                  shape_str(d.shape));
  }
  TESSERA_CHECK(p == params.size(), "kernel {}: too many params", k.name);
  std::vector<Binding> bindings;
  for (auto& t : all) bindings.push_back(bind(t));
  run_with_contractions(k, bindings);
}

namespace {

void check_inputs(const pattern::Program& p, const std::map<std::string, Tensor>& inputs) {
  std::vector<std::string> missing;
  for (int32_t id : p.inputs) {
    const auto& t = p.tensors[id];
    auto it = inputs.find(t.name);
    if (it == inputs.end()) {
      missing.push_back(fmt::format("'{}' ({}{})", t.name, dtype_name(t.dtype), shape_str(t.shape)));
      continue;
    }
    if (it->second.dtype() != t.dtype || it->second.shape() != t.shape)
      fail("input '{}' is {}{} but the model expects {}{}", t.name, dtype_name(it->second.dtype()),
           shape_str(it->second.shape()), dtype_name(t.dtype), shape_str(t.shape));
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    fail("missing model input{} {}; pass each as --input NAME=FILE.npy", missing.size() > 1 ? "s" : "", list);
  }
  for (const auto& [name, t] : inputs) {
    bool known = false;
    for (int32_t id : p.inputs) known = known || p.tensors[id].name == name;
    if (!known) fail("'{}' is not an input of this model", name);
  }
}

bool reads(const pattern::Expr& e, pattern::TensorId t) {
  if (e.kind == pattern::ExprKind::Read && e.tensor == t) return true;
  for (const auto& a : e.args)
    if (reads(*a, t)) return true;
  return false;
}

// True when the kernel stores every element of `t` exactly once before
// anything could read it: one map over t's shape holding lets and one plain
// store `t[i0,...,in] = ...`, and no read of t. Its zero-fill can be skipped.
bool overwrites(const pattern::Kernel& k, pattern::TensorId t) {
  if (k.body.size() != 1 || k.body[0].kind != pattern::StmtKind::Map) return false;
  const pattern::Stmt& m = k.body[0];
  const Shape& shape = k.tensors[static_cast<size_t>(t)].shape;
  if (m.iters.size() != shape.size()) return false;
  int stores = 0;
  for (const auto& s : m.body) {
    if (s.kind == pattern::StmtKind::Let) {
      if (reads(*s.value, t)) return false;
      continue;
    }
    if (s.kind != pattern::StmtKind::Store || s.combine || s.tensor != t || reads(*s.value, t)) return false;
    for (size_t d = 0; d < shape.size(); ++d) {
      const pattern::Expr& ix = *s.index[d];
      if (ix.kind != pattern::ExprKind::Index || ix.var != m.iters[d].var || m.iters[d].extent != shape[d])
        return false;
    }
    ++stores;
  }
  return stores == 1;
}

}  // namespace

std::map<std::string, Tensor> run_program(const pattern::Program& p, const std::map<std::string, Tensor>& inputs,
                                          const Progress& progress) {
  RunHooks hooks;
  hooks.progress = progress;
  return run_program(p, inputs, hooks);
}

std::map<std::string, Tensor> run_program(const pattern::Program& p, const std::map<std::string, Tensor>& inputs,
                                          const RunHooks& hooks) {
  const Progress& progress = hooks.progress;
  check_inputs(p, inputs);
  // Keep freed tensors in the heap: models allocate and free the same large
  // sizes kernel after kernel, and fresh pages from the OS cost page faults.
  static const bool heap_tuned = [] {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    return true;
  }();
  (void)heap_tuned;
  std::vector<Tensor> values(p.tensors.size());
  for (size_t i = 0; i < p.tensors.size(); ++i)
    if (p.tensors[i].constant) values[i] = *p.tensors[i].constant;
  for (int32_t id : p.inputs) values[id] = inputs.at(p.tensors[id].name);
  for (const auto& t : p.tensors)
    if (t.parameter && !t.constant)
      fail("weight '{}' has no values (a built-in model's weights are not materialised); "
           "load it with driver::load_model_for_execution, or export it with 'tessera zoo export'", t.name);
  // Free each intermediate after its last use.
  std::vector<int64_t> last_use(p.tensors.size(), -1);
  for (size_t c = 0; c < p.calls.size(); ++c)
    for (int32_t a : p.calls[c].args) last_use[a] = static_cast<int64_t>(c);
  std::set<int32_t> keep(p.outputs.begin(), p.outputs.end());
  // TESSERA_PROFILE=1 prints the slowest kernels on stderr.
  std::optional<std::vector<std::pair<double, size_t>>> profile;
  if (std::getenv("TESSERA_PROFILE")) profile.emplace();
  std::optional<pattern::Kernel> mapped;  // the hook's kernel for the current call
  for (size_t c = 0; c < p.calls.size(); ++c) {
    const auto& call = p.calls[c];
    if (call.view) {
      const int32_t src = call.args.front(), dst = call.args.back();
      TESSERA_CHECK(values[src].valid(), "view {} of '{}' before it is computed", call.kernel.name, p.tensors[src].name);
      values[dst] = values[src].reshaped(p.tensors[dst].shape);
      for (int32_t a : call.args)
        if (last_use[a] == static_cast<int64_t>(c) && !keep.count(a) && !p.tensors[a].constant) values[a] = Tensor();
      continue;
    }
    std::vector<Tensor> params;
    size_t k = 0;
    const pattern::Kernel& run = hooks.kernel_for ? mapped.emplace(hooks.kernel_for(c)) : call.kernel;
    for (size_t i = 0; i < call.kernel.tensors.size(); ++i) {
      const auto& d = call.kernel.tensors[i];
      if (d.role == pattern::Role::Local) continue;
      const int32_t id = call.args[k++];
      if (d.role == pattern::Role::Out)
        values[id] = overwrites(run, static_cast<pattern::TensorId>(i)) ? Tensor::uninitialized(d.dtype, d.shape)
                                                                         : Tensor(d.dtype, d.shape);
      TESSERA_CHECK(values[id].valid(), "kernel {} reads '{}' before it is computed", call.kernel.name,
                    p.tensors[id].name);
      params.push_back(values[id]);
    }
    const auto t0 = std::chrono::steady_clock::now();
    run_kernel(run, params);
    if (hooks.on_output) {
      size_t a = 0;
      for (const auto& d : call.kernel.tensors)
        if (d.role != pattern::Role::Local) {
          if (d.role == pattern::Role::Out) hooks.on_output(values[call.args[a]]);
          ++a;
        }
    }
    if (profile)
      profile->push_back({std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), c});
    for (int32_t a : call.args)
      if (last_use[a] == static_cast<int64_t>(c) && !keep.count(a) && !p.tensors[a].constant) values[a] = Tensor();
    if (progress) progress(c + 1, p.calls.size());
  }
  if (profile) {
    std::sort(profile->rbegin(), profile->rend());
    double total = 0;
    for (const auto& [t, c] : *profile) total += t;
    fmt::print(stderr, "profile: {} kernels, {:.3f} s\n", profile->size(), total);
    for (size_t i = 0; i < std::min<size_t>(profile->size(), 15); ++i) {
      const auto& call = p.calls[(*profile)[i].second];
      fmt::print(stderr, "  {:8.3f} ms  {:<10} {} ({})\n", (*profile)[i].first * 1e3, call.kernel.name, call.node, call.op);
    }
  }
  std::map<std::string, Tensor> out;
  for (int32_t id : p.outputs) {
    TESSERA_CHECK(values[id].valid(), "output '{}' was never computed", p.tensors[id].name);
    out[p.tensors[id].name] = values[id];
  }
  return out;
}

}  // namespace tessera::exec
