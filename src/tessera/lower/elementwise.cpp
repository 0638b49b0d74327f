#include "tessera/lower/lower.h"

namespace tessera::lower {

void register_lower_elementwise(LowerTable& t) {}

}  // namespace tessera::lower
