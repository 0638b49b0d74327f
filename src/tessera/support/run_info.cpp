#include "tessera/support/run_info.h"

#include <cctype>
#include <string_view>

namespace tessera {
namespace {

std::string& stored_command_line() {
  static std::string line;
  return line;
}

std::string quoted(const std::string& arg) {
  bool plain = !arg.empty();
  for (char c : arg) plain &= std::string_view("@%+=:,./-_").find(c) != std::string_view::npos || std::isalnum(static_cast<unsigned char>(c));
  if (plain) return arg;
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'')
      out.append("'\\''");
    else
      out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

}  // namespace

void set_command_line(int argc, const char* const* argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    if (i > 0) line.push_back(' ');
    line.append(quoted(argv[i]));
  }
  stored_command_line() = line;
}

const std::string& command_line() { return stored_command_line(); }

}  // namespace tessera
