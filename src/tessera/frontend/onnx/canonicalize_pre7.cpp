// Rules that bring nodes of opsets 1-6 to their opset-7 form before the
// ordinary rules run (ONNX 1.12's schemas are the reference for what changed).
// Legacy forms whose meaning is clear are rewritten: hints with no effect on
// inference values are dropped (consumed_inputs, is_test, output_sequence,
// Gemm's broadcast); the binary ops' suffix broadcasting (broadcast=1, axis)
// becomes NumPy broadcasting by reshaping B; Reshape's shape attribute becomes
// an input, Pad's paddings is renamed, Cast-1's type name becomes a type code,
// integral LpPool p becomes an int, and defaults that later opsets changed
// (Concat-1 axis, Selu-1 alpha/gamma) are written out. Anything else that
// opset 7 removed is rejected with a message naming it and the fix, never
// reinterpreted.
#include <algorithm>
#include <cctype>
#include <cmath>

#include "tessera/frontend/onnx/canonicalize.h"
#include "tessera/frontend/onnx/onnx_proto.h"
#include "tessera/support/error.h"

namespace tessera::frontend {
namespace {

using graph::ValueId;

constexpr const char* kConvertFix = "convert the model with onnx.version_converter.convert_version(model, 17)";

// Attributes of opset-1..6 schemas that the opset-7 schema of the same op no
// longer has (consumed_inputs, on nearly every op, is handled separately).
// A rule below removes the ones it can express; any left over is rejected.
const std::map<std::string, std::vector<std::string>, std::less<>>& removed_attributes() {
  static const std::map<std::string, std::vector<std::string>, std::less<>> table = [] {
    std::map<std::string, std::vector<std::string>, std::less<>> t;
    for (const char* op : {"Add", "Sub", "Mul", "Div", "Pow", "And", "Or", "Xor", "Equal", "Less", "Greater"})
      t[op] = {"axis", "broadcast"};
    t["BatchNormalization"] = {"is_test"};
    t["Dropout"] = {"is_test"};
    t["Gemm"] = {"broadcast"};
    for (const char* op : {"GRU", "LSTM", "RNN"}) t[op] = {"output_sequence"};
    t["Pad"] = {"paddings"};
    t["Reshape"] = {"shape"};
    t["Upsample"] = {"height_scale", "width_scale"};
    return t;
  }();
  return table;
}

[[noreturn]] void reject_attribute(ImportContext& ctx, const Draft& d, const std::string& attr) {
  fail("{}: legacy attribute '{}' (opset {}) is not supported; {}", d.node.describe(), attr, ctx.opset(), kConvertFix);
}

const Shape& input_shape(ImportContext& ctx, const Draft& d, size_t k) {
  if (!ctx.graph().has_input(d.node, k)) fail("{}: required input #{} is missing", d.node.describe(), k);
  return ctx.graph().input(d.node, k)->shape;
}

// Opsets 1-6: B is stretched to A's shape only when broadcast=1, its dims
// matching A's from `axis` on (default: A's last dims) without stretching
// 1s, or B has one element. Padding B's shape with trailing 1s up to A's last
// dim makes NumPy broadcasting line it up the same way.
void canon_legacy_broadcast(ImportContext& ctx, Draft& d) {
  graph::Node& n = d.node;
  const bool enabled = n.attr_int("broadcast", 0) != 0;
  const Shape a = input_shape(ctx, d, 0), b = input_shape(ctx, d, 1);
  const auto rank_a = static_cast<int64_t>(a.size()), rank_b = static_cast<int64_t>(b.size());
  const int64_t start = n.attr_int("axis", rank_a - rank_b);
  n.attrs.erase("broadcast");
  n.attrs.erase("axis");
  if (!enabled) {
    if (a != b)
      fail("{}: inputs have shapes {} and {}, but broadcast=0 (opset {}) requires equal shapes; set broadcast=1",
           n.describe(), shape_str(a), shape_str(b), ctx.opset());
    return;
  }
  if (rank_b <= rank_a && num_elements(b) == 1) return;  // a single element broadcasts alike in both rules
  const bool fits =
      rank_b <= rank_a && start >= 0 && start + rank_b <= rank_a && std::equal(b.begin(), b.end(), a.begin() + start);
  if (!fits)
    fail("{}: with broadcast=1 (opset {}), B {} must equal A {}'s dims from axis {} on, or have one element",
         n.describe(), ctx.opset(), shape_str(b), shape_str(a), start);
  if (start + rank_b == rank_a) return;
  Shape aligned = b;
  aligned.resize(static_cast<size_t>(rank_a - start), 1);
  ValueId shape = ctx.fresh_constant(n.name + "/broadcast_shape",
                                     Tensor::from_i64(aligned, {static_cast<int64_t>(aligned.size())}));
  n.inputs[1] = ctx.emit_temp("Reshape", n.name + "/broadcast", {n.inputs[1], shape});
}

// Hints that do not change inference values. Dropout and BatchNormalization
// with only their first output are the test-mode forms whatever is_test
// says; output_sequence only made Y optional; Gemm-7 broadcasts any C that
// Gemm-6's broadcast accepted the same way.
void drop_hints(ImportContext&, Draft& d) {
  for (const char* attr : {"is_test", "output_sequence", "broadcast"}) d.node.attrs.erase(attr);
}

void canon_reshape_1(ImportContext& ctx, Draft& d) {
  if (ctx.opset() < 5) attr_to_input(ctx, d, "shape", 1);
}

void canon_pad_1(ImportContext& ctx, Draft& d) {
  auto it = d.node.attrs.find("paddings");
  if (ctx.opset() >= 2 || it == d.node.attrs.end() || d.node.has("pads")) return;
  d.node.attrs["pads"] = it->second;  // same layout: all begins, then all ends
  d.node.attrs.erase(it);
}

// Cast-1 names the target type ("FLOAT"); Cast-6 gives its TensorProto code.
void canon_cast_1(ImportContext& ctx, Draft& d) {
  auto it = d.node.attrs.find("to");
  if (ctx.opset() >= 6 || it == d.node.attrs.end() || !std::holds_alternative<std::string>(it->second)) return;
  std::string name = std::get<std::string>(it->second);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::toupper(c); });
  onnx::TensorProto_DataType code{};
  if (!onnx::TensorProto_DataType_Parse(name, &code))
    fail("{}: 'to' is '{}', which is not an ONNX data type name (FLOAT, INT64, BOOL...)", d.node.describe(),
         std::get<std::string>(it->second));
  it->second = static_cast<int64_t>(code);
}

