#include "tessera/lower/lower.h"

namespace tessera::lower {

void register_lower_conv(LowerTable& t) {}

}  // namespace tessera::lower
