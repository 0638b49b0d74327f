#include "tessera/autodiff/autodiff.h"
#include "tessera/autodiff/emitter.h"

namespace tessera::autodiff {

void register_grad_conv(GradTable&) {}

}  // namespace tessera::autodiff
