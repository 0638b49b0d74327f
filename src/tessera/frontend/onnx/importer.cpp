// TEMPORARY STUB — replaced by the real importer.
#include "tessera/frontend/onnx/importer.h"

#include "tessera/support/error.h"

namespace tessera::frontend {
graph::Graph import_onnx(const std::string& path, const FoldFn&) { fail("ONNX import not implemented yet: {}", path); }
Tensor read_tensor_pb(const std::string& path) { fail("not implemented: {}", path); }
}  // namespace tessera::frontend