void canon_concat_1(ImportContext& ctx, Draft& d) {
  if (ctx.opset() < 4 && !d.node.has("axis")) d.node.attrs["axis"] = int64_t{1};
}

// Selu-1's defaults are the constants rounded to 5 digits (then to float).
void canon_selu_1(ImportContext& ctx, Draft& d) {
  if (ctx.opset() >= 6) return;
  if (!d.node.has("alpha")) d.node.attrs["alpha"] = static_cast<double>(1.6732f);
  if (!d.node.has("gamma")) d.node.attrs["gamma"] = static_cast<double>(1.0507f);
}

// Split-1 took sizes from an optional second input (typed like the data) and
// documents no default axis.
void canon_split_1(ImportContext& ctx, Draft& d) {
  if (ctx.opset() >= 2) return;
  if (d.node.inputs.size() > 1)
    fail("{}: the opset-1 'split' input is not supported; give the sizes in the 'split' attribute", d.node.describe());
  if (!d.node.has("axis"))
    fail("{}: opset-1 Split has no default axis; set 'axis' (opset 2 and later default to 0)", d.node.describe());
}

void canon_tile_1(ImportContext& ctx, Draft& d) {
  if (ctx.opset() < 6 && d.node.inputs.size() > 2)
    fail("{}: opset-1 Tile (inputs 'tiles' and 'axis') is not supported; rewrite it as Tile-6 with a 'repeats' input",
         d.node.describe());
}

