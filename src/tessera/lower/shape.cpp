#include "tessera/lower/lower.h"

namespace tessera::lower {

void register_lower_shape(LowerTable& t) {}

}  // namespace tessera::lower
