#include "tessera/graph/infer.h"

namespace tessera::graph {

void register_infer_rnn(InferTable& t) {}

}  // namespace tessera::graph
