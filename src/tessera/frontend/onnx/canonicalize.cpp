// Canonicalisation dispatch, shared helpers, and the rules for ops the
// importer resolves itself: constants (Constant, Shape, Size,
// ConstantOfShape), pass-throughs (Identity, Dropout), Gemm split into
// MatMul/Mul/Add, inference-only BatchNormalization, and the legacy
// (opset < 13) Softmax family.
#include "tessera/frontend/onnx/canonicalize.h"

#include <algorithm>

#include "tessera/graph/infer.h"
#include "tessera/support/error.h"

namespace tessera::frontend {
namespace {

using graph::kNoValue;
using graph::ValueId;

const CanonTable& canon_table() {
  static const CanonTable table = [] {
    CanonTable t;
    register_canon_core(t);
    register_canon_legacy(t);
    return t;
  }();
  return table;
}

// Constant: one of value / value_float(s) / value_int(s).
void canon_constant(ImportContext& ctx, Draft& d) {
  const graph::Node& n = d.node;
  Tensor t;
  if (auto it = n.attrs.find("value"); it != n.attrs.end() && std::holds_alternative<Tensor>(it->second)) {
    t = std::get<Tensor>(it->second);
  } else if (n.has("value_float")) {
    t = Tensor::scalar_f32(static_cast<float>(n.attr_float("value_float", 0)));
  } else if (n.has("value_int")) {
    t = Tensor::scalar_i64(n.attr_int("value_int", 0));
  } else if (n.has("value_floats")) {
    std::vector<double> v = n.attr_floats("value_floats");
    t = Tensor::from_f32(std::vector<float>(v.begin(), v.end()), {static_cast<int64_t>(v.size())});
  } else if (n.has("value_ints")) {
    std::vector<int64_t> v = n.attr_ints("value_ints");
    t = Tensor::from_i64(v, {static_cast<int64_t>(v.size())});
  } else if (n.has("value_string") || n.has("value_strings")) {
    fail("{}: string constants are not supported (Tessera computes on numbers only)", n.describe());
  } else {
    fail("{}: has no value attribute", n.describe());
  }
  ctx.bind_constant(d.outputs.at(0), std::move(t));
}

const graph::Value& first_input(ImportContext& ctx, const Draft& d) {
  if (!ctx.graph().has_input(d.node, 0)) fail("{}: required input #0 is missing", d.node.describe());
  return *ctx.graph().input(d.node, 0);
}

// Shape, with opset 15's start/end slice (clamped like Python slicing).
void canon_shape(ImportContext& ctx, Draft& d) {
  Shape shape = first_input(ctx, d).shape;
  const auto rank = static_cast<int64_t>(shape.size());
  auto clamp = [rank](int64_t i) { return std::clamp(i < 0 ? i + rank : i, int64_t{0}, rank); };
  int64_t start = clamp(d.node.attr_int("start", 0));
  int64_t end = std::max(start, clamp(d.node.attr_int("end", rank)));
  std::vector<int64_t> dims(shape.begin() + start, shape.begin() + end);
  ctx.bind_constant(d.outputs.at(0), Tensor::from_i64(dims, {static_cast<int64_t>(dims.size())}));
}

void canon_size(ImportContext& ctx, Draft& d) {
  ctx.bind_constant(d.outputs.at(0), Tensor::scalar_i64(num_elements(first_input(ctx, d).shape)));
}

void canon_constant_of_shape(ImportContext& ctx, Draft& d) {
  const graph::Node& n = d.node;
  std::vector<int64_t> dims = graph::const_ints(ctx.graph(), n, 0);
  Tensor fill = Tensor::scalar_f32(0);
  if (auto it = n.attrs.find("value"); it != n.attrs.end() && std::holds_alternative<Tensor>(it->second))
    fill = std::get<Tensor>(it->second);
  if (fill.size() != 1) fail("{}: 'value' must hold exactly one element, it has {}", n.describe(), fill.size());
  for (int64_t dim : dims)
    if (dim < 0) fail("{}: negative dimension {} in the requested shape", n.describe(), dim);
  if (num_elements(dims) > kMaxFoldElements) return emit_as_is(ctx, d);
  Tensor t(fill.dtype(), dims);
  for (int64_t i = 0; i < t.size(); ++i) {
    if (is_float(fill.dtype()))
      t.set_f64(i, fill.get_f64(0));
    else
      t.set_i64(i, fill.get_i64(0));
  }
  ctx.bind_constant(d.outputs.at(0), std::move(t));
}

// Forwards output `k` to `input`: consumers read the input directly. A graph
// output keeps its own value (its name is part of the model's interface).
void forward(ImportContext& ctx, Draft& d, const std::string& out, ValueId input) {
  if (out.empty()) return;
  if (!ctx.is_graph_output(out)) return ctx.alias(out, input);
  const graph::Value& v = ctx.graph().value(input);
  if (v.constant) {
    ctx.bind_constant(out, *v.constant);
    return;
  }
  ctx.emit_named("Identity", d.node.name, {input}, {}, out);
}

void canon_identity(ImportContext& ctx, Draft& d) {
  first_input(ctx, d);
  forward(ctx, d, d.outputs.at(0), d.node.inputs[0]);
}

// Dropout at inference is the identity; its mask, if used, is all ones
// (bool from opset 10, the data's type before). A training_mode input that
// is not a constant false would make the output random.
void canon_dropout(ImportContext& ctx, Draft& d) {
  const graph::Value& x = first_input(ctx, d);
  if (const graph::Value* training = ctx.graph().input(d.node, 2);
      training && (!training->constant || training->constant->get_i64(0) != 0))
    fail("{} (node '{}') in training mode is not supported: export the model in eval mode", d.node.op, d.node.name);
  if (d.outputs.size() > 1 && !d.outputs[1].empty()) {
    Tensor mask(ctx.opset() < 10 ? x.dtype : DType::Bool, x.shape);
    for (int64_t i = 0; i < mask.size(); ++i) mask.set_i64(i, 1);
    ctx.bind_constant(d.outputs[1], std::move(mask));
  }
  forward(ctx, d, d.outputs.at(0), d.node.inputs[0]);
}

// Gemm: Y = alpha * A' B' + beta * C  ->  MatMul, then Mul by alpha, then Add.
void canon_gemm(ImportContext& ctx, Draft& d) {
  const graph::Node& n = d.node;
  if (!ctx.graph().has_input(n, 0) || !ctx.graph().has_input(n, 1))
    fail("{}: inputs A and B are required", n.describe());
  const DType dtype = ctx.graph().value(n.inputs[0]).dtype;
  const std::vector<int64_t> swap = {1, 0};
  ValueId a = n.inputs[0], b = n.inputs[1];
  if (n.attr_int("transA", 0)) a = ctx.emit_temp("Transpose", n.name + "/transpose_a", {a}, {{"perm", swap}});
  if (n.attr_int("transB", 0)) b = ctx.emit_temp("Transpose", n.name + "/transpose_b", {b}, {{"perm", swap}});
  const double alpha = n.attr_float("alpha", 1.0), beta = n.attr_float("beta", 1.0);
  ValueId c = ctx.graph().has_input(n, 2) && beta != 0.0 ? n.inputs[2] : kNoValue;
  const bool scale = alpha != 1.0, add = c != kNoValue;
  const std::string& out = d.outputs.at(0);
  // The last node produces the ONNX output and carries the Gemm's own name.
  auto step = [&](const std::string& op, const std::string& suffix, std::vector<ValueId> ins, bool last) {
    return last ? ctx.emit_named(op, n.name, std::move(ins), {}, out)
                : ctx.emit_temp(op, n.name + suffix, std::move(ins));
  };
  ValueId y = step("MatMul", "/matmul", {a, b}, !scale && !add);
  if (scale) y = step("Mul", "/alpha", {y, ctx.fresh_constant(n.name + "/alpha_value", scalar_of(dtype, alpha))}, !add);
  if (!add) return;
  if (beta != 1.0)
    c = step("Mul", "/beta", {c, ctx.fresh_constant(n.name + "/beta_value", scalar_of(dtype, beta))}, false);
  step("Add", "/add", {y, c}, true);
}

void canon_batch_norm(ImportContext& ctx, Draft& d) {
  graph::Node& n = d.node;
  if (n.attr_int("training_mode", 0) != 0)
    fail("{}: training mode is not supported (Tessera runs inference); export the model in eval mode", n.describe());
  for (size_t k = 1; k < d.outputs.size(); ++k)
    if (!d.outputs[k].empty())
      fail("{}: output #{} ('{}', running statistics) exists only in training; export the model in eval mode",
           n.describe(), k, d.outputs[k]);
  if (n.attr_int("spatial", 1) == 0)
    fail(
        "{}: spatial=0 (per-activation statistics, opsets 1-8) is not supported; re-export the model with "
        "spatial batch normalization",
        n.describe());
  n.attrs.erase("spatial");
  n.attrs.erase("training_mode");
  d.outputs.resize(1);
  emit_as_is(ctx, d);
}

// Before opset 13 the Softmax family flattened its input to 2-D at `axis`
// (default 1); the `legacy` attribute tells later stages to keep doing so.
void canon_softmax(ImportContext& ctx, Draft& d) {
  if (ctx.opset() < 13) {
    d.node.attrs["axis"] = d.node.attr_int("axis", 1);
    d.node.attrs["legacy"] = int64_t{1};
  }
  emit_as_is(ctx, d);
}

}  // namespace

void register_canon_core(CanonTable& t) {
  t["Constant"] = canon_constant;
  t["Shape"] = canon_shape;
  t["Size"] = canon_size;
  t["ConstantOfShape"] = canon_constant_of_shape;
  t["Identity"] = canon_identity;
  t["Dropout"] = canon_dropout;
  t["Gemm"] = canon_gemm;
  t["BatchNormalization"] = canon_batch_norm;
  t["Softmax"] = canon_softmax;
  t["LogSoftmax"] = canon_softmax;
  t["Hardmax"] = canon_softmax;
}

std::string_view target_op(std::string_view op) {
  static const std::map<std::string, std::string, std::less<>> targets = {
      {"Constant", ""}, {"Shape", ""}, {"Size", ""},           {"ConstantOfShape", ""},        {"Identity", ""},
      {"Dropout", ""},  {"Gemm", ""},  {"Upsample", "Resize"}, {"Scatter", "ScatterElements"},
  };
  auto it = targets.find(op);
  return it == targets.end() ? op : std::string_view(it->second);
}

void canonicalize(ImportContext& ctx, Draft& d) {
  if (ctx.opset() < 7) canonicalize_pre7(ctx, d);
  auto it = canon_table().find(d.node.op);
  if (it != canon_table().end())
    it->second(ctx, d);
  else
    emit_as_is(ctx, d);
}

void emit_as_is(ImportContext& ctx, Draft& d) { ctx.emit(std::move(d.node), d.outputs); }

Tensor scalar_of(DType dtype, double v) {
  Tensor t(dtype, {});
  t.set_f64(0, v);
  return t;
}

void set_input(graph::Node& n, size_t index, graph::ValueId id) {
  if (n.inputs.size() <= index) n.inputs.resize(index + 1, kNoValue);
  n.inputs[index] = id;
}

void attr_to_input(ImportContext& ctx, Draft& d, const std::string& attr, size_t index) {
  if (!d.node.has(attr)) return;
  std::vector<int64_t> v = d.node.attr_ints(attr);
  d.node.attrs.erase(attr);
  ValueId c = ctx.fresh_constant(d.node.name + "/" + attr, Tensor::from_i64(v, {static_cast<int64_t>(v.size())}));
  set_input(d.node, index, c);
}

}  // namespace tessera::frontend
