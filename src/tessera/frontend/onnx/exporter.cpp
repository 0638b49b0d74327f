// export_onnx: Graph IR -> ModelProto. Names are made unique (the Graph IR
// does not require it, ONNX does), constants become initializers (inline, or
// in FILE.onnx.data when large), omitted optional inputs become "".
#include "tessera/frontend/onnx/exporter.h"

#include <filesystem>
#include <fstream>
#include <limits>
#include <set>

#include "tessera/frontend/onnx/onnx_proto.h"
#include "tessera/support/error.h"
#include "tessera/support/output.h"

namespace tessera::frontend {
namespace {

using graph::kNoValue;
using graph::ValueId;

constexpr int64_t kOpset = 17;    // the canonical form's conventions
constexpr int64_t kIrVersion = 8;  // the IR version that goes with opset 17
constexpr int64_t kAlign = 64;     // external tensors start on 64-byte boundaries

std::string unique_name(std::set<std::string>& used, const std::string& wanted) {
  std::string name = wanted;
  for (int k = 1; used.count(name) != 0; ++k) name = fmt::format("{}_{}", wanted, k);
  used.insert(name);
  return name;
}

// One unique, non-empty ONNX name per value id.
std::vector<std::string> value_names(const graph::Graph& g, std::set<std::string>& used) {
  std::vector<std::string> names;
  for (size_t i = 0; i < g.values.size(); ++i)
    names.push_back(unique_name(used, g.values[i].name.empty() ? fmt::format("value_{}", i) : g.values[i].name));
  return names;
}

void check_exportable(const graph::Graph& g) {
  for (const auto& v : g.values)
    if (v.parameter && !v.constant)
      fail(
          "cannot export '{}': weight '{}' has no values (a built-in model's weights are not materialised); "
          "call zoo::materialize first or use 'tessera zoo export'",
          g.name, v.name);
  for (const auto& n : g.nodes)
    if (n.attr_int("legacy", 0) != 0)
      fail("cannot export {}: it has opset<13 semantics (flatten to 2-D), which opset 17 cannot express", n.describe());
}

std::string tensor_bytes(const Tensor& t) {
  if (t.nbytes() == 0) return "";
  return std::string(static_cast<const char*>(t.raw()), t.nbytes());
}

void fill_tensor(const Tensor& t, const std::string& name, onnx::TensorProto& tp) {
  tp.set_name(name);
  tp.set_data_type(onnx_from_dtype(t.dtype()));
  for (int64_t d : t.shape()) tp.add_dims(d);
}


void fill_value_info(const graph::Value& v, const std::string& name, onnx::ValueInfoProto& vi) {
  vi.set_name(name);
  auto* tt = vi.mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx_from_dtype(v.dtype));
  auto* shape = tt->mutable_shape();
  for (int64_t d : v.shape) shape->add_dim()->set_dim_value(d);
}

// Writes initializers' bytes inline or into the external data file.
class InitializerWriter {
 public:
  InitializerWriter(const std::string& model_path, bool external, int64_t inline_below)
      : external_(external), inline_below_(inline_below) {
    if (!external_) return;
    data_path_ = model_path + ".data";
    location_ = std::filesystem::path(data_path_).filename().string();
    write_output_file(data_path_, "");  // created here, never through a symlink
    out_.open(data_path_, std::ios::binary | std::ios::trunc);
    if (!out_) fail("cannot write external data file '{}'", data_path_);
  }

  void write(const Tensor& t, onnx::TensorProto& tp) {
    const auto bytes = static_cast<int64_t>(t.nbytes());
    if (!external_ || bytes < inline_below_) {
      tp.set_raw_data(tensor_bytes(t));
      return;
    }
    const int64_t pad = (kAlign - offset_ % kAlign) % kAlign;
    out_.write(std::string(static_cast<size_t>(pad), '\0').data(), pad);
    offset_ += pad;
    out_.write(static_cast<const char*>(t.raw()), bytes);
    if (!out_) fail("cannot write external data file '{}' (disk full?)", data_path_);
    tp.set_data_location(onnx::TensorProto::EXTERNAL);
    add_entry(tp, "location", location_);
    add_entry(tp, "offset", std::to_string(offset_));
    add_entry(tp, "length", std::to_string(bytes));
    offset_ += bytes;
  }

