// Whole-model checks: opset range, supported operators (all reported in one
// message), and graph structure.
#include "tessera/frontend/onnx/model_checks.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <set>
#include <vector>

#include "tessera/frontend/onnx/canonicalize.h"
#include "tessera/graph/infer.h"
#include "tessera/support/error.h"

namespace tessera::frontend {
namespace {

// Ops whose output shape depends on input values; Tessera's shapes are static.
bool is_data_dependent(const std::string& op) {
  return op == "NonZero" || op == "Unique" || op == "NonMaxSuppression" || op == "Compress";
}

// Why a node cannot be imported, or "" when it can: the op name to report.
std::string unsupported_key(const onnx::NodeProto& np) {
  if (!is_default_domain(np.domain())) return np.domain() + "." + np.op_type();
  for (const auto& a : np.attribute())
    if (is_subgraph_attr(a)) return np.op_type();
  std::string_view target = target_op(np.op_type());
  if (target.empty() || graph::is_supported(std::string(target))) return "";
  return np.op_type();
}

}  // namespace

int64_t check_opset(const onnx::ModelProto& model, const std::string& path) {
  for (const auto& imp : model.opset_import()) {
    if (!is_default_domain(imp.domain())) continue;
    const int64_t v = imp.version();
    if (v < kMinOpset)
      fail(
          "'{}' uses ONNX opset {}; Tessera supports opsets {} to {}: upgrade it with "
          "onnx.version_converter.convert_version(model, 17)",
          path, v, kMinOpset, kMaxOpset);
    if (v > kMaxOpset)
      fail("'{}' uses ONNX opset {}; Tessera supports opsets {} to {}: re-export with opset_version=17", path, v,
           kMinOpset, kMaxOpset);
    return v;
  }
  fail("'{}' does not import the default ONNX opset (ai.onnx); Tessera supports opsets {} to {}", path, kMinOpset,
       kMaxOpset);
}

void check_supported_ops(const onnx::GraphProto& graph) {
  std::vector<std::string> plain, data_dependent;
  std::set<std::string> seen;
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto& np = graph.node(i);
    const std::string name = node_display_name(np, static_cast<size_t>(i));
    if (is_default_domain(np.domain()) && is_data_dependent(np.op_type())) {
      if (seen.insert(np.op_type()).second)
        data_dependent.push_back(
            fmt::format("{} (node '{}') has a data-dependent output shape, which Tessera does "
                        "not support (static shapes only)",
                        np.op_type(), name));
      continue;
    }
    std::string key = unsupported_key(np);
    if (!key.empty() && seen.insert(key).second)
      plain.push_back(fmt::format("{} (first used by node '{}')", key, name));
  }
  if (plain.empty() && data_dependent.empty()) return;
  if (plain.empty()) fail("{}", fmt::join(data_dependent, "; "));
  std::string message =
      fmt::format("unsupported operators ({}): {}", plain.size() + data_dependent.size(), fmt::join(plain, ", "));
  for (const std::string& d : data_dependent) message += "; " + d;
  fail("{}; see docs/ops.md for the supported list", message);
}

void check_structure(const onnx::GraphProto& graph) {
  std::set<std::string> defined;
  for (const auto& init : graph.initializer()) defined.insert(init.name());
  for (const auto& in : graph.input()) defined.insert(in.name());
  std::map<std::string, std::string> producer;  // value -> node display name
  for (int i = 0; i < graph.node_size(); ++i)
    for (const std::string& out : graph.node(i).output())
      if (!out.empty()) producer.emplace(out, node_display_name(graph.node(i), static_cast<size_t>(i)));

  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto& np = graph.node(i);
    const std::string name = node_display_name(np, static_cast<size_t>(i));
    for (const std::string& in : np.input()) {
      if (in.empty() || defined.count(in)) continue;
      auto p = producer.find(in);
      if (p == producer.end())
        fail("node '{}' ({}) uses '{}', which no node produces and is not a graph input or initializer", name,
             np.op_type(), in);
      fail(
          "node '{}' ({}) uses '{}' before node '{}' produces it; ONNX requires nodes in topological order: "
          "re-export the model or sort its nodes",
          name, np.op_type(), in, p->second);
    }
    for (const std::string& out : np.output()) {
      if (out.empty()) continue;
      if (!defined.insert(out).second)
        fail("node '{}' ({}) produces '{}', which is already defined; every ONNX value must have one producer", name,
             np.op_type(), out);
    }
  }
  for (const auto& out : graph.output())
    if (!defined.count(out.name()))
      fail("graph output '{}' is not produced by any node and is not a graph input or initializer", out.name());
}

}  // namespace tessera::frontend
