#include "tessera/support/output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "tessera/support/error.h"

namespace tessera {
namespace fs = std::filesystem;

void check_output_dir(const std::string& dir, std::string_view flag) {
  if (dir.empty()) fail("{} is empty; name an output folder", flag);
  std::error_code ec;
  const fs::file_status link = fs::symlink_status(dir, ec);
  if (fs::is_symlink(link) && !fs::exists(fs::status(dir, ec)))
    fail("{} '{}' is a symlink to nothing; remove it or choose another folder", flag, dir);
  if (fs::exists(link) && !fs::is_directory(fs::status(dir, ec)))
    fail("{} '{}' is an existing file, not a folder; choose another path", flag, dir);
}

void prepare_output_dir(const std::string& dir, std::string_view flag) {
  check_output_dir(dir, flag);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail("cannot create {} folder '{}': {}", flag, dir, ec.message());
}

void write_output_file(const std::string& path, std::string_view head, std::string_view body) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    if (err == ELOOP) fail("refusing to write '{}': it is a symlink; remove it and run again", path);
    fail("cannot write '{}': {}; check that the folder exists and is writable", path, std::strerror(err));
  }
  bool ok = true;
  for (std::string_view part : {head, body}) {
    while (ok && !part.empty()) {
      const ssize_t n = ::write(fd, part.data(), part.size());
      if (n < 0 && errno == EINTR) continue;
      ok = n > 0;
      if (ok) part.remove_prefix(static_cast<size_t>(n));
    }
  }
  const int err = errno;
  ok = (::close(fd) == 0) && ok;
  if (!ok) fail("failed writing '{}': {} (disk full?)", path, std::strerror(err));
}

void remove_stale_output(const std::string& dir, const std::string& name) {
  std::error_code ec;
  const fs::path p = fs::path(dir) / name;
  if (fs::is_regular_file(fs::symlink_status(p, ec))) fs::remove(p, ec);
}

std::string file_name_for_tensor(const std::string& name) {
  std::string out;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '.' || c == '-' || c == '_')
      out += c;
    else
      out += fmt::format("%{:02X}", u);
  }
  if (out.empty() || out == "." || out == "..") out = "%" + out;  // never a folder's own name
  return out;
}

}  // namespace tessera
