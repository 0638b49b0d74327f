// The reverse sweep. Only nodes on a path from a `wrt` value to an output are
// differentiated; gradients reaching a value from several consumers are
// summed. Missing rules are found before anything is appended.
#include "tessera/autodiff/autodiff.h"

#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tessera/autodiff/emitter.h"
#include "tessera/support/error.h"

namespace tessera::autodiff {

const GradTable& grad_table() {
  static const GradTable table = [] {
    GradTable t;
    register_grad_elementwise(t);
    register_grad_linalg(t);
    register_grad_shape(t);
    register_grad_reduce(t);
    register_grad_norm(t);
    register_grad_conv(t);
    register_grad_index(t);
    register_grad_rnn(t);
    return t;
  }();
  return table;
}

bool has_rule(const std::string& op) { return grad_table().count(op) != 0; }

bool differentiable(const graph::Value& v) { return is_float(v.dtype); }

bool trainable(const graph::Value& v) { return is_float(v.dtype) && (v.initializer || v.parameter); }

namespace {

// Values that depend on a `wrt` value (through float values).
std::vector<bool> forward_reach(const graph::Graph& g, size_t first_node, const std::vector<ValueId>& wrt) {
  std::vector<bool> r(g.values.size(), false);
  for (ValueId v : wrt) r[v] = true;
  for (size_t idx = first_node; idx < g.nodes.size(); ++idx) {
    const graph::Node& n = g.nodes[idx];
    bool any = false;
    for (ValueId i : n.inputs) any = any || (i != graph::kNoValue && r[i] && differentiable(g.value(i)));
    if (!any) continue;
    for (ValueId o : n.outputs)
      if (o != graph::kNoValue && differentiable(g.value(o))) r[o] = true;
  }
  return r;
}

// Values some output depends on.
std::vector<bool> backward_reach(const graph::Graph& g, size_t first_node, const std::vector<ValueId>& outputs) {
  std::vector<bool> r(g.values.size(), false);
  for (ValueId v : outputs) r[v] = true;
  for (auto it = g.nodes.rbegin(); it != g.nodes.rend() - static_cast<std::ptrdiff_t>(first_node); ++it) {
    bool any = false;
    for (ValueId o : it->outputs) any = any || (o != graph::kNoValue && r[o]);
    if (!any) continue;
    for (ValueId i : it->inputs)
      if (i != graph::kNoValue) r[i] = true;
  }
  return r;
}

// The sweep over g.nodes[first_node..]; kNoValue for a `wrt` value no
// gradient reaches.
std::vector<ValueId> sweep(Emitter& e, size_t first_node, const std::vector<ValueId>& outputs,
                           const std::vector<ValueId>& seeds, const std::vector<ValueId>& wrt) {
  graph::Graph& g = e.graph();
  TESSERA_CHECK(outputs.size() == seeds.size(), "backward: {} outputs, {} seeds", outputs.size(), seeds.size());
  const std::vector<bool> from = forward_reach(g, first_node, wrt);
  const std::vector<bool> to = backward_reach(g, first_node, outputs);
  auto on_path = [&](const graph::Node& n) {
    bool in = false, out = false;
    for (ValueId i : n.inputs) in = in || (i != graph::kNoValue && from[i] && differentiable(g.value(i)));
    for (ValueId o : n.outputs) out = out || (o != graph::kNoValue && to[o] && from[o]);
    return in && out;
  };

  // Every operator without a rule, with the first node using it.
  std::map<std::string, std::string> missing;
  for (size_t idx = first_node; idx < g.nodes.size(); ++idx) {
    const graph::Node& n = g.nodes[idx];
    if (on_path(n) && !has_rule(n.op) && !missing.count(n.op)) missing[n.op] = n.describe();
  }
  if (!missing.empty()) {
    std::vector<std::string> items;
    for (const auto& [op, first] : missing) items.push_back(fmt::format("{} (first: {})", op, first));
    fail("no gradient rule for {} operator{}: {}; Tessera cannot differentiate through {}", missing.size(),
         missing.size() == 1 ? "" : "s", fmt::join(items, ", "), missing.size() == 1 ? "it" : "them");
  }

  std::vector<ValueId> grad(g.values.size(), graph::kNoValue);
  auto accumulate = [&](ValueId v, ValueId d) {
    if (d == graph::kNoValue) return;
    grad.resize(g.values.size(), graph::kNoValue);
    TESSERA_CHECK(g.value(d).shape == g.value(v).shape, "gradient of '{}' is {} but the value is {}", g.value(v).name,
                  shape_str(g.value(d).shape), shape_str(g.value(v).shape));
    if (g.value(d).dtype != g.value(v).dtype) d = e.cast(d, g.value(v).dtype);
    grad[v] = grad[v] == graph::kNoValue ? d : e.add(grad[v], d);
  };
  for (size_t k = 0; k < outputs.size(); ++k)
    if (from[outputs[k]] && differentiable(g.value(outputs[k]))) accumulate(outputs[k], seeds[k]);

  // Walk a copy of the forward nodes: rules append to g.nodes.
  const size_t forward_nodes = g.nodes.size();
  for (size_t idx = forward_nodes; idx-- > first_node;) {
    const graph::Node n = g.nodes[idx];
    if (!on_path(n)) continue;
    std::vector<ValueId> dy;
    bool any = false;
    for (ValueId o : n.outputs) {
      const ValueId d = o == graph::kNoValue || o >= static_cast<ValueId>(grad.size()) ? graph::kNoValue : grad[o];
      dy.push_back(d);
      any = any || d != graph::kNoValue;
    }
    if (!any) continue;
    e.set_origin(n.name.empty() ? n.op : n.name);
    std::vector<ValueId> dx = grad_table().at(n.op)(e, n, dy);
    TESSERA_CHECK(dx.size() <= n.inputs.size(), "{}: gradient rule returned {} gradients for {} inputs",
                  n.describe(), dx.size(), n.inputs.size());
    for (size_t k = 0; k < dx.size(); ++k) {
      const ValueId i = n.inputs[k];
      if (i == graph::kNoValue || dx[k] == graph::kNoValue || !from[i] || !differentiable(g.value(i))) continue;
      accumulate(i, dx[k]);
    }
  }

  std::vector<ValueId> result;
  for (ValueId w : wrt) result.push_back(w < static_cast<ValueId>(grad.size()) ? grad[w] : graph::kNoValue);
  return result;
}

}  // namespace

std::vector<ValueId> backward(graph::Graph& g, const std::vector<ValueId>& outputs, const std::vector<ValueId>& seeds,
                              const std::vector<ValueId>& wrt, const std::string& phase) {
  Emitter e(g, phase, "grad");
  std::vector<ValueId> result = sweep(e, 0, outputs, seeds, wrt);
  e.set_origin("");
  for (size_t k = 0; k < wrt.size(); ++k)
    if (result[k] == graph::kNoValue) result[k] = e.zeros(g.value(wrt[k]).shape, g.value(wrt[k]).dtype);
  return result;
}

std::vector<ValueId> backward_subgraph(Emitter& e, size_t first_node, const std::vector<ValueId>& outputs,
                                       const std::vector<ValueId>& seeds, const std::vector<ValueId>& wrt) {
  const std::string origin = e.origin();
  std::vector<ValueId> result = sweep(e, first_node, outputs, seeds, wrt);
  e.set_origin(origin);
  return result;
}

}  // namespace tessera::autodiff
