#include "tessera/zoo/config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <limits>

#include "tessera/support/error.h"

namespace tessera::zoo {

bool parse_integer(const std::string& text, int64_t& out) {
  std::string digits = text;
  const bool negative = !digits.empty() && digits[0] == '-';
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.erase(0, 1);
  int64_t scale = 1;
  if (!digits.empty()) {
    const char suffix = digits.back();
    scale = suffix == 'k' || suffix == 'K' ? 1000 : suffix == 'M' ? 1000000 : suffix == 'G' ? 1000000000 : 1;
    if (scale != 1) digits.pop_back();
  }
  if (digits.empty()) return false;
  int64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9' || v > (std::numeric_limits<int64_t>::max() - 9) / 10) return false;
    v = v * 10 + (c - '0');
  }
  if (v > std::numeric_limits<int64_t>::max() / scale) return false;
  out = (negative ? -v : v) * scale;
  return true;
}

const std::string& Config::text(const std::string& key) const {
  auto it = values_.find(key);
  TESSERA_CHECK(it != values_.end(), "zoo model '{}' reads undeclared setting '{}'", model_, key);
  return it->second;
}

void Config::reject(const std::string& key, const std::string& why) const {
  fail("zoo model '{}': {}={}: {}", model_, key, text(key), why);
}

int64_t Config::integer(const std::string& key, int64_t min) const {
  int64_t v = 0;
  if (!parse_integer(text(key), v)) reject(key, fmt::format("expected an integer >= {}", min));
  if (v < min) reject(key, fmt::format("must be at least {}", min));
  return v;
}

std::vector<int64_t> Config::integers(const std::string& key, int64_t min) const {
  std::vector<int64_t> out;
  const std::string& s = text(key);
  std::string item;
  auto flush = [&] {
    int64_t v = 0;
    if (!parse_integer(item, v) || v < min)
      reject(key, fmt::format("expected integers >= {} separated by '-' or ',' (e.g. 512-256-64)", min));
    out.push_back(v);
    item.clear();
  };
  for (char c : s) {
    if (c == '-' || c == ',') flush();
    else item += c;
  }
  flush();
  return out;
}

std::string Config::choice(const std::string& key, const std::vector<std::string>& allowed) const {
  const std::string& v = text(key);
  for (const auto& a : allowed)
    if (a == v) return v;
  reject(key, fmt::format("must be one of {}", fmt::join(allowed, ", ")));
}

}  // namespace tessera::zoo
