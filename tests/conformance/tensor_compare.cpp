#include "tensor_compare.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace tessera::conformance {
namespace {

// True when one float element passes assert_allclose(equal_nan=True).
bool close(double e, double a, Tolerance tol) {
  if (std::isnan(e) || std::isnan(a)) return std::isnan(e) && std::isnan(a);
  if (std::isinf(e) || std::isinf(a)) return e == a;
  return std::fabs(a - e) <= tol.atol + tol.rtol * std::fabs(e);
}

std::string index_str(const Shape& shape, int64_t flat) {
  std::vector<int64_t> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
  return fmt::format("[{}]", fmt::join(idx, ","));
}

}  // namespace

std::string compare_allclose(const Tensor& expected, const Tensor& actual, Tolerance tol) {
  if (expected.dtype() != actual.dtype())
    return fmt::format("dtype {} != expected {}", dtype_name(actual.dtype()), dtype_name(expected.dtype()));
  if (expected.shape() != actual.shape())
    return fmt::format("shape {} != expected {}", shape_str(actual.shape()), shape_str(expected.shape()));
  int64_t bad = 0, worst = -1;
  double worst_err = -1;
  const bool is_fp = is_float(expected.dtype());
  for (int64_t i = 0; i < expected.size(); ++i) {
    bool ok;
    double err;
    if (is_fp) {
      double e = expected.get_f64(i), a = actual.get_f64(i);
      ok = close(e, a, tol);
      err = std::isfinite(a - e) ? std::fabs(a - e) : std::numeric_limits<double>::infinity();
    } else {
      ok = expected.get_i64(i) == actual.get_i64(i);
      err = ok ? 0 : 1;
    }
    if (ok) continue;
    ++bad;
    if (err > worst_err) worst_err = err, worst = i;
  }
  if (bad == 0) return {};
  auto value = [&](const Tensor& t) {
    return is_fp ? fmt::format("{:.9g}", t.get_f64(worst)) : fmt::format("{}", t.get_i64(worst));
  };
  return fmt::format("{} of {} elements differ; worst at {}: got {}, expected {}", bad, expected.size(),
                     index_str(expected.shape(), worst), value(actual), value(expected));
}

double max_error_ratio(const Tensor& expected, const Tensor& actual) {
  double max_ref = 0, max_err = 0;
  for (int64_t i = 0; i < expected.size(); ++i) {
    double e = expected.get_f64(i), a = actual.get_f64(i);
    if (std::isnan(e) && std::isnan(a)) continue;
    double err = std::fabs(a - e);
    if (!std::isfinite(err)) {
      if (e == a) continue;  // matching infinities
      return std::numeric_limits<double>::infinity();
    }
    max_err = std::max(max_err, err);
    if (std::isfinite(e)) max_ref = std::max(max_ref, std::fabs(e));
  }
  if (max_err == 0) return 0;
  return max_ref == 0 ? std::numeric_limits<double>::infinity() : max_err / max_ref;
}

int64_t count_mismatches_exact(const Tensor& expected, const Tensor& actual) {
  int64_t bad = 0;
  for (int64_t i = 0; i < expected.size(); ++i) bad += expected.get_i64(i) != actual.get_i64(i);
  return bad;
}

}  // namespace tessera::conformance
