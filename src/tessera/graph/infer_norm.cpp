#include "tessera/graph/infer.h"

namespace tessera::graph {

void register_infer_norm(InferTable& t) {}

}  // namespace tessera::graph
