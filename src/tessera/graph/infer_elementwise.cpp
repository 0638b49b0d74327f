#include "tessera/graph/infer.h"

namespace tessera::graph {

void register_infer_elementwise(InferTable& t) {}

}  // namespace tessera::graph
