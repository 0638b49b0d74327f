// known_failures.txt: tests that are allowed to fail, one per line as
// `test_name  # reason`. Blank lines and lines starting with '#' are comments.
// A listed test that passes must be removed from the file (the run fails), so
// the list only ever shrinks as support improves.
#pragma once

#include <map>
#include <string>

namespace tessera::conformance {

// test name -> reason. Throws Error naming the file and line when the file is
// missing, an entry has no '# reason', or a name is listed twice.
std::map<std::string, std::string> parse_known_failures(const std::string& text, const std::string& file);
std::map<std::string, std::string> read_known_failures(const std::string& path);

}  // namespace tessera::conformance
