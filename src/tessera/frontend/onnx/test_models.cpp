// write_model / write_tensor_pb: the ONNX protobuf side of test_models.h.
#include "tessera/frontend/onnx/test_models.h"

#include <filesystem>
#include <fstream>
#include <variant>

#include "tessera/frontend/onnx/onnx_proto.h"
#include "tessera/support/error.h"

namespace tessera::frontend::testing {
namespace {

std::string tensor_bytes(const Tensor& t) {
  if (t.nbytes() == 0) return "";
  return std::string(static_cast<const char*>(t.raw()), t.nbytes());
}

void fill_typed(const Tensor& t, onnx::TensorProto& tp) {
  for (int64_t i = 0; i < t.size(); ++i) {
    switch (t.dtype()) {
      case DType::F32:
        tp.add_float_data(static_cast<float>(t.get_f64(i)));
        break;
      case DType::F64:
        tp.add_double_data(t.get_f64(i));
        break;
      case DType::I64:
        tp.add_int64_data(t.get_i64(i));
        break;
      default:
        tp.add_int32_data(static_cast<int32_t>(t.get_i64(i)));
        break;
    }
  }
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  TESSERA_CHECK(out.good(), "cannot write '{}'", path);
}

void fill_tensor(const Tensor& t, const std::string& name, Storage storage, onnx::TensorProto& tp) {
  tp.set_name(name);
  tp.set_data_type(onnx_from_dtype(t.dtype()));
  for (int64_t d : t.shape()) tp.add_dims(d);
  if (storage == Storage::Typed)
    fill_typed(t, tp);
  else
    tp.set_raw_data(tensor_bytes(t));
}

void fill_initializer(const InitializerSpec& s, const std::string& dir, onnx::TensorProto& tp) {
  fill_tensor(s.value, s.name, s.storage == Storage::Typed ? Storage::Typed : Storage::Raw, tp);
  if (s.onnx_type != 0) tp.set_data_type(s.onnx_type);
  if (s.declared_shape) {
    tp.clear_dims();
    for (int64_t d : *s.declared_shape) tp.add_dims(d);
  }
  if (s.storage != Storage::External) return;
  tp.clear_raw_data();
  tp.set_data_location(onnx::TensorProto::EXTERNAL);
  auto add = [&](const std::string& k, const std::string& v) {
    auto* e = tp.add_external_data();
    e->set_key(k);
    e->set_value(v);
  };
  add("location", s.external_file);
  add("offset", std::to_string(s.external_offset));
  add("length", std::to_string(s.value.nbytes()));
  if (s.write_external)
    write_file((std::filesystem::path(dir) / s.external_file).string(),
               std::string(static_cast<size_t>(s.external_offset), '\0') + tensor_bytes(s.value));
}

void fill_value_info(const ValueSpec& s, onnx::ValueInfoProto& vi) {
  vi.set_name(s.name);
  auto* tt = vi.mutable_type()->mutable_tensor_type();
  tt->set_elem_type(s.onnx_type != 0 ? s.onnx_type : onnx_from_dtype(s.dtype));
  if (s.no_shape) return;
  auto* shape = tt->mutable_shape();
  for (size_t k = 0; k < s.shape.size(); ++k) {
    auto* dim = shape->add_dim();
    auto it = s.symbolic.find(static_cast<int>(k));
    if (it == s.symbolic.end())
      dim->set_dim_value(s.shape[k]);
    else if (!it->second.empty())
      dim->set_dim_param(it->second);
  }
}


void fill_node(const NodeSpec& s, onnx::NodeProto& np) {
  np.set_op_type(s.op);
  np.set_name(s.name);
  np.set_domain(s.domain);
  for (const auto& in : s.inputs) np.add_input(in);
  for (const auto& out : s.outputs) np.add_output(out);
  for (const auto& [name, attr] : s.attrs) attr_to_proto(name, attr, *np.add_attribute());
  if (s.subgraph) {
    auto* a = np.add_attribute();
    a->set_name("body");
    a->set_type(onnx::AttributeProto::GRAPH);
    a->mutable_g()->set_name("body");
  }
}

}  // namespace

void write_model(const ModelSpec& m, const std::string& path) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("tessera-tests");
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(m.opset);
  onnx::GraphProto& g = *model.mutable_graph();
  g.set_name(m.graph_name);
  for (const auto& in : m.inputs) fill_value_info(in, *g.add_input());
  for (const auto& init : m.initializers) {
    fill_initializer(init, dir, *g.add_initializer());
    if (!init.also_input) continue;
    ValueSpec as_input;
    as_input.name = init.name;
    as_input.dtype = init.value.dtype();
    as_input.shape = init.value.shape();
    fill_value_info(as_input, *g.add_input());
  }
  for (const auto& n : m.nodes) fill_node(n, *g.add_node());
  for (const auto& out : m.outputs) g.add_output()->set_name(out);
  write_file(path, model.SerializeAsString());
}

void write_tensor_pb(const Tensor& t, const std::string& name, const std::string& path, Storage storage) {
  onnx::TensorProto tp;
  fill_tensor(t, name, storage, tp);
  write_file(path, tp.SerializeAsString());
}

}  // namespace tessera::frontend::testing
