#include "node_test.h"

#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "tensor_compare.h"
#include "tessera/driver/driver.h"
#include "tessera/exec/executor.h"
#include "tessera/frontend/onnx/importer.h"
#include "tessera/support/error.h"

namespace tessera::conformance {
namespace fs = std::filesystem;
namespace {

// A Tessera error at a stage where "unsupported" means skip.
struct Unsupported {
  std::string message;
};

std::vector<fs::path> data_sets(const std::string& dir) {
  std::vector<fs::path> sets;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory() && e.path().filename().string().rfind("test_data_set_", 0) == 0)
      sets.push_back(e.path());
  std::sort(sets.begin(), sets.end());
  return sets;
}

// Runs `f`, turning an "unsupported" Error into Unsupported; other errors propagate.
template <typename F>
auto or_unsupported(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error& e) {
    if (is_unsupported_error(e.what())) throw Unsupported{e.what()};
    throw;
  }
}

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  if (s.size() > 400) s = s.substr(0, 400) + "...";
  return s;
}

onnx::ModelProto read_model_proto(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  onnx::ModelProto model;
  if (!f || !model.ParseFromIstream(&f)) fail("{}: missing or not an ONNX model; regenerate the data", path.string());
  return model;
}

fs::path input_file(const fs::path& set, size_t k) { return set / fmt::format("input_{}.pb", k); }

// A private directory for one test process's rewritten model; removed on exit.
struct ScratchDir {
  fs::path path = fs::temp_directory_path() / fmt::format("tessera_conformance_{}", getpid());
  ScratchDir() { fs::create_directories(path); }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// Writes a copy of the test's model in which the `frozen` inputs are
// initializers holding their values from `set`; returns its path.
std::string write_frozen_model(const NodeTest& test, const fs::path& set, const std::vector<std::string>& frozen,
                               const ScratchDir& scratch) {
  onnx::ModelProto model = read_model_proto(fs::path(test.dir) / "model.onnx");
  onnx::GraphProto* graph = model.mutable_graph();
  for (const std::string& name : frozen) {
    auto pos = std::find(test.input_names.begin(), test.input_names.end(), name);
    TESSERA_CHECK(pos != test.input_names.end(), "frozen input {} is not a graph input", name);
    fs::path file = input_file(set, static_cast<size_t>(pos - test.input_names.begin()));
    std::ifstream f(file, std::ios::binary);
    onnx::TensorProto* init = graph->add_initializer();
    if (!f || !init->ParseFromIstream(&f)) fail("{}: missing or not a TensorProto; regenerate the data", file.string());
    init->set_name(name);
  }
  auto* inputs = graph->mutable_input();
  inputs->erase(std::remove_if(inputs->begin(), inputs->end(),
                               [&](const onnx::ValueInfoProto& v) {
                                 return std::find(frozen.begin(), frozen.end(), v.name()) != frozen.end();
                               }),
                inputs->end());
  std::string path = (scratch.path / "model.onnx").string();
  std::ofstream out(path, std::ios::binary);
  if (!model.SerializeToOstream(&out)) fail("{}: cannot write the frozen model", path);
  return path;
}

// Checks one data set; returns "" or the first problem. Throws Error or
// Unsupported when Tessera rejects the model.
std::string check_data_set(const NodeTest& test, const fs::path& set, const std::vector<std::string>& frozen) {
  std::optional<ScratchDir> scratch;
  std::string model_path = test.dir + "/model.onnx";
  if (!frozen.empty()) model_path = write_frozen_model(test, set, frozen, scratch.emplace());
  graph::Graph g = or_unsupported([&] { return driver::load_model(model_path); });
  pattern::Program p = or_unsupported([&] { return driver::lower_model(g); });

  std::set<std::string> runtime_inputs;
  for (graph::ValueId id : g.inputs) runtime_inputs.insert(g.value(id).name);
  std::map<std::string, Tensor> inputs;
  for (size_t k = 0; fs::exists(input_file(set, k)); ++k) {
    if (k >= test.input_names.size())
      return fmt::format("{} has more input files than the model has inputs", set.string());
    Tensor t = or_unsupported([&] { return frontend::read_tensor_pb(input_file(set, k)); });
    // Frozen inputs, and any the importer dropped as unused, are not fed.
    if (runtime_inputs.count(test.input_names[k])) inputs[test.input_names[k]] = t;
  }
  std::map<std::string, Tensor> results = exec::run_program(p, inputs);
  for (size_t k = 0; fs::exists(set / fmt::format("output_{}.pb", k)); ++k) {
    Tensor expected = or_unsupported([&] { return frontend::read_tensor_pb(set / fmt::format("output_{}.pb", k)); });
    if (k >= test.output_names.size())
      return fmt::format("{} has more output files than the model has outputs", set.string());
    const std::string& name = test.output_names[k];
    auto it = results.find(name);
    if (it == results.end()) return fmt::format("output '{}' was not produced", name);
    std::string diff = compare_allclose(expected, it->second);
    if (!diff.empty()) return fmt::format("output '{}': {}", name, diff);
  }
  return {};
}

// check_data_set, freezing shape-deciding inputs as Tessera asks for them.
std::string check_data_set_freezing(const NodeTest& test, const fs::path& set, bool allow_freeze,
                                    std::vector<std::string>& frozen) {
  for (;;) {
    try {
      return check_data_set(test, set, frozen);
    } catch (const Error& e) {
      std::vector<std::string> more = allow_freeze ? inputs_to_freeze(e.what(), test, frozen) : std::vector<std::string>{};
      if (more.empty()) throw;
      frozen.insert(frozen.end(), more.begin(), more.end());
    }
  }
}

}  // namespace

