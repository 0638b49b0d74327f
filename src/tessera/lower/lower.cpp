#include "tessera/lower/lower.h"

#include <set>

#include "tessera/support/error.h"

namespace tessera::lower {

int32_t LowerContext::temp(DType dtype, Shape shape, const std::string& hint) {
  pattern::ProgramTensor t;
  t.name = fmt::format("{}.tmp{}", hint, program_.tensors.size());
  t.dtype = dtype;
  t.shape = std::move(shape);
  program_.tensors.push_back(std::move(t));
  return static_cast<int32_t>(program_.tensors.size() - 1);
}

void LowerContext::emit(pattern::Kernel k, const graph::Node& n, std::vector<int32_t> args) {
  size_t params = 0;
  for (const auto& t : k.tensors) params += t.role != pattern::Role::Local;
  TESSERA_CHECK(params == args.size(), "{}: kernel {} has {} params but {} args", n.describe(), k.name,
                params, args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& p = k.tensors[i];
    const auto& t = info(args[i]);
    TESSERA_CHECK(p.dtype == t.dtype && p.shape == t.shape, "{}: kernel {} param {} is {}{} but arg {} is {}{}",
                  n.describe(), k.name, p.name, dtype_name(p.dtype), shape_str(p.shape), t.name,
                  dtype_name(t.dtype), shape_str(t.shape));
  }
  pattern::KernelCall call;
  call.kernel = std::move(k);
  call.op = n.op;
  call.node = n.name;
  call.args = std::move(args);
  call.phase = n.phase;
  program_.calls.push_back(std::move(call));
}

const LowerTable& lower_table() {
  static const LowerTable table = [] {
    LowerTable t;
    register_lower_elementwise(t);
    register_lower_linalg(t);
    register_lower_conv(t);
    register_lower_norm(t);
    register_lower_reduce(t);
    register_lower_shape(t);
    register_lower_index(t);
    register_lower_rnn(t);
    return t;
  }();
  return table;
}

namespace {

// Reshape-like ops are index remaps: their single kernel is marked as a view.
void mark_view(pattern::Program& p, const graph::Node& n, size_t first_call) {
  static const std::set<std::string, std::less<>> kViews = {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity"};
  if (!kViews.count(n.op) || p.calls.size() != first_call + 1) return;
  pattern::KernelCall& c = p.calls.back();
  const auto& in = p.tensors[c.args.front()];
  const auto& out = p.tensors[c.args.back()];
  if (in.dtype == out.dtype && num_elements(in.shape) == num_elements(out.shape)) c.view = true;
}

}  // namespace

pattern::Program lower(const graph::Graph& g) {
  pattern::Program p;
  for (const auto& v : g.values) {
    pattern::ProgramTensor t;
    t.name = v.name;
    t.dtype = v.dtype;
    t.shape = v.shape;
    t.constant = v.constant;
    t.parameter = v.parameter;
    p.tensors.push_back(std::move(t));
  }
  for (auto id : g.inputs) p.tensors[id].is_input = true;
  for (auto id : g.outputs) p.tensors[id].is_output = true;
  p.inputs.assign(g.inputs.begin(), g.inputs.end());
  p.outputs.assign(g.outputs.begin(), g.outputs.end());
  LowerContext ctx(g, p);
  for (const auto& n : g.nodes) {
    auto it = lower_table().find(n.op);
    if (it == lower_table().end()) fail("{}: no lowering for operator '{}'", n.describe(), n.op);
    const size_t before = p.calls.size();
    it->second(ctx, n);
    mark_view(p, n, before);
  }
  return p;
}

NodeParams declare_params(pattern::KernelBuilder& b, LowerContext& ctx, const graph::Node& n) {
  NodeParams np;
  const auto& g = ctx.graph();
  for (size_t k = 0; k < n.inputs.size(); ++k) {
    if (n.inputs[k] == graph::kNoValue) {
      np.in.push_back(-1);
      continue;
    }
    const auto& v = g.value(n.inputs[k]);
    np.in.push_back(b.input(fmt::format("x{}", k), v.dtype, v.shape));
    np.args.push_back(ctx.tensor(n.inputs[k]));
  }
  for (size_t k = 0; k < n.outputs.size(); ++k) {
    if (n.outputs[k] == graph::kNoValue) {
      np.out.push_back(-1);
      continue;
    }
    const auto& v = g.value(n.outputs[k]);
    np.out.push_back(b.output(fmt::format("y{}", k), v.dtype, v.shape));
    np.args.push_back(ctx.tensor(n.outputs[k]));
  }
  return np;
}

std::vector<pattern::E> broadcast_index(const Shape& from_shape, const std::vector<pattern::E>& out_index) {
  std::vector<pattern::E> idx;
  const size_t off = out_index.size() - from_shape.size();
  for (size_t d = 0; d < from_shape.size(); ++d)
    idx.push_back(from_shape[d] == 1 ? pattern::iconst(0) : out_index[off + d]);
  return idx;
}

}  // namespace tessera::lower
