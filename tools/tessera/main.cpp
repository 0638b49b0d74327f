// tessera: the command-line driver. Errors a user can cause end the command
// with one line on stderr and exit status 1; internal errors exit with 2.
#include <cstdio>

#include <fmt/format.h>

#include "commands.h"
#include "tessera/support/error.h"

int main(int argc, char** argv) {
  CLI::App app{"Tessera: a compiler and simulator for reconfigurable dataflow accelerators.\n"
               "MODEL is a path to an .onnx file. Tensors are NumPy .npy files."};
  app.require_subcommand(1);
  tessera::cli::add_run(app);
  tessera::cli::add_info(app);
  tessera::cli::add_demo(app);
  tessera::cli::add_arch(app);
  tessera::cli::add_zoo(app);
  tessera::cli::add_compile(app);
  tessera::cli::add_sim(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const tessera::Error& e) {
    fmt::print(stderr, "tessera: error: {}\n", e.what());
    return 1;
  } catch (const tessera::InternalError& e) {
    fmt::print(stderr, "tessera: {} — this is a Tessera bug, please report it\n", e.what());
    return 2;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "tessera: error: out of memory\n");
    return 1;
  }
  return 0;
}
