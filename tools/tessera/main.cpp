// tessera: the command-line driver. Every error a user can cause — a bad flag,
// an unknown command, a bad model — ends the command with one line on stderr
// and exit status 1; a Tessera bug (InternalError) says so and exits with 2.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "commands.h"
#include "tessera/support/error.h"
#include "tessera/support/run_info.h"

namespace {

// The first line of a message, so that every error stays one line.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

int user_error(const std::string& what) {
  fmt::print(stderr, "tessera: error: {}\n", one_line(what));
  return 1;
}

// CLI11 says "A subcommand is required" for a misspelt command; name it instead.
std::string unknown_command(CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return "";
  const auto subs = app.get_subcommands([](CLI::App*) { return true; });
  for (CLI::App* sub : subs)
    if (sub->check_name(argv[1])) return "";
  std::string names;
  for (const CLI::App* sub : subs) names += (names.empty() ? "" : ", ") + sub->get_name();
  return fmt::format("unknown command '{}'; the commands are {} (tessera --help)", argv[1], names);
}

int parse_and_run(CLI::App& app, int argc, char** argv) {
  try {
    if (std::string bad = unknown_command(app, argc, argv); !bad.empty()) return user_error(bad);
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::RequiredError& e) {
    if (argc < 2) return user_error("a command is required: tessera demo, run, info, compile, sim, arch, zoo (tessera --help)");
    return user_error(fmt::format("{}; see tessera {} --help", e.what(), argv[1]));
  } catch (const CLI::ParseError& e) {
    return user_error(fmt::format("{}; see tessera{} --help", e.what(), argc > 1 && argv[1][0] != '-' ? fmt::format(" {}", argv[1]) : ""));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  tessera::set_command_line(argc, argv);
  CLI::App app{"Tessera: a compiler and simulator for reconfigurable dataflow accelerators.\n"
               "MODEL is a path to an .onnx file or zoo:NAME[,key=value...]. Tensors are NumPy .npy files."};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("tessera ") + tessera::kTesseraVersion);
  tessera::cli::add_run(app);
  tessera::cli::add_info(app);
  tessera::cli::add_demo(app);
  tessera::cli::add_arch(app);
  tessera::cli::add_zoo(app);
  tessera::cli::add_compile(app);
  tessera::cli::add_sim(app);
  try {
    return parse_and_run(app, argc, argv);
  } catch (const tessera::Error& e) {
    return user_error(e.what());
  } catch (const tessera::InternalError& e) {
    fmt::print(stderr, "tessera: {} — this is a Tessera bug, please report it\n", one_line(e.what()));
    return 2;
  } catch (const std::bad_alloc&) {
    return user_error("out of memory; try a smaller model or batch");
  } catch (const std::filesystem::filesystem_error& e) {
    return user_error(e.what());
  } catch (const std::exception& e) {
    return user_error(e.what());
  } catch (...) {
    return user_error("unknown failure");
  }
}
