#include "tessera/lower/lower.h"

namespace tessera::lower {

void register_lower_reduce(LowerTable& t) {}

}  // namespace tessera::lower
