#include "tessera/lower/lower.h"

namespace tessera::lower {

void register_lower_linalg(LowerTable& t) {}

}  // namespace tessera::lower
