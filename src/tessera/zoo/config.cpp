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

int64_t setting_limit(const std::string& key) {
  // Why each bound: layers keep a build under a second or so (GPT-2 with 1000
  // layers: 35k nodes, 1 s to build, 4 s to simulate); seq bounds GPT-2's
  // causal mask, a real seq x seq constant (64 MB at 8192); widths and
  // vocabularies are 2^16-2^20, so that weights (2^40 at most) and
  // activations (batch x heads x seq^2 at most 2^52) stay far from 2^62.
  static const std::map<std::string, int64_t> limits = {
      {"batch", 65536},         {"layers", 1000},          {"heads", 1024},
      {"d_model", 65536},       {"hidden", 65536},         {"ff", 262144},
      {"mlp", 262144},          {"tokens_mlp", 262144},    {"channels_mlp", 262144},
      {"seq", 8192},            {"positions", 65536},      {"vocab", 1 << 20},
      {"type_vocab", 1 << 20},  {"classes", 1 << 20},      {"image", 8192},
      {"patch", 8192},          {"channels", 65536},       {"in_channels", 65536},
      {"height", 16384},        {"width", 16384},          {"base_channels", 4096},
      {"depth", 10},            {"embed_dim", 65536},      {"lookups", 65536},
      {"widths", 1 << 20},      {"bottom_mlp", 1 << 20},   {"top_mlp", 1 << 20},
      {"tables", int64_t{1} << 31},
  };
  auto it = limits.find(key);
  TESSERA_CHECK(it != limits.end(), "zoo setting '{}' has no limit", key);
  return it->second;
}

const std::string& Config::text(const std::string& key) const {
  auto it = values_.find(key);
  TESSERA_CHECK(it != values_.end(), "zoo model '{}' reads undeclared setting '{}'", model_, key);
  return it->second;
}

void Config::reject(const std::string& key, const std::string& why) const {
  // A hostile value may be megabytes long; the message stays one short line.
  constexpr size_t kShown = 60;
  const std::string& v = text(key);
  const std::string shown = v.size() <= kShown ? v : v.substr(0, kShown) + fmt::format("... ({} characters)", v.size());
  fail("zoo model '{}': {}={}: {}", model_, key, shown, why);
}

int64_t Config::integer(const std::string& key, int64_t min) const {
  int64_t v = 0;
  if (!parse_integer(text(key), v)) reject(key, fmt::format("expected an integer >= {}", min));
  if (v < min) reject(key, fmt::format("must be at least {}", min));
  const int64_t max = setting_limit(key);
  if (v > max) reject(key, fmt::format("must be at most {} (the zoo's limit for '{}'; see docs/zoo.md)", max, key));
  return v;
}

std::vector<int64_t> Config::integers(const std::string& key, int64_t min) const {
  std::vector<int64_t> out;
  const std::string& s = text(key);
  const int64_t max = setting_limit(key);
  std::string item;
  auto flush = [&] {
    int64_t v = 0;
    if (!parse_integer(item, v) || v < min)
      reject(key, fmt::format("expected integers >= {} separated by '-' or ',' (e.g. 512-256-64)", min));
    if (v > max)
      reject(key, fmt::format("{} is over the zoo's limit of {} for each item of '{}' (see docs/zoo.md)", v, max, key));
    if (static_cast<int64_t>(out.size()) == kMaxListItems)
      reject(key, fmt::format("lists more than {} items, the zoo's limit (see docs/zoo.md)", kMaxListItems));
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
