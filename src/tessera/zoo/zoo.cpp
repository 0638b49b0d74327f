// The zoo's registry: settings resolution (defaults, preset, user keys), the
// `zoo:NAME,key=value` spec, and parameter counts.
#include "tessera/zoo/zoo.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tessera/support/checked.h"
#include "tessera/support/error.h"
#include "tessera/zoo/models.h"

namespace tessera::zoo {
namespace {

const std::vector<ModelDef>& defs() {
  static const std::vector<ModelDef> all = {mlp_model(),   cnn_model(),    gpt2_model(),   bert_model(),
                                            vit_model(),   mixer_model(),  resnet_model(), dlrm_model(),
                                            unet_model(),  lstm_model()};
  return all;
}

const ModelDef& find_def(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& d : defs()) {
    if (d.info.name == name) return d;
    names.push_back(d.info.name);
  }
  fail("unknown zoo model '{}'; available models: {} (see 'tessera zoo list')", name, fmt::join(names, ", "));
}

std::map<std::string, std::string> resolve(const ModelInfo& info, const Settings& user) {
  std::map<std::string, std::string> values;
  std::vector<std::string> keys;
  for (const auto& s : info.settings) {
    values[s.key] = s.default_value;
    keys.push_back(s.key);
  }
  for (const auto& [key, value] : user)
    if (!values.count(key))
      fail("zoo model '{}' has no setting '{}'; valid keys: {}", info.name, key, fmt::join(keys, ", "));
  if (!info.presets.empty()) {
    const std::string& chosen = user.count("preset") ? user.at("preset") : values.at("preset");
    const PresetInfo* preset = nullptr;
    std::vector<std::string> names;
    for (const auto& p : info.presets) {
      if (p.name == chosen) preset = &p;
      names.push_back(p.name);
    }
    if (!preset) fail("zoo model '{}': preset={}: must be one of {}", info.name, chosen, fmt::join(names, ", "));
    for (const auto& [key, value] : preset->settings) values[key] = value;
  }
  for (const auto& [key, value] : user) values[key] = value;
  return values;
}

}  // namespace

const std::vector<ModelInfo>& list() {
  static const std::vector<ModelInfo> infos = [] {
    std::vector<ModelInfo> out;
    for (const auto& d : defs()) out.push_back(d.info);
    return out;
  }();
  return infos;
}

graph::Graph build(const std::string& name, const Settings& settings) {
  const ModelDef& def = find_def(name);
  return def.build(Config(name, resolve(def.info, settings)));
}

Settings parse_settings(const std::vector<std::string>& items) {
  Settings settings;
  for (const auto& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      fail("setting '{}' should be key=value (e.g. seq=128)", item);
    const std::string key = item.substr(0, eq);
    if (settings.count(key)) fail("setting '{}' is given twice", key);
    settings[key] = item.substr(eq + 1);
  }
  return settings;
}

bool is_zoo_spec(const std::string& path) { return path.rfind("zoo:", 0) == 0; }

graph::Graph load(const std::string& spec) {
  if (!is_zoo_spec(spec)) fail("'{}' is not a zoo model spec; write zoo:NAME[,key=value...]", spec);
  std::vector<std::string> parts;
  std::string item;
  for (char c : spec.substr(4)) {
    if (c == ',') {
      parts.push_back(item);
      item.clear();
    } else {
      item += c;
    }
  }
  parts.push_back(item);
  if (parts[0].empty()) fail("'{}' names no model; write zoo:NAME[,key=value...] (see 'tessera zoo list')", spec);
  return build(parts[0], parse_settings(std::vector<std::string>(parts.begin() + 1, parts.end())));
}

int64_t count_parameters(const graph::Graph& g) {
  int64_t n = 0;
  for (const auto& v : g.values)
    if (v.parameter) n = checked_add(n, num_elements(v.shape), "the model's parameter count");
  return n;
}

int64_t parameter_bytes(const graph::Graph& g) {
  int64_t n = 0;
  for (const auto& v : g.values)
    if (v.parameter)
      n = checked_add(n, checked_mul(num_elements(v.shape), static_cast<int64_t>(dtype_size(v.dtype)), "a parameter's bytes"),
                      "the model's parameter bytes");
  return n;
}

}  // namespace tessera::zoo
