// Errors. A user can cause an `Error` (bad model, unsupported op, wrong shape,
// missing file): its message is one line naming the problem and the fix, and
// the CLI prints it as the whole answer. An `InternalError` is a Tessera bug,
// raised by TESSERA_CHECK; it is never reachable from user input.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace tessera {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Throws a user-facing Error with a formatted message.
template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) {
  throw Error(fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace tessera

#define TESSERA_CHECK(cond, ...)                                                     \
  do {                                                                               \
    if (!(cond))                                                                     \
      throw ::tessera::InternalError(fmt::format("internal error at {}:{}: {} ({})", \
                                                 __FILE__, __LINE__, #cond,          \
                                                 fmt::format(__VA_ARGS__)));         \
  } while (0)
