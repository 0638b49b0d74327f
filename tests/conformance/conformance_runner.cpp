// conformance_runner DATA_DIR [--known-failures FILE] [--filter SUBSTR] [-v]
//                    [--timeout SECONDS] [--no-fork] [--no-freeze] [--update-known-failures]
// Runs every ONNX backend node test under DATA_DIR (scripts/gen_testdata.sh
// makes them) through Tessera and prints
//   conformance: P passed / A attempted / S skipped (unsupported)
// plus per-operator pass rates for the operators Tessera targets (see
// node_test.h for which errors count as "unsupported" and for inputs frozen
// to their test values because they decide a shape). Each test
// runs in a forked child so a crash or hang is one failed test, not a dead
// run. Exit status 0 only when every attempted test passed or is listed in
// the known-failures file, and no listed test passed. --update-known-failures
// rewrites the file to list exactly the current failures (keeping existing
// reasons, using the error message for new ones).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "known_failures.h"
#include "node_test.h"
#include "tessera/support/error.h"

namespace tessera::conformance {
namespace fs = std::filesystem;
namespace {

// The operators the >=90% conformance target is measured over.
const std::vector<std::string> kTargetOps = {
    "Add", "Sub", "Mul", "Div", "Pow", "Neg", "Abs", "Sqrt", "Reciprocal", "Exp", "Log", "Tanh",
    "Sigmoid", "Erf", "Relu", "LeakyRelu", "Elu", "Gelu", "HardSigmoid", "HardSwish", "Clip", "Min",
    "Max", "Where", "Equal", "Less", "Greater", "Not", "And", "Or", "Cast", "Identity", "MatMul",
    "Gemm", "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool",
    "BatchNormalization", "LayerNormalization", "Softmax", "LogSoftmax", "ReduceSum", "ReduceMean",
    "ReduceMax", "ReduceMin", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Concat",
    "Split", "Slice", "Gather", "GatherElements", "Expand", "Tile", "Pad", "Resize", "TopK", "ArgMax",
    "CumSum", "Range", "Einsum", "LSTM", "GRU", "Trilu", "Dropout", "InstanceNormalization",
    "ScatterND", "ScatterElements", "OneHot", "Floor", "Ceil", "Round", "Sign", "Mod", "ReduceProd",
    "ReduceL2", "Softplus", "DepthToSpace", "SpaceToDepth"};

struct Options {
  std::string data_dir;
  std::string known_failures;
  std::string filter;
  bool verbose = false;
  bool fork = true;
  bool freeze = true;
  bool update_known = false;
  int timeout_s = 120;
};

struct Ran {
  NodeTest test;
  Result result;
  bool known = false;  // listed in known_failures
};

void usage() {
  std::fprintf(stderr,
               "usage: conformance_runner DATA_DIR [--known-failures FILE] [--filter SUBSTR] [-v]\n"
               "         [--timeout SECONDS] [--no-fork] [--no-freeze] [--update-known-failures]\n");
}

bool parse_args(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "-v" || a == "--verbose") o.verbose = true;
    else if (a == "--no-fork") o.fork = false;
    else if (a == "--no-freeze") o.freeze = false;
    else if (a == "--update-known-failures") o.update_known = true;
    else if (a == "--known-failures" && (v = value())) o.known_failures = v;
    else if (a == "--filter" && (v = value())) o.filter = v;
    else if (a == "--timeout" && (v = value())) o.timeout_s = std::max(1, std::atoi(v));
    else if (!a.empty() && a[0] != '-' && o.data_dir.empty()) o.data_dir = a;
    else return false;
  }
  return !o.data_dir.empty() && (!o.update_known || !o.known_failures.empty());
}

