// Rules that bring older opsets (7..16) to opset-17 conventions, mostly by
// turning operands that used to be attributes into constant inputs:
// Squeeze/Unsqueeze/ReduceSum axes and Split sizes (< 13), all other Reduce*
// axes (attributes up to opset 17; the canonical form always uses input 1),
// Slice starts/ends/axes (< 10), Pad pads/value and Clip min/max (< 11), TopK
// k (< 10), Upsample and opset-10 Resize -> opset-11 Resize, Scatter ->
// ScatterElements.
#include "tessera/frontend/onnx/canonicalize.h"
#include "tessera/support/error.h"

namespace tessera::frontend {
namespace {

using graph::kNoValue;
using graph::ValueId;

DType input_dtype(ImportContext& ctx, const Draft& d) {
  if (!ctx.graph().has_input(d.node, 0)) fail("{}: required input #0 is missing", d.node.describe());
  return ctx.graph().input(d.node, 0)->dtype;
}

void canon_squeeze(ImportContext& ctx, Draft& d) {
  if (ctx.opset() < 13) attr_to_input(ctx, d, "axes", 1);
  emit_as_is(ctx, d);
}

// Every Reduce* ends up as (data, axes?) with explicit keepdims and
// noop_with_empty_axes, whichever opset it came from.
void canon_reduce(ImportContext& ctx, Draft& d) {
  attr_to_input(ctx, d, "axes", 1);
  d.node.attrs["keepdims"] = d.node.attr_int("keepdims", 1);
  d.node.attrs["noop_with_empty_axes"] = d.node.attr_int("noop_with_empty_axes", 0);
  emit_as_is(ctx, d);
}

void canon_split(ImportContext& ctx, Draft& d) {
  if (ctx.opset() < 13) attr_to_input(ctx, d, "split", 1);
  emit_as_is(ctx, d);
}

void canon_slice(ImportContext& ctx, Draft& d) {
  if (ctx.opset() < 10) {
    attr_to_input(ctx, d, "starts", 1);
    attr_to_input(ctx, d, "ends", 2);
    attr_to_input(ctx, d, "axes", 3);
  }
  emit_as_is(ctx, d);
}

void canon_pad(ImportContext& ctx, Draft& d) {
  if (ctx.opset() < 11) {
    const DType dtype = input_dtype(ctx, d);
    attr_to_input(ctx, d, "pads", 1);
    const double value = d.node.attr_float("value", 0.0);
    d.node.attrs.erase("value");
    set_input(d.node, 2, ctx.fresh_constant(d.node.name + "/value", scalar_of(dtype, value)));
  }
  emit_as_is(ctx, d);
}

void canon_clip(ImportContext& ctx, Draft& d) {
  if (ctx.opset() < 11) {
    const DType dtype = input_dtype(ctx, d);
    const char* bounds[] = {"min", "max"};
    for (size_t k = 0; k < 2; ++k) {
      if (!d.node.has(bounds[k])) continue;
      const double v = d.node.attr_float(bounds[k], 0.0);
      d.node.attrs.erase(bounds[k]);
      set_input(d.node, k + 1, ctx.fresh_constant(d.node.name + "/" + bounds[k], scalar_of(dtype, v)));
    }
  }
  emit_as_is(ctx, d);
}

void canon_topk(ImportContext& ctx, Draft& d) {
  if (ctx.opset() < 10 && d.node.has("k")) {
    ValueId k = ctx.fresh_constant(d.node.name + "/k", Tensor::from_i64({d.node.attr_int("k", 0)}, {1}));
    d.node.attrs.erase("k");
    set_input(d.node, 1, k);
  }
  emit_as_is(ctx, d);
}

// Upsample (7-9) and Resize-10 scale by `scales` with asymmetric coordinates
// and floor rounding for nearest; opset 11 spells that out in attributes.
void to_resize_11(ImportContext& ctx, Draft& d, ValueId scales) {
  graph::Node& n = d.node;
  std::string mode = n.attr_str("mode", "nearest");
  n.op = "Resize";
  n.attrs.clear();
  n.attrs["mode"] = mode == "bilinear" ? std::string("linear") : mode;
  n.attrs["coordinate_transformation_mode"] = std::string("asymmetric");
  if (mode == "nearest") n.attrs["nearest_mode"] = std::string("floor");
  n.inputs = {n.inputs.at(0), kNoValue, scales};
}

void canon_upsample(ImportContext& ctx, Draft& d) {
  ValueId scales = kNoValue;
  if (d.node.has("scales")) {
    std::vector<double> s = d.node.attr_floats("scales");
    scales = ctx.fresh_constant(d.node.name + "/scales", Tensor::from_f32(std::vector<float>(s.begin(), s.end()),
                                                                          {static_cast<int64_t>(s.size())}));
  } else if (d.node.inputs.size() > 1) {
    scales = d.node.inputs[1];
  }
  if (scales == kNoValue) fail("{}: has neither a 'scales' attribute nor a scales input", d.node.describe());
  to_resize_11(ctx, d, scales);
  emit_as_is(ctx, d);
}

bool is_empty_constant(ImportContext& ctx, const graph::Node& n, size_t k) {
  const graph::Value* v = ctx.graph().input(n, k);
  return v && v->constant && v->constant->size() == 0;
}

// Resize-10 is (X, scales). From 11 on, roi and scales may be given as empty
// tensors to mean "absent"; they become omitted inputs.
void canon_resize(ImportContext& ctx, Draft& d) {
  if (ctx.opset() < 11) {
    if (d.node.inputs.size() < 2) fail("{}: the scales input is missing", d.node.describe());
    to_resize_11(ctx, d, d.node.inputs[1]);
  } else {
    for (size_t k : {size_t{1}, size_t{2}})
      if (is_empty_constant(ctx, d.node, k)) d.node.inputs[k] = kNoValue;
  }
  emit_as_is(ctx, d);
}

void canon_scatter(ImportContext& ctx, Draft& d) {
  d.node.op = "ScatterElements";
  emit_as_is(ctx, d);
}

}  // namespace

void register_canon_legacy(CanonTable& t) {
  t["Squeeze"] = canon_squeeze;
  t["Unsqueeze"] = canon_squeeze;
  for (const char* op : {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                         "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"})
    t[op] = canon_reduce;
  t["Split"] = canon_split;
  t["Slice"] = canon_slice;
  t["Pad"] = canon_pad;
  t["Clip"] = canon_clip;
  t["TopK"] = canon_topk;
  t["Upsample"] = canon_upsample;
  t["Resize"] = canon_resize;
  t["Scatter"] = canon_scatter;
}

}  // namespace tessera::frontend
