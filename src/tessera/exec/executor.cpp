// TEMPORARY STUB
#include "tessera/exec/executor.h"
#include "tessera/support/error.h"
namespace tessera::exec {
void run_kernel(const pattern::Kernel& k, const std::vector<Tensor>&) { fail("exec not implemented: {}", k.name); }
std::map<std::string, Tensor> run_program(const pattern::Program&, const std::map<std::string, Tensor>&) { fail("exec not implemented"); }
}
