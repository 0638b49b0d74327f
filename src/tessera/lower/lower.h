// Lowering: every graph node becomes one or more Pattern IR kernels. One file
// per op family registers its rules (lower/<family>.cpp). Input: a Graph whose
// shapes are all inferred. Output: a Program whose tensors mirror the graph's
// values (same ids), plus temporaries a rule asks for.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tessera/graph/graph.h"
#include "tessera/pattern/builder.h"
#include "tessera/pattern/ir.h"

namespace tessera::lower {

class LowerContext {
 public:
  LowerContext(const graph::Graph& g, pattern::Program& p) : graph_(g), program_(p) {}
  const graph::Graph& graph() const { return graph_; }
  // The program tensor for a graph value (ids are equal by construction).
  int32_t tensor(graph::ValueId v) const { return v; }
  const pattern::ProgramTensor& info(int32_t t) const { return program_.tensors.at(static_cast<size_t>(t)); }
  // A program-level temporary, for rules that emit several kernels.
  int32_t temp(DType dtype, Shape shape, const std::string& hint);
  // Appends a call; args are program tensor ids matching the kernel's In/Out params in order.
  void emit(pattern::Kernel k, const graph::Node& n, std::vector<int32_t> args);

 private:
  const graph::Graph& graph_;
  pattern::Program& program_;
};

using LowerFn = void (*)(LowerContext& ctx, const graph::Node& n);
using LowerTable = std::map<std::string, LowerFn, std::less<>>;

const LowerTable& lower_table();
pattern::Program lower(const graph::Graph& g);

// Helper for rule writers: declares kernel params for a node's inputs/outputs in
// order, returning their TensorIds (absent optional inputs get -1), and records
// the program args.
struct NodeParams {
  std::vector<pattern::TensorId> in, out;
  std::vector<int32_t> args;
};
NodeParams declare_params(pattern::KernelBuilder& b, LowerContext& ctx, const graph::Node& n);

// Index expressions reading `from` (of shape from_shape) broadcast into an
// output indexed by out_index (NumPy alignment from the right).
std::vector<pattern::E> broadcast_index(const Shape& from_shape, const std::vector<pattern::E>& out_index);

void register_lower_elementwise(LowerTable& t);
void register_lower_linalg(LowerTable& t);
void register_lower_conv(LowerTable& t);
void register_lower_norm(LowerTable& t);
void register_lower_reduce(LowerTable& t);
void register_lower_shape(LowerTable& t);
void register_lower_index(LowerTable& t);
void register_lower_rnn(LowerTable& t);

}  // namespace tessera::lower
