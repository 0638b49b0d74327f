// Lowering helper shared by the reduction and normalisation families: a
// tensor's dims split into kept and reduced ones.
#pragma once

#include <vector>

#include "tessera/pattern/builder.h"
#include "tessera/support/tensor.h"

namespace tessera::lower {

struct AxisSplit {
  std::vector<bool> reduced;
  Shape kept, red;

  // The full index from the kept and reduced parts.
  std::vector<pattern::E> join(const std::vector<pattern::E>& kept_index,
                               const std::vector<pattern::E>& red_index) const {
    std::vector<pattern::E> out;
    size_t k = 0, r = 0;
    for (bool is_red : reduced) out.push_back(is_red ? red_index[r++] : kept_index[k++]);
    return out;
  }
  // The output index: reduced dims are 0 with keepdims, dropped without.
  std::vector<pattern::E> out_index(const std::vector<pattern::E>& kept_index, bool keepdims) const {
    if (!keepdims) return kept_index;
    return join(kept_index, std::vector<pattern::E>(red.size(), pattern::iconst(0)));
  }
  double count() const { return static_cast<double>(num_elements(red)); }
};

// `axes` must be normalised (0 <= a < rank).
inline AxisSplit split_axes(const Shape& shape, const std::vector<int64_t>& axes) {
  AxisSplit s;
  s.reduced.assign(shape.size(), false);
  for (int64_t a : axes) s.reduced[static_cast<size_t>(a)] = true;
  for (size_t d = 0; d < shape.size(); ++d) (s.reduced[d] ? s.red : s.kept).push_back(shape[d]);
  return s;
}

}  // namespace tessera::lower