  // The data file's path and size; empty path when nothing went external.
  std::pair<std::string, int64_t> finish() {
    if (!external_) return {"", 0};
    out_.close();
    if (offset_ == 0) {
      std::filesystem::remove(data_path_);
      return {"", 0};
    }
    return {data_path_, offset_};
  }

 private:
  static void add_entry(onnx::TensorProto& tp, const std::string& key, const std::string& value) {
    auto* e = tp.add_external_data();
    e->set_key(key);
    e->set_value(value);
  }

  bool external_;
  int64_t inline_below_;
  std::string data_path_, location_;
  std::ofstream out_;
  int64_t offset_ = 0;
};

bool wants_external(const graph::Graph& g, const std::vector<bool>& used, const ExportOptions& o) {
  if (o.external != ExportOptions::External::Auto) return o.external == ExportOptions::External::Always;
  int64_t total = 0;
  for (size_t i = 0; i < g.values.size(); ++i)
    if (used[i] && g.values[i].constant) total += static_cast<int64_t>(g.values[i].constant->nbytes());
  return total > o.auto_threshold_bytes;
}

// The canonical form gives every Reduce* its axes as input 1; in opset 17
// only ReduceSum takes them so, the others take an `axes` attribute.
bool axes_as_attribute(const std::string& op) {
  return op != "ReduceSum" && op.rfind("Reduce", 0) == 0;
}

graph::Node to_opset17(const graph::Graph& g, const graph::Node& in) {
  graph::Node n = in;
  if (!axes_as_attribute(n.op) || !g.has_input(n, 1)) return n;
  const graph::Value& axes = *g.input(n, 1);
  if (!axes.constant)
    fail("cannot export {}: its axes '{}' are computed at run time, but opset 17's {} needs them constant",
         n.describe(), axes.name, n.op);
  n.attrs["axes"] = axes.constant->to_i64_vector();
  n.inputs.resize(1);
  return n;
}

// Values read by a node or listed as outputs (others are not exported).
std::vector<bool> used_values(const graph::Graph& g, const std::vector<graph::Node>& nodes) {
  std::vector<bool> used(g.values.size(), false);
  for (const auto& n : nodes)
    for (ValueId v : n.inputs)
      if (v != kNoValue) used[static_cast<size_t>(v)] = true;
  for (ValueId v : g.outputs) used[static_cast<size_t>(v)] = true;
  return used;
}

void add_nodes(const std::vector<graph::Node>& nodes, const std::vector<std::string>& names, onnx::GraphProto& gp) {
  std::set<std::string> node_names;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const graph::Node& n = nodes[i];
    onnx::NodeProto& np = *gp.add_node();
    np.set_op_type(n.op);
    np.set_name(unique_name(node_names, n.name.empty() ? fmt::format("{}_{}", n.op, i) : n.name));
    for (ValueId v : n.inputs) np.add_input(v == kNoValue ? "" : names[static_cast<size_t>(v)]);
    for (ValueId v : n.outputs) np.add_output(v == kNoValue ? "" : names[static_cast<size_t>(v)]);
    for (const auto& [key, attr] : n.attrs) attr_to_proto(key, attr, *np.add_attribute());
  }
}

// A graph output that is a constant needs a node producing it: Identity of an
// initializer holding the value.
void add_outputs(const graph::Graph& g, std::vector<std::string>& names, std::set<std::string>& used_names,
                 InitializerWriter& writer, onnx::GraphProto& gp) {
  for (ValueId id : g.outputs) {
    const graph::Value& v = g.value(id);
    const std::string& name = names[static_cast<size_t>(id)];
    fill_value_info(v, name, *gp.add_output());
    if (!v.constant) continue;
    onnx::NodeProto& np = *gp.add_node();
    np.set_op_type("Identity");
    np.set_name(name);
    onnx::TensorProto& tp = *gp.add_initializer();
    const std::string source = unique_name(used_names, name + "/value");
    fill_tensor(*v.constant, source, tp);
    writer.write(*v.constant, tp);
    np.add_input(source);
    np.add_output(name);
  }
}

}  // namespace

