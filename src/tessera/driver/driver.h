// What the CLI and end-to-end tests call: load a model, lower it, run it.
#pragma once

#include <map>
#include <string>

#include "tessera/graph/graph.h"
#include "tessera/pattern/ir.h"
#include "tessera/support/tensor.h"

namespace tessera::driver {

// Imports an ONNX file (or `zoo:NAME` later), infers shapes and folds
// constants. Throws Error with a one-line cause.
graph::Graph load_model(const std::string& path);
pattern::Program lower_model(const graph::Graph& g);
// load + lower + execute.
std::map<std::string, Tensor> run_model(const std::string& path, const std::map<std::string, Tensor>& inputs);

}  // namespace tessera::driver
