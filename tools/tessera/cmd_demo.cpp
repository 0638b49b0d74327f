// tessera demo: not yet. The compiler and simulator it drives are the subject
// of later work; until then it says so honestly.
#include <fmt/format.h>

#include "commands.h"
#include "tessera/support/error.h"

namespace tessera::cli {

void add_demo(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("demo", "Compile and simulate a built-in model (not available yet)");
  cmd->allow_extras();
  cmd->callback([] {
    fail("'tessera demo' needs the spatial compiler and simulator, which are not built yet; "
         "today Tessera runs models functionally: try 'tessera run MODEL.onnx --input NAME=FILE.npy'");
  });
}

}  // namespace tessera::cli
