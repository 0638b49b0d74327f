// Shared by the hostile-input tests: the message of the user error a call throws.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "tessera/support/error.h"

namespace tessera::testing {

// The user error `f` throws; fails the test on no error (any other exception
// escapes and fails it too).
template <typename F>
std::string user_error(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

}  // namespace tessera::testing
