#include "tessera/driver/driver.h"

#include <cstdlib>

#include <fmt/format.h>

#include "tessera/arch/derived.h"
#include "tessera/arch/spec.h"
#include "tessera/compile/chip.h"
#include "tessera/exec/executor.h"
#include "tessera/pattern/fuse.h"
#include "tessera/frontend/onnx/importer.h"
#include "tessera/lower/lower.h"
#include "tessera/zoo/zoo.h"
#include "tessera/support/error.h"
#include "tessera/support/npy.h"

namespace tessera::driver {
namespace {

// Folds one node with all-constant inputs by lowering it alone and executing it.
std::vector<Tensor> fold_node(const graph::Graph& g, const graph::Node& n) {
  auto it = lower::lower_table().find(n.op);
  if (it == lower::lower_table().end()) fail("{}: cannot fold operator '{}'", n.describe(), n.op);
  graph::Graph one;
  one.opset = g.opset;
  graph::Node copy = n;
  for (auto& in : copy.inputs)
    if (in != graph::kNoValue) in = one.add_value(g.value(in));
  for (auto& out : copy.outputs)
    if (out != graph::kNoValue) {
      graph::Value v = g.value(out);
      v.constant.reset();
      out = one.add_value(v);
      one.outputs.push_back(out);
    }
  one.nodes.push_back(copy);
  pattern::Program p = lower::lower(one);
  auto results = exec::run_program(p, {});
  std::vector<Tensor> outs;
  for (size_t k = 0; k < n.outputs.size(); ++k)
    outs.push_back(n.outputs[k] == graph::kNoValue ? Tensor() : results.at(one.value(copy.outputs[k]).name));
  return outs;
}

// TESSERA_DUMP=graph,pattern prints the IR after each step on stderr.
bool dump(const char* what) {
  const char* env = std::getenv("TESSERA_DUMP");
  return env && (std::string(env).find(what) != std::string::npos || std::string(env) == "all");
}

// Folding for training: a node reading a float initializer stays a node, so
// the weight it reads keeps its own gradient (a folded Transpose(W) would get
// W's gradient under another name).
std::vector<Tensor> fold_keeping_weights(const graph::Graph& g, const graph::Node& n) {
  for (graph::ValueId i : n.inputs)
    if (i != graph::kNoValue && g.value(i).initializer && is_float(g.value(i).dtype)) return {};
  return fold_node(g, n);
}

}  // namespace

graph::Graph load_model(const std::string& path, bool trainable) {
  graph::Graph g = zoo::is_zoo_spec(path)
                       ? zoo::load(path)
                       : frontend::import_onnx(path, trainable ? frontend::FoldFn(fold_keeping_weights)
                                                               : frontend::FoldFn(fold_node));
  graph::verify(g);
  if (dump("graph")) fmt::print(stderr, "{}", graph::print(g));
  return g;
}

pattern::Program lower_model(const graph::Graph& g) {
  pattern::Program p = lower::lower(g);
  if (dump("pattern")) fmt::print(stderr, "{}", pattern::print(p));
  return p;
}

graph::Graph load_for(const std::string& path, const TrainMode& mode, bool execution) {
  if (!mode.enabled) return execution ? load_model_for_execution(path) : load_model(path);
  return load_training_step(path, mode, execution).g;
}

train::TrainingStep load_training_step(const std::string& path, const TrainMode& mode, bool execution) {
  std::string spec = path;
  if (mode.batch > 0) {
    if (!zoo::is_zoo_spec(path))
      fail("--batch applies to zoo models; an ONNX model keeps the batch it was exported with");
    if (path.find(",batch=") != std::string::npos) fail("--batch {} and the model's batch= setting: give one", mode.batch);
    spec += fmt::format(",batch={}", mode.batch);
  }
  graph::Graph g = execution ? load_model_for_execution(spec, true) : load_model(spec, true);
  train::TrainingStep step = train::training_step(std::move(g), mode.step);
  if (dump("graph")) fmt::print(stderr, "{}", graph::print(step.g));
  return step;
}

std::map<std::string, Tensor> step_state_inputs(const train::TrainingStep& step, const train::StepOptions& options) {
  std::map<std::string, Tensor> feeds;
  for (const train::StateVar& s : step.state)
    if (s.initial.valid()) feeds[s.name] = s.initial;
  feeds[step.lr] = Tensor::scalar_f32(static_cast<float>(options.lr));
  return feeds;
}

void check_step_fits(const graph::Graph& step, const arch::ArchSpec& spec) {
  const train::StepMemory m = train::step_memory(step);
  const double capacity = arch::dram_capacity_gib(spec) * 1073741824.0;
  if (capacity <= 0 || static_cast<double>(m.total()) <= capacity) return;
  fail("the training step needs {:.3g} GB of memory but '{}' has {:.3g} GB of DRAM ({:.3g} GB short): weights "
       "{:.3g} GB, gradients {:.3g} GB, optimizer state {:.3g} GB, saved activations {:.3g} GB; use a smaller "
       "batch, --recompute (activations) or an architecture with more DRAM",
       m.total() / 1e9, spec.name, capacity / 1e9, (m.total() - capacity) / 1e9, m.weights / 1e9, m.gradients / 1e9,
       m.optimizer_state / 1e9, m.activations / 1e9);
}

compile::SpatialProgram compile_model(const std::string& model, const std::string& arch,
                                      const compile::CompileOptions& options, const TrainMode& mode) {
  const arch::ArchSpec spec = arch::load_arch(arch);
  const compile::Chip chip = compile::chip_from_arch(spec, arch::headline_precision(spec));
  const graph::Graph g = load_for(model, mode, false);
  if (mode.enabled) check_step_fits(g, spec);
  return compile::compile(lower_model(g), chip, options, model);
}

graph::Graph load_model_for_execution(const std::string& path, bool trainable) {
  graph::Graph g = load_model(path, trainable);
  zoo::materialize(g, 0);  // built-in models' weights; seed 0 as `tessera zoo export`
  return g;
}

std::map<std::string, Tensor> read_inputs(const std::vector<std::string>& specs) {
  std::map<std::string, Tensor> feeds;
  for (const auto& spec : specs) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) fail("--input '{}' should be NAME=FILE.npy", spec);
    feeds[spec.substr(0, eq)] = read_npy(spec.substr(eq + 1));
  }
  return feeds;
}

std::map<std::string, Tensor> run_model(const std::string& path, const std::map<std::string, Tensor>& inputs) {
  return exec::run_program(pattern::fuse_elementwise(lower_model(load_model_for_execution(path))), inputs);
}

}  // namespace tessera::driver
