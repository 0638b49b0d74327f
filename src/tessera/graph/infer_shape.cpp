#include "tessera/graph/infer.h"

namespace tessera::graph {

void register_infer_shape(InferTable& t) {}

}  // namespace tessera::graph
