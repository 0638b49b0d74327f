#include "tessera/graph/graph.h"

#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tessera/support/error.h"

namespace tessera::graph {

int64_t Node::attr_int(const std::string& key, int64_t fallback) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return fallback;
  if (auto* v = std::get_if<int64_t>(&it->second)) return *v;
  if (auto* v = std::get_if<double>(&it->second)) {
    // Range-check before the cast: NaN or |v| >= 2^63 would be undefined behaviour.
    if (*v >= -9.2233720368547758e18 && *v < 9.2233720368547758e18) return static_cast<int64_t>(*v);
    fail("{}: attribute '{}' is {}, which is not a usable integer; re-export the model", describe(), key, *v);
  }
  fail("{}: attribute '{}' should be an integer", describe(), key);
}

double Node::attr_float(const std::string& key, double fallback) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return fallback;
  if (auto* v = std::get_if<double>(&it->second)) return *v;
  if (auto* v = std::get_if<int64_t>(&it->second)) return static_cast<double>(*v);
  fail("{}: attribute '{}' should be a float", describe(), key);
}

std::string Node::attr_str(const std::string& key, const std::string& fallback) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return fallback;
  if (auto* v = std::get_if<std::string>(&it->second)) return *v;
  fail("{}: attribute '{}' should be a string", describe(), key);
}

std::vector<int64_t> Node::attr_ints(const std::string& key, std::vector<int64_t> fallback) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return fallback;
  if (auto* v = std::get_if<std::vector<int64_t>>(&it->second)) return *v;
  if (auto* v = std::get_if<int64_t>(&it->second)) return {*v};
  fail("{}: attribute '{}' should be a list of integers", describe(), key);
}

std::vector<double> Node::attr_floats(const std::string& key, std::vector<double> fallback) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return fallback;
  if (auto* v = std::get_if<std::vector<double>>(&it->second)) return *v;
  if (auto* v = std::get_if<double>(&it->second)) return {*v};
  fail("{}: attribute '{}' should be a list of floats", describe(), key);
}

std::string Node::describe() const {
  return name.empty() ? fmt::format("{} node", op) : fmt::format("{} node '{}'", op, name);
}

ValueId Graph::add_value(Value v) {
  values.push_back(std::move(v));
  return static_cast<ValueId>(values.size() - 1);
}

std::optional<ValueId> Graph::find(const std::string& n) const {
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i].name == n) return static_cast<ValueId>(i);
  return std::nullopt;
}

const Value* Graph::input(const Node& n, size_t k) const {
  if (k >= n.inputs.size() || n.inputs[k] == kNoValue) return nullptr;
  return &value(n.inputs[k]);
}

void remove_dead_nodes(Graph& g) {
  std::vector<bool> live(g.values.size(), false);
  for (ValueId o : g.outputs) live[static_cast<size_t>(o)] = true;
  std::vector<bool> keep(g.nodes.size(), false);
  for (size_t k = g.nodes.size(); k-- > 0;) {
    const Node& n = g.nodes[k];
    for (ValueId o : n.outputs) keep[k] = keep[k] || (o != kNoValue && live[static_cast<size_t>(o)]);
    if (!keep[k]) continue;
    for (ValueId i : n.inputs)
      if (i != kNoValue) live[static_cast<size_t>(i)] = true;
  }
  std::vector<Node> kept;
  for (size_t k = 0; k < g.nodes.size(); ++k)
    if (keep[k]) kept.push_back(std::move(g.nodes[k]));
  g.nodes = std::move(kept);
}

int64_t normalize_axis(int64_t axis, int64_t rank, const Node& n) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
    fail("{}: axis {} is out of range for a rank-{} tensor", n.describe(), axis, rank);
  return axis < 0 ? axis + rank : axis;
}

namespace {

std::string attr_text(const Attr& a) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, double>) return fmt::format("{}", v);
        else if constexpr (std::is_same_v<T, std::string>) return fmt::format("\"{}\"", v);
        else if constexpr (std::is_same_v<T, Tensor>)
          return fmt::format("tensor<{}{}>", dtype_name(v.dtype()), shape_str(v.shape()));
        else return fmt::format("[{}]", fmt::join(v, ","));
      },
      a);
}

