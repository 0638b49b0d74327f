#include "tessera/autodiff/autodiff.h"
#include "tessera/autodiff/emitter.h"

namespace tessera::autodiff {

void register_grad_rnn(GradTable&) {}

}  // namespace tessera::autodiff
