#include "tessera/lower/lower.h"

namespace tessera::lower {

void register_lower_rnn(LowerTable& t) {}

}  // namespace tessera::lower