NodeTest describe_node_test(const std::string& dir) {
  NodeTest t;
  t.dir = dir;
  t.name = fs::path(dir).filename().string();
  onnx::ModelProto model = read_model_proto(fs::path(dir) / "model.onnx");
  std::set<std::string> initialized;
  for (const auto& init : model.graph().initializer()) initialized.insert(init.name());
  for (const auto& in : model.graph().input()) {
    if (initialized.count(in.name())) continue;
    t.input_names.push_back(in.name());
    int elem = in.type().has_tensor_type() ? in.type().tensor_type().elem_type() : 0;
    t.input_is_float.push_back(elem == onnx::TensorProto::FLOAT || elem == onnx::TensorProto::DOUBLE ||
                               elem == onnx::TensorProto::FLOAT16 || elem == onnx::TensorProto::BFLOAT16);
  }
  for (const auto& out : model.graph().output()) t.output_names.push_back(out.name());
  if (model.graph().node_size() == 1) t.op = model.graph().node(0).op_type();
  return t;
}

bool is_unsupported_error(const std::string& message) {
  if (message.rfind("unsupported operators", 0) == 0) return true;
  // The importer's wording for unsupported dtypes, data-dependent shapes,
  // sequence inputs, training-only modes and other operator domains.
  for (const char* phrase : {"unsupported dtype", "is not supported", "are not supported", "does not support",
                             "does not import the default ONNX opset"})
    if (message.find(phrase) != std::string::npos) return true;
  return false;
}

std::vector<std::string> inputs_to_freeze(const std::string& message, const NodeTest& test,
                                          const std::vector<std::string>& frozen) {
  static const std::regex kMustBeConstant("'([^']*)' must be a constant");
  std::smatch m;
  if (!std::regex_search(message, m, kMustBeConstant)) return {};
  auto is_frozen = [&](const std::string& n) { return std::find(frozen.begin(), frozen.end(), n) != frozen.end(); };
  const std::string named = m[1];
  if (std::find(test.input_names.begin(), test.input_names.end(), named) != test.input_names.end())
    return is_frozen(named) ? std::vector<std::string>{} : std::vector<std::string>{named};
  std::vector<std::string> ints;
  for (size_t k = 0; k < test.input_names.size(); ++k)
    if (!test.input_is_float[k] && !is_frozen(test.input_names[k])) ints.push_back(test.input_names[k]);
  return ints;
}

Result run_node_test(const NodeTest& test, bool allow_freeze) {
  Result r;
  try {
    auto sets = data_sets(test.dir);
    if (sets.empty()) return {Outcome::Failed, "no test_data_set_* directory; regenerate the data", {}};
    // The same inputs are frozen for every data set, each to its own values.
    for (const auto& set : sets) {
      std::string problem = check_data_set_freezing(test, set, allow_freeze, r.frozen);
      if (!problem.empty()) {
        r.message = one_line(problem);
        return r;
      }
    }
    r.outcome = Outcome::Passed;
  } catch (const Unsupported& u) {
    r.outcome = Outcome::Skipped;
    r.message = one_line(u.message);
  } catch (const Error& e) {
    r.message = one_line(e.what());
  } catch (const InternalError& e) {
    r.message = one_line(e.what());
  } catch (const std::exception& e) {
    r.message = one_line(fmt::format("std::exception: {}", e.what()));
  }
  return r;
}

}  // namespace tessera::conformance
