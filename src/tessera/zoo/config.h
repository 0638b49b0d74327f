// A zoo model's resolved settings (defaults, then preset, then the user's
// keys) with typed, checked accessors. Every malformed value becomes an Error
// naming the model, the key, the value and what it must be. Every integer
// setting has an upper limit (setting_limit, docs/zoo.md "Limits"), checked
// when it is read, before the builder makes any tensor: far above any
// published model, and low enough that no shape or parameter count of a
// legal model overflows and no legal model takes minutes to build.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tessera::zoo {

class Config {
 public:
  Config(std::string model, std::map<std::string, std::string> values)
      : model_(std::move(model)), values_(std::move(values)) {}

  const std::string& model() const { return model_; }
  const std::string& text(const std::string& key) const;
  // An integer >= min and <= setting_limit(key).
  int64_t integer(const std::string& key, int64_t min = 1) const;
  // A list of at most kMaxListItems integers, each >= min and <= setting_limit(key),
  // separated by '-' or ',' ("784-256-10").
  std::vector<int64_t> integers(const std::string& key, int64_t min = 1) const;
  // One of `allowed`.
  std::string choice(const std::string& key, const std::vector<std::string>& allowed) const;

  // Throws Error: "zoo model 'M': KEY=VALUE: WHY".
  [[noreturn]] void reject(const std::string& key, const std::string& why) const;

 private:
  std::string model_;
  std::map<std::string, std::string> values_;
};

// The most items a list setting (widths, tables, MLP widths) may hold.
inline constexpr int64_t kMaxListItems = 1024;

// The largest value an integer setting named `key` takes, in any model.
int64_t setting_limit(const std::string& key);

// Parses a decimal integer (optionally with a k/M/G suffix: 1M = 1000000);
// false when `text` is not one.
bool parse_integer(const std::string& text, int64_t& out);

}  // namespace tessera::zoo
