// Reading serialized protobuf files (models and single tensors) with errors
// that name the file. Parsing goes through a CodedInputStream whose size limit
// is raised to protobuf's maximum (2 GiB) so large models load.
#include <fcntl.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>

#include "tessera/frontend/onnx/importer.h"
#include "tessera/frontend/onnx/onnx_proto.h"
#include "tessera/support/error.h"

namespace tessera::frontend {
namespace {

std::string open_error_text(int err) {
  if (err == ENOENT) return "no such file";
  std::string text = std::strerror(err);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// Parses `path` into `message`; `kind` ("model", "tensor file") appears in messages.
void parse_file(const std::string& path, const std::string& kind, google::protobuf::Message& message) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail("cannot open {} '{}': it is a directory", kind, path);
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) fail("cannot open {} '{}': {}", kind, path, open_error_text(errno));
  // 1 MiB reads: the default 8 KiB blocks made parsing a 47 MB model take half
  // again as long (one syscall and buffer refill per block).
  google::protobuf::io::FileInputStream file(fd, 1 << 20);
  file.SetCloseOnDelete(true);
  bool ok = false;
  {
    google::protobuf::io::CodedInputStream coded(&file);
    coded.SetTotalBytesLimit(INT_MAX);
    ok = message.ParseFromCodedStream(&coded) && coded.ConsumedEntireMessage();
  }
  if (file.GetErrno() != 0) fail("cannot read {} '{}': {}", kind, path, open_error_text(file.GetErrno()));
  if (!ok) fail("'{}' is not a valid ONNX {} (protobuf parse failed): truncated or corrupt file", path, kind);
}

std::string parent_dir(const std::string& path) { return std::filesystem::path(path).parent_path().string(); }

}  // namespace

onnx::ModelProto load_model_proto(const std::string& path) {
  onnx::ModelProto model;
  parse_file(path, "model", model);
  if (!model.has_graph())
    fail("'{}' is not a valid ONNX model: it has no graph (empty file, or not an ONNX model)", path);
  return model;
}

Tensor read_tensor_pb(const std::string& path) {
  onnx::TensorProto tp;
  parse_file(path, "tensor file", tp);
  std::string what =
      tp.name().empty() ? fmt::format("tensor in '{}'", path) : fmt::format("tensor '{}' in '{}'", tp.name(), path);
  return tensor_from_proto(tp, parent_dir(path), what);
}

}  // namespace tessera::frontend
