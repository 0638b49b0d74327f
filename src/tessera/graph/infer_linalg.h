// Einsum equations, parsed once for both shape inference and lowering.
// Labels are small integers: 'A'..'Z' -> 0..25, 'a'..'z' -> 26..51 (so sorting
// labels gives ASCII order, which the implicit output form uses); the dims an
// ellipsis stands for get labels kEllipsisLabel + j, right-aligned across
// operands like NumPy broadcasting.
#pragma once

#include <map>
#include <vector>

#include "tessera/graph/graph.h"

namespace tessera::graph {

constexpr int kEllipsisLabel = 52;

struct EinsumSpec {
  std::vector<std::vector<int>> inputs;  // one label per operand dim
  std::vector<int> output;               // one label per output dim
  std::map<int, int64_t> extents;        // label -> size (after broadcasting 1s)
  // Labels summed over: in some input, not in the output (ascending).
  std::vector<int> summed() const;
};

// Parses the node's "equation" against its input shapes; throws Error naming
// the node and the equation for malformed or unsupported (3+ operand) forms.
EinsumSpec parse_einsum(const Graph& g, const Node& n);

}  // namespace tessera::graph
