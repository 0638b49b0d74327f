#include "tessera/lower/lower.h"

namespace tessera::lower {

void register_lower_norm(LowerTable& t) {}

}  // namespace tessera::lower
