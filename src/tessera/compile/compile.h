// The compiler pipeline: Pattern IR program + chip -> Spatial program.
// Each pass is one file with a header paragraph; `passes()` lists them in
// order with a one-line summary (used by --help and --print-after).
//
//   analyze      work, shape and access facts of every kernel call
//   section      kernels grouped into sections (-O0: one each; -O1: fused up to the chip)
//   tile         tile sizes, PMU buffers, weight residency and DRAM traffic per kernel
//   parallelize  chain and parallel copies per kernel, balancing each section's stages
//   units        virtual PCUs/PMUs/AGCUs and the streams between them
//   place        virtual -> physical units (seeded, deterministic)
//   route        streams on the static mesh, within link capacities
//   verify       the whole mapping is consistent (run after every pass in debug)
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tessera/compile/spatial.h"
#include "tessera/pattern/ir.h"

namespace tessera::compile {

struct CompileOptions {
  int opt = 1;                 // 0: kernel by kernel; 1: spatial dataflow
  uint64_t seed = 1;           // placement
  std::string print_after;     // pass name, or "all": dump the program after it (stderr)
  bool verify_each = false;    // run the verifier after every pass
};

struct PassContext {
  const pattern::Program& program;
  const CompileOptions& options;
  SpatialProgram& out;
};

struct Pass {
  const char* name;
  const char* summary;
  void (*run)(PassContext& ctx);
};

const std::vector<Pass>& passes();

// Throws Error when the model cannot be mapped (names the resource and the shortfall).
SpatialProgram compile(const pattern::Program& p, const Chip& chip, const CompileOptions& options,
                       const std::string& model_name);

// Text dump of a spatial program (for --print-after).
std::string print(const SpatialProgram& sp);

// Pass entry points (one file each).
void analyze(PassContext& ctx);
void section(PassContext& ctx);
void tile(PassContext& ctx);
void parallelize(PassContext& ctx);
void build_units(PassContext& ctx);
void place(PassContext& ctx);
void route(PassContext& ctx);
void verify(const SpatialProgram& sp);  // throws InternalError naming the broken invariant
void verify_pass(PassContext& ctx);

}  // namespace tessera::compile
