// Internal to the ONNX frontend: the last import step. Graph outputs that
// ended up constant get an Identity node reading a copy of the constant (so
// every output is computed by a node), nodes that no output depends on are
// removed, and values nothing refers to any more are dropped and renumbered.
#pragma once

#include "tessera/graph/graph.h"

namespace tessera::frontend {

void finalize_graph(graph::Graph& g);

}  // namespace tessera::frontend