void attr_to_proto(const std::string& name, const graph::Attr& attr, onnx::AttributeProto& a) {
  a.set_name(name);
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t>) {
          a.set_type(onnx::AttributeProto::INT);
          a.set_i(v);
        } else if constexpr (std::is_same_v<T, double>) {
          a.set_type(onnx::AttributeProto::FLOAT);
          a.set_f(static_cast<float>(v));
        } else if constexpr (std::is_same_v<T, std::string>) {
          a.set_type(onnx::AttributeProto::STRING);
          a.set_s(v);
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
          a.set_type(onnx::AttributeProto::INTS);
          for (int64_t x : v) a.add_ints(x);
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          a.set_type(onnx::AttributeProto::FLOATS);
          for (double x : v) a.add_floats(static_cast<float>(x));
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          a.set_type(onnx::AttributeProto::STRINGS);
          for (const auto& x : v) a.add_strings(x);
        } else {
          a.set_type(onnx::AttributeProto::TENSOR);
          fill_tensor(v, "", *a.mutable_t());
          a.mutable_t()->set_raw_data(tensor_bytes(v));
        }
      },
      attr);
}

ExportOptions::External parse_external_mode(const std::string& text) {
  if (text == "auto") return ExportOptions::External::Auto;
  if (text == "always") return ExportOptions::External::Always;
  if (text == "never") return ExportOptions::External::Never;
  fail("external data mode '{}' should be auto, always or never", text);
}

ExportSummary export_onnx(const graph::Graph& g, const std::string& path, const ExportOptions& options) {
  check_exportable(g);
  std::set<std::string> used_names;
  std::vector<std::string> names = value_names(g, used_names);
  std::vector<graph::Node> nodes;
  for (const auto& n : g.nodes) nodes.push_back(to_opset17(g, n));
  const std::vector<bool> used = used_values(g, nodes);
  std::set<ValueId> outputs(g.outputs.begin(), g.outputs.end());

  onnx::ModelProto model;
  model.set_ir_version(kIrVersion);
  model.set_producer_name(options.producer);
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOpset);
  onnx::GraphProto& gp = *model.mutable_graph();
  gp.set_name(g.name.empty() ? "tessera" : g.name);
  for (ValueId id : g.inputs) fill_value_info(g.value(id), names[static_cast<size_t>(id)], *gp.add_input());

  InitializerWriter writer(path, wants_external(g, used, options), options.inline_below_bytes);
  ExportSummary summary;
  for (size_t i = 0; i < g.values.size(); ++i) {
    const graph::Value& v = g.values[i];
    if (!used[i] || !v.constant || outputs.count(static_cast<ValueId>(i))) continue;
    onnx::TensorProto& tp = *gp.add_initializer();
    fill_tensor(*v.constant, names[i], tp);
    writer.write(*v.constant, tp);
    summary.initializer_bytes += static_cast<int64_t>(v.constant->nbytes());
  }
  add_nodes(nodes, names, gp);
  add_outputs(g, names, used_names, writer, gp);
  std::tie(summary.data_path, summary.data_file_bytes) = writer.finish();

  if (model.ByteSizeLong() > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
    fail("'{}' would be over protobuf's 2 GiB limit; export its weights as external data", path);
  std::string bytes;
  if (!model.SerializeToString(&bytes)) fail("cannot serialise '{}'", path);
  write_output_file(path, bytes);
  summary.model_path = path;
  summary.model_file_bytes = static_cast<int64_t>(std::filesystem::file_size(path));
  return summary;
}

}  // namespace tessera::frontend
