// A plain multilayer perceptron: Linear layers of the given widths with ReLU
// between them (none after the last).
#include <fmt/format.h>

#include "tessera/zoo/layers.h"
#include "tessera/zoo/models.h"

namespace tessera::zoo {
namespace {

graph::Graph build_mlp(const Config& c) {
  const std::vector<int64_t> widths = c.integers("widths");
  const int64_t batch = c.integer("batch");
  if (widths.size() < 2) c.reject("widths", "needs the input width and at least one layer width (e.g. 784-10)");
  GraphBuilder b("mlp");
  ValueId x = b.input("input", DType::F32, {batch, widths.front()});
  for (size_t i = 1; i < widths.size(); ++i) {
    x = linear(b, fmt::format("layers.{}", i - 1), x, widths[i]);
    if (i + 1 < widths.size()) x = relu(b, fmt::format("layers.{}.relu", i - 1), x);
  }
  b.output(b.op("Identity", "output", {x}));
  return b.finish();
}

}  // namespace

ModelDef mlp_model() {
  ModelDef m;
  m.info.name = "mlp";
  m.info.description = "Multilayer perceptron with ReLU; input [batch, widths[0]] -> output [batch, widths[-1]]";
  m.info.settings = {
      {"widths", "784-512-512-10", "input width, then each layer's width, separated by '-'"},
      {"batch", "1", "batch size"},
  };
  m.build = build_mlp;
  return m;
}

}  // namespace tessera::zoo
