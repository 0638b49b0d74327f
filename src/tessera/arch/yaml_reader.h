// A strict reader over one YAML mapping, for spec files. Every value is asked
// for by key; asking records the key as known, so that `finish()` can reject
// the keys nobody asked for (suggesting the closest known one). Every failure
// is a tessera::Error "FILE:LINE: key 'a.b': problem; fix", where the line is
// 1-based and the key is the dotted path from the file's root.
// Every key and text value must be UTF-8 (a YAML file is UTF-8 text), so
// whatever is read can be printed and written to JSON as it is. A mapping's
// keys are indexed once, so a file with very many keys costs O(n log n).
// Internal to arch/: only the spec parser includes it.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::arch {

enum class Sign { Positive, NonNegative };

// Bounds every number in a spec file obeys unless its field says tighter:
// magnitudes up to 1e9 and, when not zero, at least 1e-9. Far beyond any real
// chip, and small enough that products of several figures stay finite.
inline constexpr double kMaxNumber = 1e9;
inline constexpr double kMinNumber = 1e-9;

// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or
// code points above U+10FFFF).
bool is_utf8(std::string_view s);

// The closest of `options` to `word` by edit distance, or "" when none is close.
std::string closest_name(std::string_view word, const std::vector<std::string>& options);

// Parses YAML text; a syntax error fails with the file and line.
YAML::Node load_yaml(std::string_view text, const std::string& file);

class MapReader {
 public:
  // `node` must be a mapping (fails otherwise); `path` is its dotted key path
  // ("" for the root) and `line` the line that names it (errors about the
  // mapping as a whole, such as a missing key, point there).
  MapReader(const YAML::Node& node, std::string path, const std::string& file, int line);

  bool has(std::string_view key);

  int64_t integer(std::string_view key, Sign sign = Sign::Positive);
  std::optional<int64_t> opt_integer(std::string_view key, Sign sign = Sign::Positive);
  // A finite number with |v| <= max and, when not 0, |v| >= kMinNumber.
  double number(std::string_view key, Sign sign = Sign::Positive, double max = kMaxNumber);
  std::optional<double> opt_number(std::string_view key, Sign sign = Sign::Positive, double max = kMaxNumber);
  std::string text(std::string_view key);
  std::optional<std::string> opt_text(std::string_view key);
  bool flag(std::string_view key, bool fallback);
  // One of `options`; anything else fails suggesting the closest.
  std::string choice(std::string_view key, const std::vector<std::string>& options);
  std::optional<std::string> opt_choice(std::string_view key, const std::vector<std::string>& options);

  MapReader map(std::string_view key);
  std::optional<MapReader> opt_map(std::string_view key);
  // A list of mappings (e.g. DRAM tiers), each with path "key[i]".
  std::vector<MapReader> map_list(std::string_view key);
  // A list of scalars (e.g. edges), each one of `options`.
  std::vector<std::string> choice_list(std::string_view key, const std::vector<std::string>& options);
  // The keys this mapping holds, in file order (for maps keyed by data, e.g. dtypes);
  // all of them count as known.
  std::vector<std::string> keys();

  // Rejects a key that is present but has no meaning here (e.g. for this kind).
  void forbid(std::string_view key, std::string_view why);
  // Rejects every key that was never asked for.
  void finish() const;

  int line() const { return line_; }
  int line_of(std::string_view key) const;  // the line of a present key, else of the mapping
  std::string key_path(std::string_view key) const;
  [[noreturn]] void fail_key(std::string_view key, std::string_view problem, std::string_view fix) const;

 private:
  struct Entry {
    std::string key;
    YAML::Node value;
    int line;
  };
  const Entry* find(std::string_view key);
  const Entry& require(std::string_view key, std::string_view what);
  std::string scalar(const Entry& e, std::string_view what) const;

  std::vector<Entry> entries_;                           // file order
  std::map<std::string, size_t, std::less<>> index_;     // key -> entries_ position
  std::set<std::string, std::less<>> known_;
  std::string path_;
  const std::string& file_;
  int line_;
};

}  // namespace tessera::arch
