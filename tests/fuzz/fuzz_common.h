// Shared by the libFuzzer targets: what counts as a finding. A tessera::Error is
// the answer to bad input (one line for the user) and is fine; anything else
// escaping the reader is a bug, so it aborts and libFuzzer keeps the input.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "tessera/support/error.h"

namespace tessera::fuzz {

// Runs `body`; user errors are expected, every other exception is a finding.
template <typename F>
void expect_only_user_errors(F&& body) {
  try {
    body();
  } catch (const Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: non-user exception: %s\n", e.what());
    std::abort();
  }
}

// A file under a per-process scratch folder holding `data` (the readers take paths).
inline std::string scratch_file(const std::string& name, const uint8_t* data, size_t size) {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("tessera-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  const std::filesystem::path p = dir / name;
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return p.string();
}

}  // namespace tessera::fuzz