std::string value_text(const Value& v) {
  return fmt::format("%{}: {}{}", v.name, dtype_name(v.dtype), v.shape_known ? shape_str(v.shape) : "[?]");
}

}  // namespace

std::string print(const Graph& g) {
  std::string out = fmt::format("graph {} (opset {}) {{\n", g.name, g.opset);
  for (ValueId id : g.inputs) out += fmt::format("  input {}\n", value_text(g.value(id)));
  for (const Value& v : g.values)
    if (v.constant || v.parameter) out += fmt::format("  {} {}\n", v.constant ? "const" : "param", value_text(v));
  for (const Node& n : g.nodes) {
    std::vector<std::string> outs, ins;
    for (ValueId o : n.outputs) outs.push_back(o == kNoValue ? "_" : value_text(g.value(o)));
    for (ValueId i : n.inputs) ins.push_back(i == kNoValue ? "_" : "%" + g.value(i).name);
    std::string attrs;
    for (const auto& [k, a] : n.attrs) attrs += fmt::format("{}{}={}", attrs.empty() ? " {" : ", ", k, attr_text(a));
    if (!attrs.empty()) attrs += "}";
    const std::string phase = n.phase.empty() ? "" : fmt::format("  @{}", n.phase);
    out += fmt::format("  {} = {}({}){}{}\n", fmt::join(outs, ", "), n.op, fmt::join(ins, ", "), attrs, phase);
  }
  std::vector<std::string> outs;
  for (ValueId o : g.outputs) outs.push_back("%" + g.value(o).name);
  out += fmt::format("  return {}\n", fmt::join(outs, ", "));
  for (const auto& [in, upd] : g.state)
    out += fmt::format("  state %{} <- %{}\n", g.value(in).name, g.value(upd).name);
  out += "}\n";
  return out;
}

void verify(const Graph& g) {
  const auto n_values = static_cast<ValueId>(g.values.size());
  std::vector<bool> defined(g.values.size(), false);
  for (ValueId id : g.inputs) {
    TESSERA_CHECK(id >= 0 && id < n_values, "graph input id {} out of range", id);
    defined[id] = true;
  }
  for (ValueId i = 0; i < n_values; ++i)
    if (g.values[i].constant || g.values[i].parameter) defined[i] = true;
  for (const Node& n : g.nodes) {
    for (ValueId i : n.inputs) {
      if (i == kNoValue) continue;
      TESSERA_CHECK(i >= 0 && i < n_values, "{}: input id {} out of range", n.describe(), i);
      TESSERA_CHECK(defined[i], "{}: input '{}' used before definition", n.describe(), g.values[i].name);
    }
    for (ValueId o : n.outputs) {
      if (o == kNoValue) continue;  // an omitted optional output
      TESSERA_CHECK(o >= 0 && o < n_values, "{}: output id {} out of range", n.describe(), o);
      TESSERA_CHECK(!defined[o], "{}: value '{}' defined twice", n.describe(), g.values[o].name);
      defined[o] = true;
    }
  }
  for (ValueId o : g.outputs) TESSERA_CHECK(o >= 0 && o < n_values && defined[o], "graph output {} undefined", o);
  std::set<ValueId> inputs(g.inputs.begin(), g.inputs.end()), outputs(g.outputs.begin(), g.outputs.end());
  for (const auto& [in, upd] : g.state) {
    TESSERA_CHECK(inputs.count(in) && outputs.count(upd), "state pair ({}, {}) is not (graph input, graph output)", in,
                  upd);
    const Value &a = g.value(in), &b = g.value(upd);
    TESSERA_CHECK(a.dtype == b.dtype && a.shape == b.shape, "state '{}' is {}{} but its update '{}' is {}{}", a.name,
                  dtype_name(a.dtype), shape_str(a.shape), b.name, dtype_name(b.dtype), shape_str(b.shape));
  }
}

}  // namespace tessera::graph
