// import_onnx: load the model, check it as a whole (opset, supported ops,
// structure), add initializers and inputs, convert nodes in order
// (canonicalise -> infer -> fold), then finalise and verify.
#include "tessera/frontend/onnx/importer.h"

#include <filesystem>
#include <set>

#include "tessera/frontend/onnx/canonicalize.h"
#include "tessera/frontend/onnx/finalize.h"
#include "tessera/frontend/onnx/import_context.h"
#include "tessera/frontend/onnx/model_checks.h"
#include "tessera/frontend/onnx/onnx_proto.h"
#include "tessera/support/error.h"

namespace tessera::frontend {
namespace {

// Each initializer's bytes are released once copied, so a large model peaks
// near one copy of its weights rather than two.
void add_initializers(ImportContext& ctx, onnx::GraphProto& gp) {
  if (gp.sparse_initializer_size() > 0)
    fail("initializer '{}' is a sparse tensor, which Tessera does not support",
         gp.sparse_initializer(0).values().name());
  for (onnx::TensorProto& init : *gp.mutable_initializer()) {
    const graph::ValueId id = ctx.bind_constant(
        init.name(), tensor_from_proto(init, ctx.base_dir(), fmt::format("initializer '{}'", init.name())));
    ctx.graph().value(id).initializer = true;
    std::string().swap(*init.mutable_raw_data());
  }
}

// A runtime input's dtype and static shape from its declared type.
graph::Value input_value(const onnx::ValueInfoProto& in) {
  if (!in.type().has_tensor_type())
    fail("input '{}' is not a tensor (sequences and maps are not supported)", in.name());
  const auto& tt = in.type().tensor_type();
  std::optional<DType> dtype = dtype_from_onnx(tt.elem_type());
  if (!dtype)
    fail("input '{}' has element type {}, which Tessera does not support; export it as float32", in.name(),
         onnx_type_name(tt.elem_type()));
  if (!tt.has_shape()) fail("input '{}' has no shape; Tessera needs static shapes: export with fixed sizes", in.name());
  graph::Value v;
  v.dtype = *dtype;
  v.shape_known = true;
  for (int k = 0; k < tt.shape().dim_size(); ++k) {
    const auto& dim = tt.shape().dim(k);
    if (!dim.has_dim_value() || dim.dim_value() < 0)
      fail("input '{}' has a dynamic dimension '{}' (dim {}); Tessera needs static shapes: export with fixed sizes",
           in.name(), dim.dim_param().empty() ? "?" : dim.dim_param(), k);
    v.shape.push_back(dim.dim_value());
  }
  return v;
}

void add_inputs(ImportContext& ctx, const onnx::GraphProto& gp) {
  std::set<std::string> initializers;
  for (const auto& init : gp.initializer()) initializers.insert(init.name());
  for (const onnx::ValueInfoProto& in : gp.input()) {
    if (initializers.count(in.name())) continue;  // older exporters list weights as inputs too
    ctx.graph().inputs.push_back(ctx.add_named(in.name(), input_value(in)));
  }
}

Draft make_draft(ImportContext& ctx, const onnx::NodeProto& np, size_t index) {
  Draft d;
  d.node.op = np.op_type();
  d.node.name = node_display_name(np, index);
  for (const std::string& in : np.input()) d.node.inputs.push_back(in.empty() ? graph::kNoValue : ctx.lookup(in));
  while (!d.node.inputs.empty() && d.node.inputs.back() == graph::kNoValue) d.node.inputs.pop_back();
  for (const onnx::AttributeProto& a : np.attribute())
    d.node.attrs[a.name()] = attr_from_proto(a, d.node, ctx.base_dir());
  d.outputs.assign(np.output().begin(), np.output().end());
  while (!d.outputs.empty() && d.outputs.back().empty()) d.outputs.pop_back();
  return d;
}

void reserve_names(ImportContext& ctx, const onnx::GraphProto& gp) {
  for (const auto& init : gp.initializer()) ctx.reserve_name(init.name());
  for (const auto& in : gp.input()) ctx.reserve_name(in.name());
  for (const auto& np : gp.node())
    for (const std::string& out : np.output()) ctx.reserve_name(out);
  for (const auto& out : gp.output()) ctx.mark_graph_output(out.name());
}

}  // namespace

graph::Graph import_onnx(const std::string& path, const FoldFn& fold) {
  onnx::ModelProto model = load_model_proto(path);
  onnx::GraphProto& gp = *model.mutable_graph();
  const int64_t opset = check_opset(model, path);
  if (gp.node_size() == 0 && gp.output_size() == 0) fail("'{}' has an empty graph (no nodes and no outputs)", path);
  check_supported_ops(gp);
  check_structure(gp);

  graph::Graph g;
  g.name = gp.name();
  g.opset = opset;
  ImportContext ctx(g, fold, opset, std::filesystem::path(path).parent_path().string());
  reserve_names(ctx, gp);
  add_initializers(ctx, gp);
  add_inputs(ctx, gp);
  for (int i = 0; i < gp.node_size(); ++i) {
    Draft d = make_draft(ctx, gp.node(i), static_cast<size_t>(i));
    canonicalize(ctx, d);
  }
  for (const auto& out : gp.output()) g.outputs.push_back(ctx.lookup(out.name()));
  finalize_graph(g);
  graph::verify(g);
  return g;
}

}  // namespace tessera::frontend
