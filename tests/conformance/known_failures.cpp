#include "known_failures.h"

#include <fstream>
#include <sstream>

#include "tessera/support/error.h"

namespace tessera::conformance {
namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::map<std::string, std::string> parse_known_failures(const std::string& text, const std::string& file) {
  std::map<std::string, std::string> known;
  std::istringstream in(text);
  std::string line;
  for (int line_no = 1; std::getline(in, line); ++line_no) {
    std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    size_t hash = t.find('#');
    std::string name = trim(t.substr(0, hash));
    std::string reason = hash == std::string::npos ? "" : trim(t.substr(hash + 1));
    if (name.find_first_of(" \t") != std::string::npos)
      fail("{}:{}: '{}' is not one test name; write `test_name  # reason`", file, line_no, name);
    if (reason.empty())
      fail("{}:{}: '{}' has no reason; write `{}  # why it fails`", file, line_no, name, name);
    if (!known.emplace(name, reason).second)
      fail("{}:{}: '{}' is listed twice; keep one line", file, line_no, name);
  }
  return known;
}

std::map<std::string, std::string> read_known_failures(const std::string& path) {
  std::ifstream f(path);
  if (!f) fail("{}: cannot open the known-failures file; check the path", path);
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_known_failures(ss.str(), path);
}

}  // namespace tessera::conformance
