#include "tessera/arch/yaml_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "tessera/support/error.h"

namespace tessera::arch {
namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

int line_of_node(const YAML::Node& n, int fallback) {
  const int line = n.Mark().line;
  return line >= 0 ? line + 1 : fallback;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// YAML's spellings of the non-finite numbers, which from_chars does not read.
bool is_non_finite_word(std::string_view s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  for (std::string_view w : {".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "nan", "NaN", "inf", "Inf", "infinity"})
    if (s == w) return true;
  return false;
}

std::string unknown_fix(std::string_view word, const std::vector<std::string>& options) {
  const std::string near = closest_name(word, options);
  if (!near.empty()) return fmt::format("did you mean '{}'?", near);
  return fmt::format("expected one of: {}", join(options));
}

}  // namespace

bool is_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1Fu;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0Fu;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07u;
    else return false;
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    constexpr uint32_t kMinOfLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinOfLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

std::string closest_name(std::string_view word, const std::vector<std::string>& options) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& option : options) {
    const size_t d = edit_distance(word, option);
    if (d < best_distance) {
      best_distance = d;
      best = option;
    }
  }
  return best;
}

YAML::Node load_yaml(std::string_view text, const std::string& file) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    fail("{}:{}: YAML syntax error: {}; fix the YAML syntax", file, e.mark.line + 1, e.msg);
  }
}

MapReader::MapReader(const YAML::Node& node, std::string path, const std::string& file, int line)
    : path_(std::move(path)), file_(file), line_(line) {
  if (!node.IsMap()) {
    const std::string what = path_.empty() ? "the file" : fmt::format("key '{}'", path_);
    fail("{}:{}: {}: expected a mapping of 'key: value' lines; indent its keys under it", file_, line, what);
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar())
      fail("{}:{}: key '{}': a key must be a plain name; write 'name: value'", file_, line_of_node(it->first, line_), path_);
    Entry e{it->first.Scalar(), it->second, line_of_node(it->first, line_)};
    if (!is_utf8(e.key))
      fail("{}:{}: a key under '{}' is not valid UTF-8 text; save the file as UTF-8", file_, e.line,
           path_.empty() ? "the file" : path_);
    const auto [seen, added] = index_.emplace(e.key, entries_.size());
    if (!added)
      fail("{}:{}: key '{}': given twice (first on line {}); keep one", file_, e.line, key_path(e.key),
           entries_[seen->second].line);
    entries_.push_back(std::move(e));
  }
}

