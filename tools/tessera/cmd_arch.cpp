// tessera arch list | tessera arch show NAME|FILE.yaml [--json]  (being written)
#include "commands.h"
#include "tessera/support/error.h"

namespace tessera::cli {
void add_arch(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("arch", "List or show architecture presets (not available yet)");
  cmd->allow_extras();
  cmd->callback([] { fail("'tessera arch' is not available yet"); });
}
}  // namespace tessera::cli