// Test directories (those with a model.onnx) in name order, matching the filter.
std::vector<std::string> list_tests(const Options& o) {
  std::vector<std::string> dirs;
  for (const auto& e : fs::directory_iterator(o.data_dir)) {
    std::string name = e.path().filename().string();
    if (fs::exists(e.path() / "model.onnx") && name.find(o.filter) != std::string::npos)
      dirs.push_back(e.path().string());
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

// Runs one test in a child process: a crash or timeout becomes a failed result.
Result failed(std::string message) {
  Result r;
  r.message = std::move(message);
  return r;
}

// The child reports "<outcome digit><frozen names, \x1f-separated>\x1e<message>".
constexpr char kNameSep = '\x1f', kFieldSep = '\x1e';

Result decode_result(const std::string& msg) {
  Result r;
  r.outcome = static_cast<Outcome>(msg[0] - '0');
  size_t sep = msg.find(kFieldSep);
  std::string names = msg.substr(1, sep == std::string::npos ? std::string::npos : sep - 1);
  for (size_t b = 0; b < names.size();) {
    size_t e = names.find(kNameSep, b);
    if (e == std::string::npos) e = names.size();
    r.frozen.push_back(names.substr(b, e - b));
    b = e + 1;
  }
  if (sep != std::string::npos) r.message = msg.substr(sep + 1);
  return r;
}

Result run_forked(const NodeTest& test, const Options& o) {
  const int timeout_s = o.timeout_s;
  int fds[2];
  if (pipe(fds) != 0) return failed(fmt::format("pipe failed: {}", std::strerror(errno)));
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) return failed(fmt::format("fork failed: {}", std::strerror(errno)));
  if (pid == 0) {
    close(fds[0]);
    alarm(static_cast<unsigned>(timeout_s));
    Result r = run_node_test(test, o.freeze);
    std::string msg = std::to_string(static_cast<int>(r.outcome));
    for (size_t k = 0; k < r.frozen.size(); ++k) msg += (k ? std::string(1, kNameSep) : "") + r.frozen[k];
    msg += kFieldSep + r.message;
    for (size_t off = 0; off < msg.size();) {
      ssize_t n = write(fds[1], msg.data() + off, msg.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    std::fflush(stdout);
    _exit(0);
  }
  close(fds[1]);
  std::string msg;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) msg.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    if (sig == SIGALRM) return failed(fmt::format("timed out after {}s", timeout_s));
    return failed(fmt::format("crashed: signal {} ({})", sig, strsignal(sig)));
  }
  if (msg.empty()) return failed(fmt::format("test process exited ({}) without a result", WEXITSTATUS(status)));
  return decode_result(msg);
}

// A "_expanded" test (the op's function body) counts for the op it expands.
void attribute_expanded_tests(std::vector<Ran>& runs) {
  std::map<std::string, std::string> op_of;
  for (const auto& r : runs) op_of[r.test.name] = r.test.op;
  const std::string suffix = "_expanded";
  for (auto& r : runs) {
    const std::string& n = r.test.name;
    if (n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0) {
      auto it = op_of.find(n.substr(0, n.size() - suffix.size()));
      if (it != op_of.end()) r.test.op = it->second;
    }
  }
}

const char* outcome_word(const Ran& r) {
  switch (r.result.outcome) {
    case Outcome::Passed: return r.known ? "UNEXPECTED PASS" : "passed";
    case Outcome::Skipped: return "skipped";
    case Outcome::Failed: return r.known ? "expected failure" : "FAILED";
  }
  return "?";
}

void print_target_ops(const std::vector<Ran>& runs) {
  struct Count { int total = 0, passed = 0, skipped = 0; };
  std::map<std::string, Count> per_op;
  for (const auto& r : runs) {
    if (std::find(kTargetOps.begin(), kTargetOps.end(), r.test.op) == kTargetOps.end()) continue;
    Count& c = per_op[r.test.op];
    ++c.total;
    c.passed += r.result.outcome == Outcome::Passed;
    c.skipped += r.result.outcome == Outcome::Skipped;
  }
  Count all;
  std::vector<std::string> absent;
  std::printf("target operators (tests incl. _expanded): passed/tests\n");
  for (const auto& op : kTargetOps) {
    auto it = per_op.find(op);
    if (it == per_op.end()) {
      absent.push_back(op);
      continue;
    }
    const Count& c = it->second;
    all.total += c.total, all.passed += c.passed, all.skipped += c.skipped;
    std::printf("  %-22s %3d/%-3d %5.1f%%%s\n", op.c_str(), c.passed, c.total, 100.0 * c.passed / c.total,
                c.skipped ? fmt::format("  ({} skipped)", c.skipped).c_str() : "");
  }
  if (!absent.empty()) std::printf("  no tests in the data for: %s\n", fmt::format("{}", fmt::join(absent, " ")).c_str());
  int attempted = all.total - all.skipped;
  std::printf("target operators: %d passed / %d tests = %.1f%% (%d attempted: %.1f%%; %d skipped)\n", all.passed,
              all.total, all.total ? 100.0 * all.passed / all.total : 0.0, attempted,
              attempted ? 100.0 * all.passed / attempted : 0.0, all.skipped);
}

std::vector<Ran> collect_tests(const Options& o) {
  std::vector<Ran> runs;
  for (const auto& dir : list_tests(o)) {
    Ran r;
    try {
      r.test = describe_node_test(dir);
    } catch (const Error& e) {
      r.test.name = fs::path(dir).filename().string();
      r.result = {Outcome::Failed, e.what(), {}};
    }
    runs.push_back(std::move(r));
  }
  attribute_expanded_tests(runs);
  return runs;
}

void print_result(const Ran& r, bool verbose) {
  const Outcome out = r.result.outcome;
  bool unexpected = (out == Outcome::Failed && !r.known) || (out == Outcome::Passed && r.known);
  if (!verbose && !unexpected) return;
  std::string frozen = r.result.frozen.empty() ? "" : fmt::format(" (froze {})", fmt::join(r.result.frozen, ", "));
  std::printf("%-16s %s%s%s%s\n", outcome_word(r), r.test.name.c_str(), frozen.c_str(),
              r.result.message.empty() ? "" : ": ", r.result.message.c_str());
  if (out == Outcome::Passed && r.known)
    std::printf("  -> %s now passes: remove it from known_failures.txt\n", r.test.name.c_str());
}

// Rewrites the known-failures file: the current failures, existing reasons kept.
void update_known_failures(const Options& o, const std::vector<Ran>& runs, std::map<std::string, std::string> known) {
  for (const auto& r : runs) {
    if (r.result.outcome != Outcome::Failed) known.erase(r.test.name);
    else if (!known.count(r.test.name)) known[r.test.name] = r.result.message.substr(0, 160);
  }
  std::ifstream in(o.known_failures);
  std::string header, line;
  while (std::getline(in, line) && (line.empty() || line[0] == '#')) header += line + "\n";
  in.close();
  std::ofstream out(o.known_failures);
  out << header;
  for (const auto& [name, reason] : known) out << name << "  # " << reason << "\n";
  std::printf("conformance: wrote %zu entries to %s\n", known.size(), o.known_failures.c_str());
}

int run(const Options& o) {
  if (!fs::is_directory(o.data_dir)) {
    std::printf("conformance: data directory %s is missing: run scripts/gen_testdata.sh <build dir>\n",
                o.data_dir.c_str());
    return 2;
  }
  std::map<std::string, std::string> known;
  if (!o.known_failures.empty()) known = read_known_failures(o.known_failures);
  std::vector<Ran> runs = collect_tests(o);
  if (runs.empty()) {
    std::printf("conformance: no tests in %s matching '%s'\n", o.data_dir.c_str(), o.filter.c_str());
    return 2;
  }
  for (const auto& entry : known) {
    const std::string& name = entry.first;  // a plain name: Clang 14 lambdas cannot capture bindings
    if (o.filter.empty() && std::none_of(runs.begin(), runs.end(), [&](const Ran& r) { return r.test.name == name; }))
      std::printf("warning: %s lists %s, which is not in %s\n", o.known_failures.c_str(), name.c_str(),
                  o.data_dir.c_str());
  }

  int passed = 0, attempted = 0, skipped = 0, expected_failures = 0, unexpected = 0, unexpected_passes = 0;
  int frozen = 0;
  for (auto& r : runs) {
    if (!r.test.dir.empty()) r.result = o.fork ? run_forked(r.test, o) : run_node_test(r.test, o.freeze);
    r.known = known.count(r.test.name) != 0;
    const Outcome out = r.result.outcome;
    skipped += out == Outcome::Skipped;
    attempted += out != Outcome::Skipped;
    passed += out == Outcome::Passed;
    frozen += out == Outcome::Passed && !r.result.frozen.empty();
    expected_failures += out == Outcome::Failed && r.known;
    unexpected += out == Outcome::Failed && !r.known;
    unexpected_passes += out == Outcome::Passed && r.known;
    print_result(r, o.verbose);
  }

  print_target_ops(runs);
  std::printf("conformance: %d passed / %d attempted / %d skipped (unsupported)\n", passed, attempted, skipped);
  std::printf("conformance: %d expected failures (known_failures.txt), %d unexpected failures, %d unexpected passes; "
              "%d passed with shape-deciding inputs frozen to their test values\n",
              expected_failures, unexpected, unexpected_passes, frozen);
  if (o.update_known) {
    update_known_failures(o, runs, known);
    return 0;
  }
  return unexpected == 0 && unexpected_passes == 0 ? 0 : 1;
}

}  // namespace
}  // namespace tessera::conformance

int main(int argc, char** argv) {
  tessera::conformance::Options o;
  if (!tessera::conformance::parse_args(argc, argv, o)) {
    tessera::conformance::usage();
    return 2;
  }
  try {
    return tessera::conformance::run(o);
  } catch (const tessera::Error& e) {
    std::printf("conformance: %s\n", e.what());
    return 2;
  }
}
