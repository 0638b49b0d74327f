#include "tessera/lower/lower.h"

namespace tessera::lower {

void register_lower_index(LowerTable& t) {}

}  // namespace tessera::lower
