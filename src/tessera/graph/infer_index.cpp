#include "tessera/graph/infer.h"

namespace tessera::graph {

void register_infer_index(InferTable& t) {}

}  // namespace tessera::graph