std::string MapReader::key_path(std::string_view key) const {
  if (key.empty()) return path_;
  return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

int MapReader::line_of(std::string_view key) const {
  const auto it = index_.find(key);
  return it == index_.end() ? line_ : entries_[it->second].line;
}

void MapReader::fail_key(std::string_view key, std::string_view problem, std::string_view fix) const {
  fail("{}:{}: key '{}': {}; {}", file_, line_of(key), key_path(key), problem, fix);
}

const MapReader::Entry* MapReader::find(std::string_view key) {
  known_.insert(std::string(key));
  const auto it = index_.find(key);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

bool MapReader::has(std::string_view key) { return find(key) != nullptr; }

const MapReader::Entry& MapReader::require(std::string_view key, std::string_view what) {
  const Entry* e = find(key);
  if (!e) {
    // A key one letter off is almost surely this one misspelt: name the typo rather
    // than the gap. (Only one letter: "cols" is two from "rows" and both are real.)
    for (const auto& other : entries_)
      if (!known_.count(other.key) && edit_distance(other.key, key) == 1)
        fail_key(other.key, "unknown key", fmt::format("did you mean '{}'?", key));
    const std::string where = path_.empty() ? "the file" : fmt::format("'{}'", path_);
    fail_key(key, "missing", fmt::format("add '{}: <{}>' to {}", key, what, where));
  }
  return *e;
}

std::string MapReader::scalar(const Entry& e, std::string_view what) const {
  if (!e.value.IsScalar())
    fail_key(e.key, e.value.IsNull() ? "has no value" : "expected a single value, not a list or mapping",
             fmt::format("write '{}: <{}>'", e.key, what));
  if (!is_utf8(e.value.Scalar())) fail_key(e.key, "is not valid UTF-8 text", "save the file as UTF-8");
  return e.value.Scalar();
}

std::optional<int64_t> MapReader::opt_integer(std::string_view key, Sign sign) {
  const Entry* e = find(key);
  if (!e) return std::nullopt;
  const std::string s = scalar(*e, "integer");
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range)
    fail_key(key, fmt::format("{} is out of range", s), "give a plausible size (far below 2^63)");
  if (ec != std::errc() || end != s.data() + s.size())
    fail_key(key, fmt::format("expected an integer, got '{}'", s), "write a whole number such as 16");
  if (sign == Sign::Positive && v <= 0) fail_key(key, fmt::format("must be positive, got {}", v), "give a size above 0");
  if (sign == Sign::NonNegative && v < 0) fail_key(key, fmt::format("must not be negative, got {}", v), "give 0 or more");
  return v;
}

int64_t MapReader::integer(std::string_view key, Sign sign) {
  require(key, "integer");
  return *opt_integer(key, sign);
}

std::optional<double> MapReader::opt_number(std::string_view key, Sign sign, double max) {
  const Entry* e = find(key);
  if (!e) return std::nullopt;
  const std::string s = scalar(*e, "number");
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  const bool whole = ec == std::errc() && end == s.data() + s.size();
  if (is_non_finite_word(s) || (whole && !std::isfinite(v)))
    fail_key(key, fmt::format("must be a finite number, got '{}'", s), fmt::format("give a number up to {:g}", max));
  if (ec == std::errc::result_out_of_range && end == s.data() + s.size())  // e.g. 1e999 or 1e-999
    fail_key(key, fmt::format("{} is out of range", s), fmt::format("give a number between {:g} and {:g}", kMinNumber, max));
  if (!whole) fail_key(key, fmt::format("expected a number, got '{}'", s), "write a number such as 1.5");
  if (sign == Sign::Positive && v <= 0) fail_key(key, fmt::format("must be positive, got {}", s), "give a value above 0");
  if (sign == Sign::NonNegative && v < 0) fail_key(key, fmt::format("must not be negative, got {}", s), "give 0 or more");
  if (std::abs(v) > max) fail_key(key, fmt::format("{} is implausibly large", s), fmt::format("give at most {:g}", max));
  if (v != 0 && std::abs(v) < kMinNumber)
    fail_key(key, fmt::format("{} is implausibly small", s),
             fmt::format("give {}at least {:g}", sign == Sign::Positive ? "" : "0 or ", kMinNumber));
  return v;
}

double MapReader::number(std::string_view key, Sign sign, double max) {
  require(key, "number");
  return *opt_number(key, sign, max);
}

std::optional<std::string> MapReader::opt_text(std::string_view key) {
  const Entry* e = find(key);
  if (!e) return std::nullopt;
  return scalar(*e, "text");
}

std::string MapReader::text(std::string_view key) {
  require(key, "text");
  return *opt_text(key);
}

bool MapReader::flag(std::string_view key, bool fallback) {
  const Entry* e = find(key);
  if (!e) return fallback;
  const std::string s = scalar(*e, "true|false");
  if (s == "true") return true;
  if (s == "false") return false;
  fail_key(key, fmt::format("expected true or false, got '{}'", s), "write true or false");
}

std::optional<std::string> MapReader::opt_choice(std::string_view key, const std::vector<std::string>& options) {
  std::optional<std::string> s = opt_text(key);
  if (s && std::find(options.begin(), options.end(), *s) == options.end())
    fail_key(key, fmt::format("unknown value '{}'", *s), unknown_fix(*s, options));
  return s;
}

std::string MapReader::choice(std::string_view key, const std::vector<std::string>& options) {
  require(key, join(options));
  return *opt_choice(key, options);
}

std::optional<MapReader> MapReader::opt_map(std::string_view key) {
  const Entry* e = find(key);
  if (!e) return std::nullopt;
  return MapReader(e->value, key_path(key), file_, e->line);
}

MapReader MapReader::map(std::string_view key) {
  require(key, "mapping");
  return *opt_map(key);
}

std::vector<MapReader> MapReader::map_list(std::string_view key) {
  const Entry& e = require(key, "list");
  if (!e.value.IsSequence() || e.value.size() == 0)
    fail_key(key, "expected a non-empty list", fmt::format("write one '- name: ...' item per entry under '{}:'", key));
  std::vector<MapReader> items;
  for (size_t i = 0; i < e.value.size(); ++i)
    items.emplace_back(e.value[i], fmt::format("{}[{}]", key_path(key), i), file_, line_of_node(e.value[i], e.line));
  return items;
}

std::vector<std::string> MapReader::choice_list(std::string_view key, const std::vector<std::string>& options) {
  const Entry& e = require(key, "list");
  if (!e.value.IsSequence() || e.value.size() == 0)
    fail_key(key, "expected a non-empty list", fmt::format("write '{}: [{}]'", key, options.front()));
  std::vector<std::string> out;
  for (const auto& item : e.value) {
    if (!item.IsScalar()) fail_key(key, "expected a list of names", fmt::format("use names from: {}", join(options)));
    const std::string& s = item.Scalar();
    if (std::find(options.begin(), options.end(), s) == options.end())
      fail_key(key, fmt::format("unknown value '{}'", s), unknown_fix(s, options));
    if (std::find(out.begin(), out.end(), s) != out.end())
      fail_key(key, fmt::format("'{}' listed twice", s), "list each one once");
    out.push_back(s);
  }
  return out;
}

std::vector<std::string> MapReader::keys() {
  std::vector<std::string> out;
  for (const auto& e : entries_) {
    known_.insert(e.key);
    out.push_back(e.key);
  }
  return out;
}

void MapReader::forbid(std::string_view key, std::string_view why) {
  if (find(key)) fail_key(key, why, fmt::format("remove '{}'", key));
}

void MapReader::finish() const {
  const std::vector<std::string> known(known_.begin(), known_.end());
  for (const auto& e : entries_)
    if (!known_.count(e.key)) fail_key(e.key, "unknown key", unknown_fix(e.key, known));
}

}  // namespace tessera::arch