// LpPool-1 and GlobalLpPool-1 take p as a float; later opsets as an int.
void canon_lp_pool_1(ImportContext& ctx, Draft& d) {
  auto it = d.node.attrs.find("p");
  if (ctx.opset() >= 2 || it == d.node.attrs.end() || !std::holds_alternative<double>(it->second)) return;
  const double p = std::get<double>(it->second);
  if (p != std::floor(p) || p < 1)
    fail("{}: p={} is not a positive integer, which opset-2 LpPool and later (and Tessera) require", d.node.describe(),
         p);
  it->second = static_cast<int64_t>(p);
}

// GRU-1's schema spells its default direction "foward".
void canon_gru_1(ImportContext& ctx, Draft& d) {
  if (d.node.attr_str("direction", "") == "foward") d.node.attrs["direction"] = std::string("forward");
  drop_hints(ctx, d);
}

// PRelu-6 only says a one-element slope is shared across channels; a smaller
// slope is kept only where the per-channel and NumPy readings agree.
void canon_prelu_6(ImportContext& ctx, Draft& d) {
  const Shape x = input_shape(ctx, d, 0), slope = input_shape(ctx, d, 1);
  if (num_elements(slope) == 1 || slope == x) return;
  Shape padded(x.size() > slope.size() ? x.size() - slope.size() : 0, 1);
  padded.insert(padded.end(), slope.begin(), slope.end());
  bool per_channel = padded.size() == x.size() && x.size() >= 2;
  for (size_t k = 0; per_channel && k < x.size(); ++k) per_channel = padded[k] == (k == 1 ? x[1] : 1);
  if (!per_channel)
    fail(
        "{}: slope {} for input {} has no clear opset-{} broadcasting (per channel or trailing dims); "
        "reshape slope to broadcast NumPy-style and {}",
        d.node.describe(), shape_str(slope), shape_str(x), ctx.opset(), kConvertFix);
}

using Pre7Rule = void (*)(ImportContext& ctx, Draft& d);

const std::map<std::string, Pre7Rule, std::less<>>& pre7_rules() {
  static const std::map<std::string, Pre7Rule, std::less<>> table = [] {
    std::map<std::string, Pre7Rule, std::less<>> t;
    for (const char* op : {"Add", "Sub", "Mul", "Div", "Pow", "And", "Or", "Xor", "Equal", "Less", "Greater"})
      t[op] = canon_legacy_broadcast;
    for (const char* op : {"BatchNormalization", "Dropout", "Gemm", "LSTM", "RNN"}) t[op] = drop_hints;
    t["GRU"] = canon_gru_1;
    t["Reshape"] = canon_reshape_1;
    t["Pad"] = canon_pad_1;
    t["Cast"] = canon_cast_1;
    t["Concat"] = canon_concat_1;
    t["Selu"] = canon_selu_1;
    t["Split"] = canon_split_1;
    t["Tile"] = canon_tile_1;
    t["LpPool"] = canon_lp_pool_1;
    t["GlobalLpPool"] = canon_lp_pool_1;
    t["PRelu"] = canon_prelu_6;
    return t;
  }();
  return table;
}

}  // namespace

void canonicalize_pre7(ImportContext& ctx, Draft& d) {
  d.node.attrs.erase("consumed_inputs");  // a memory-planning hint of opsets 1-5
  if (auto rule = pre7_rules().find(d.node.op); rule != pre7_rules().end()) rule->second(ctx, d);
  if (auto removed = removed_attributes().find(d.node.op); removed != removed_attributes().end())
    for (const std::string& attr : removed->second)
      if (d.node.has(attr)) reject_attribute(ctx, d, attr);
}

}  // namespace tessera::frontend
