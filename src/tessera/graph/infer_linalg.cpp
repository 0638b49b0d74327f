#include "tessera/graph/infer.h"

namespace tessera::graph {

void register_infer_linalg(InferTable& t) {}

}  // namespace tessera::graph
