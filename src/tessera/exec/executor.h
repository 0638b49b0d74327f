// The functional executor: evaluates Pattern IR. It is the numerical oracle
// for everything else. Contractions it recognises (matmul, conv, einsum-like
// reduce-add of a product) go to BLAS; everything else runs as loops over the
// innermost index, vectorised across a chunk of it.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tessera/pattern/ir.h"
#include "tessera/support/tensor.h"

namespace tessera::exec {

// Threads used by the interpreter (BLAS keeps its own setting). Default:
// TESSERA_NUM_THREADS, else OMP_NUM_THREADS, else the number of cores.
int num_threads();
void set_num_threads(int n);

// Runs one kernel. `params` has one tensor per In/Out param in signature
// order, with the declared dtype and shape; outputs are zero-filled first.
void run_kernel(const pattern::Kernel& k, const std::vector<Tensor>& params);

// Runs a whole program. `inputs` maps graph input names to tensors (dtype and
// shape must match; Error naming the input otherwise; missing inputs are an
// Error listing them). Returns the graph outputs by name.
// `progress`, if set, is called after each kernel call with (done, total).
using Progress = std::function<void(size_t done, size_t total)>;
std::map<std::string, Tensor> run_program(const pattern::Program& p,
                                          const std::map<std::string, Tensor>& inputs,
                                          const Progress& progress = {});

struct RunHooks {
  Progress progress;
  // Runs instead of a call's own kernel (e.g. its mapped form); same params.
  std::function<pattern::Kernel(size_t call)> kernel_for;
  // Sees every tensor a kernel computes, before anyone reads it (e.g. to round
  // it to a narrower format).
  std::function<void(Tensor&)> on_output;
};
std::map<std::string, Tensor> run_program(const pattern::Program& p, const std::map<std::string, Tensor>& inputs,
                                          const RunHooks& hooks);

}  // namespace tessera::exec
