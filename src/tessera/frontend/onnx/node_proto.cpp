// NodeProto-level helpers: attribute conversion to graph::Attr (older
// exporters sometimes leave an attribute's type unset, so it is recovered from
// the field that is filled), display names and domains.
#include <fmt/format.h>

#include "tessera/frontend/onnx/onnx_proto.h"
#include "tessera/support/error.h"

namespace tessera::frontend {
namespace {

using onnx::AttributeProto;

// The attribute's type, recovered from its filled field when `type` is unset.
AttributeProto::AttributeType attr_type(const AttributeProto& a) {
  if (a.type() != AttributeProto::UNDEFINED) return a.type();
  if (a.has_f()) return AttributeProto::FLOAT;
  if (a.has_i()) return AttributeProto::INT;
  if (a.has_s()) return AttributeProto::STRING;
  if (a.has_t()) return AttributeProto::TENSOR;
  if (a.has_g()) return AttributeProto::GRAPH;
  if (a.floats_size() > 0) return AttributeProto::FLOATS;
  if (a.ints_size() > 0) return AttributeProto::INTS;
  if (a.strings_size() > 0) return AttributeProto::STRINGS;
  if (a.graphs_size() > 0) return AttributeProto::GRAPHS;
  return AttributeProto::UNDEFINED;
}

}  // namespace

bool is_subgraph_attr(const AttributeProto& a) {
  AttributeProto::AttributeType t = attr_type(a);
  return t == AttributeProto::GRAPH || t == AttributeProto::GRAPHS;
}

graph::Attr attr_from_proto(const AttributeProto& a, const graph::Node& n, const std::string& base_dir) {
  switch (attr_type(a)) {
    case AttributeProto::INT:
      return a.i();
    case AttributeProto::FLOAT:
      return static_cast<double>(a.f());
    case AttributeProto::STRING:
      return a.s();
    case AttributeProto::INTS:
      return std::vector<int64_t>(a.ints().begin(), a.ints().end());
    case AttributeProto::FLOATS:
      return std::vector<double>(a.floats().begin(), a.floats().end());
    case AttributeProto::STRINGS:
      return std::vector<std::string>(a.strings().begin(), a.strings().end());
    case AttributeProto::TENSOR:
      return tensor_from_proto(a.t(), base_dir, fmt::format("attribute '{}' of {}", a.name(), n.describe()));
    default:
      fail("{}: attribute '{}' has type {}, which Tessera does not support", n.describe(), a.name(),
           AttributeProto::AttributeType_Name(attr_type(a)));
  }
}

std::string node_display_name(const onnx::NodeProto& np, size_t index) {
  return np.name().empty() ? fmt::format("{}_{}", np.op_type(), index) : np.name();
}

bool is_default_domain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

}  // namespace tessera::frontend
