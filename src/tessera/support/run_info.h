// What every report records about the run that made it: Tessera's version
// and the command line. main() sets the command line once at start-up.
#pragma once

#include <string>

namespace tessera {

inline constexpr const char* kTesseraVersion = "0.2.0";

void set_command_line(int argc, const char* const* argv);
// The command line as one string, each argument shell-quoted when needed;
// empty when Tessera is used as a library.
const std::string& command_line();

}  // namespace tessera
