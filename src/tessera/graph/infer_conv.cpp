#include "tessera/graph/infer.h"

namespace tessera::graph {

void register_infer_conv(InferTable& t) {}

}  // namespace tessera::graph
