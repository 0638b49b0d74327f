#include "tessera/graph/infer.h"

namespace tessera::graph {

void register_infer_reduce(InferTable& t) {}

}  // namespace tessera::graph
