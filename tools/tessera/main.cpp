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

// A message as one printable line: line breaks become spaces, and any other
// control character (from a name in a hostile model) or Unicode line break
// (U+0085, U+2028, U+2029) is written as \xNN, so no terminal or tool reading
// stderr sees a second line.
std::string one_line(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const bool nel = c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x85;
    const bool separator = c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                           (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9);
    if (c == '\n' || c == '\r') {
      out += ' ';
    } else if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else if (nel || separator) {
      const size_t n = nel ? 2 : 3;
      for (size_t k = 0; k < n; ++k) out += fmt::format("\\x{:02x}", static_cast<unsigned char>(s[i + k]));
      i += n - 1;
    } else {
      out += s[i];
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
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
  tessera::cli::add_grad(app);
  tessera::cli::add_train(app);
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
