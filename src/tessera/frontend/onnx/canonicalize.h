// Internal to the ONNX frontend: canonicalisation of one model node into the
// Graph IR op set, whose conventions are ONNX opset 17's (spelling, which
// operands are inputs and which are attributes). Rules live in small tables:
// canonicalize.cpp resolves ops the importer evaluates or rewrites itself
// (Constant, Shape, Identity, Gemm...), canonicalize_legacy.cpp moves operands
// that older opsets gave as attributes into constant inputs, and
// canonicalize_pre7.cpp first brings opset 1-6 nodes to their opset-7 form
// (or rejects what has no clear opset-7 meaning). Ops without a rule are
// copied as they are.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/frontend/onnx/import_context.h"
#include "tessera/graph/graph.h"

namespace tessera::frontend {

// A model node on its way into the graph: inputs resolved to values,
// attributes converted, outputs still ONNX names ("" when omitted).
struct Draft {
  graph::Node node;
  std::vector<std::string> outputs;
};

using CanonFn = void (*)(ImportContext& ctx, Draft& d);
using CanonTable = std::map<std::string, CanonFn, std::less<>>;

// Converts the draft: emits zero or more nodes, or binds its outputs to
// existing or constant values.
void canonicalize(ImportContext& ctx, Draft& d);

// The Graph IR op a model op becomes (Upsample -> Resize...), or "" when the
// importer resolves the op itself without needing a Graph IR op.
std::string_view target_op(std::string_view op);

// Opsets 1-6 only: rewrites the node in place to its opset-7 form, before
// the rules above run; Error for legacy forms it cannot keep exactly.
void canonicalize_pre7(ImportContext& ctx, Draft& d);

// Rule registration, one function per file.
void register_canon_core(CanonTable& t);
void register_canon_legacy(CanonTable& t);

// Helpers for rules.
// A scalar constant of `dtype` holding `v` (for Clip bounds, Pad values...).
Tensor scalar_of(DType dtype, double v);
// Replaces integer-list attribute `attr` by constant input `index` (if the
// attribute is present); intermediate missing inputs become omitted.
void attr_to_input(ImportContext& ctx, Draft& d, const std::string& attr, size_t index);
// Puts `id` at input position `index`, padding with omitted inputs.
void set_input(graph::Node& n, size_t index, graph::ValueId id);
// Emits the node as it is (the default rule).
void emit_as_is(ImportContext& ctx, Draft& d);

}  // namespace tessera::frontend
