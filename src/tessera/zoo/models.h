// Internal to the zoo: one definition per model family (zoo/<family>.cpp):
// its description, settings with defaults, presets, and builder. zoo.cpp
// resolves settings (defaults < preset < user) before calling the builder.
#pragma once

#include "tessera/zoo/config.h"
#include "tessera/zoo/zoo.h"

namespace tessera::zoo {

struct ModelDef {
  ModelInfo info;
  graph::Graph (*build)(const Config& c) = nullptr;
};

ModelDef mlp_model();
ModelDef cnn_model();
ModelDef gpt2_model();
ModelDef bert_model();
ModelDef vit_model();
ModelDef mixer_model();
ModelDef resnet_model();
ModelDef dlrm_model();
ModelDef unet_model();
ModelDef lstm_model();

}  // namespace tessera::zoo
