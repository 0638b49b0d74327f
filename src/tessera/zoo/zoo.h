// The model zoo: built-in models (MLP, CNN, GPT-2, BERT, ViT, MLP-Mixer,
// ResNet, DLRM, UNet, LSTM) built directly as Graph IR in canonical form,
// with their sizes as settings. Weights are `parameter` values known by shape
// only, so building, lowering, compiling and simulating even GPT-2 XL costs
// no weight memory; materialize() fills them deterministically when numbers
// are needed (execution, ONNX export).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tessera/graph/graph.h"

namespace tessera::zoo {

struct SettingInfo {
  std::string key;
  std::string default_value;  // the value used when neither the user nor a preset sets it
  std::string help;
};

struct PresetInfo {
  std::string name;
  std::map<std::string, std::string> settings;  // what the preset sets
};

struct ModelInfo {
  std::string name;
  std::string description;
  std::vector<SettingInfo> settings;
  std::vector<PresetInfo> presets;  // empty when the model has none
};

using Settings = std::map<std::string, std::string>;

// Every model, in a fixed order.
const std::vector<ModelInfo>& list();

// Builds model `name`. A `preset` setting (where the model has presets) sets
// defaults; other explicit settings override them. Throws Error for an unknown
// model (listing the models), an unknown key (listing the valid keys), or a
// value that is malformed or inconsistent (naming the key and what it needs).
graph::Graph build(const std::string& name, const Settings& settings = {});

// Parses "key=value" items (the CLI's --set options); Error for one without
// '=' or a key, or a key given twice.
Settings parse_settings(const std::vector<std::string>& items);

// Parses `zoo:NAME[,key=value...]` (e.g. "zoo:gpt2,preset=medium,seq=256")
// and builds it. Weights are not materialised. Throws Error for a malformed spec.
graph::Graph load(const std::string& spec);
// True when `path` names a zoo model ("zoo:" prefix) rather than a file.
bool is_zoo_spec(const std::string& path);

// The most parameter bytes materialize() fills (32 GiB; GPT-2 XL needs 6.2 GB).
inline constexpr int64_t kMaxMaterializeBytes = int64_t{1} << 35;

// Fills every parameter without values with deterministic pseudo-random
// values (same seed, same model -> same bytes). The distribution follows
// PyTorch's defaults, chosen from how the parameter is used; see zoo.md.
// Fails, before allocating, when the weights would pass kMaxMaterializeBytes.
void materialize(graph::Graph& g, uint64_t seed = 0);

// Sum of element counts of all parameter values (materialised or not).
int64_t count_parameters(const graph::Graph& g);
// Bytes those parameters occupy once materialised.
int64_t parameter_bytes(const graph::Graph& g);

}  // namespace tessera::zoo
