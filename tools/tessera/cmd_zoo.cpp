// tessera zoo list | tessera zoo export NAME ... (being written)
#include "commands.h"
#include "tessera/support/error.h"

namespace tessera::cli {
void add_zoo(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("zoo", "Built-in models (not available yet)");
  cmd->allow_extras();
  cmd->callback([] { fail("'tessera zoo' is not available yet"); });
}
}  // namespace tessera::cli
