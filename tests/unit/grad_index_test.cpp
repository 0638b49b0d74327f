// Gradient rules of the index family against central finite differences
// (double precision): any axis, negative and repeated indices (their
// gradients add), batch_dims, and the scatters' data and updates.
#include <gtest/gtest.h>

#include "grad_check.h"

namespace tessera::testing {
namespace {

using Ints = std::vector<int64_t>;

Tensor r64(Shape s, uint64_t seed) { return random_tensor(DType::F64, s, seed); }

TEST(GradIndex, Gather) {
  check_gradients("Gather", {in(r64({5, 3}, 1)), cin(i64({0, 4, -1, 2, 0}, {5}))});
  check_gradients("Gather", {in(r64({2, 4, 3}, 2)), cin(i64({3, -4, 1, 3, 0, 2}, {2, 3}))}, {{"axis", int64_t{1}}});
  check_gradients("Gather", {in(r64({2, 3, 4}, 3)), cin(i64({1, 1, -1}, {3}))}, {{"axis", int64_t{-1}}});
  check_gradients("Gather", {in(r64({3, 4}, 4)), cin(i64({-2}, {}))}, {{"axis", int64_t{1}}});
  // Indices as a runtime input (an embedding lookup) and as i32.
  check_gradients("Gather", {in(r64({6, 2}, 5)), in(i64({5, 0, 5, 3}, {2, 2}))});
  Tensor i32(DType::I32, {3});
  i32.set_f64(0, 2), i32.set_f64(1, -3), i32.set_f64(2, 2);
  check_gradients("Gather", {in(r64({3, 2}, 6)), cin(i32)});
}

TEST(GradIndex, GatherElements) {
  check_gradients("GatherElements", {in(r64({3, 4}, 11)), cin(i64({0, 2, -1, 0, 1, 1, 2, 0}, {2, 4}))});
  check_gradients("GatherElements", {in(r64({2, 3, 4}, 12)), cin(i64({3, 3, -4, 0, 1, 2, 1, 1, 0, 2, 2, 3}, {2, 3, 2}))},
                  {{"axis", int64_t{2}}});
}

TEST(GradIndex, GatherND) {
  check_gradients("GatherND", {in(r64({3, 4, 2}, 21)), cin(i64({0, 1, 2, -1, 0, 1}, {3, 2}))});
  check_gradients("GatherND", {in(r64({3, 4}, 22)), cin(i64({2, 0, 2}, {3, 1}))});
  check_gradients("GatherND", {in(r64({2, 3, 4}, 23)), cin(i64({1, 0, 2, 2, 0, 3, 0, 0}, {2, 2, 2}))},
                  {{"batch_dims", int64_t{1}}});
  check_gradients("GatherND", {in(r64({2, 3, 4}, 24)), cin(i64({1, -1, 0, 2}, {2, 2, 1}))},
                  {{"batch_dims", int64_t{1}}});
}

TEST(GradIndex, Scatters) {
  for (const char* reduction : {"none", "add"}) {
    const std::map<std::string, graph::Attr> attrs = {{"reduction", std::string(reduction)}};
    check_gradients("ScatterND", {in(r64({4, 3}, 31)), cin(i64({2, 0}, {2, 1})), in(r64({2, 3}, 32))}, attrs);
    check_gradients("ScatterND", {in(r64({3, 4}, 33)), cin(i64({0, 1, 2, -1}, {2, 2})), in(r64({2}, 34))}, attrs);
    auto with_axis = attrs;
    with_axis["axis"] = int64_t{1};
    check_gradients("ScatterElements", {in(r64({2, 4}, 35)), cin(i64({3, 0, -1, 1}, {2, 2})), in(r64({2, 2}, 36))},
                    with_axis);
  }
  // Repeated indices add.
  check_gradients("ScatterElements", {in(r64({3}, 37)), cin(i64({1, 1, 1}, {3})), in(r64({3}, 38))},
                  {{"reduction", std::string("add")}});
}

}  // namespace
}  // namespace tessera::testing
