// MLP-Mixer (Tolstikhin et al. 2021): patch embedding, then blocks of token
// mixing (an MLP across patches, per channel) and channel mixing (an MLP across
// channels, per patch), each pre-LN with a residual; global average pooling
// and a linear head. Mixer-B/16 at 224x224: 59.9M parameters, 12.6 G MACs.
#include <fmt/format.h>

#include "tessera/zoo/layers.h"
#include "tessera/zoo/models.h"

namespace tessera::zoo {
namespace {

ValueId mixer_mlp(GraphBuilder& b, const std::string& name, ValueId x, int64_t hidden) {
  const int64_t width = b.dim(x, -1);
  ValueId h = gelu(b, name + ".act", linear(b, name + ".fc1", x, hidden), Gelu::Erf);
  return linear(b, name + ".fc2", h, width);
}

ValueId mixer_block(GraphBuilder& b, const std::string& name, ValueId x, int64_t tokens_mlp, int64_t channels_mlp) {
  const std::vector<int64_t> swap = {0, 2, 1};
  ValueId t = b.op("Transpose", name + ".tokens_in", {layer_norm(b, name + ".norm1", x, 1e-6)}, {{"perm", swap}});
  t = mixer_mlp(b, name + ".mlp_tokens", t, tokens_mlp);
  t = b.op("Transpose", name + ".tokens_out", {t}, {{"perm", swap}});
  x = b.op("Add", name + ".residual1", {x, t});
  ValueId ch = mixer_mlp(b, name + ".mlp_channels", layer_norm(b, name + ".norm2", x, 1e-6), channels_mlp);
  return b.op("Add", name + ".residual2", {x, ch});
}

graph::Graph build_mixer(const Config& c) {
  const int64_t image = c.integer("image"), patch = c.integer("patch"), channels = c.integer("channels");
  const int64_t layers = c.integer("layers"), d = c.integer("d_model"), tokens_mlp = c.integer("tokens_mlp");
  const int64_t channels_mlp = c.integer("channels_mlp"), classes = c.integer("classes"), batch = c.integer("batch");
  check_patch(c, image, patch);

  GraphBuilder b("mixer");
  ValueId img = b.input("image", DType::F32, {batch, channels, image, image});
  ValueId x = patch_embedding(b, "stem", img, d, patch);
  for (int64_t l = 0; l < layers; ++l) x = mixer_block(b, fmt::format("blocks.{}", l), x, tokens_mlp, channels_mlp);
  x = layer_norm(b, "norm", x, 1e-6);
  ValueId pooled = b.op("ReduceMean", "pool", {x, b.ints({1})}, {{"keepdims", int64_t{0}}});
  ValueId logits = linear(b, "head", pooled, classes);
  b.output(b.op("Identity", "logits", {logits}));
  return b.finish();
}

}  // namespace

ModelDef mixer_model() {
  ModelDef m;
  m.info.name = "mixer";
  m.info.description = "MLP-Mixer; image [batch, channels, image, image] -> logits [batch, classes]";
  m.info.settings = {
      {"preset", "b16", "s16 (Mixer-S/16, 18.5M), b16 (Mixer-B/16, 59.9M)"},
      {"image", "224", "input height and width (a multiple of patch)"},
      {"batch", "1", "batch size"},
      {"patch", "16", "patch size"},
      {"channels", "3", "input channels"},
      {"layers", "12", "mixer blocks"},
      {"d_model", "768", "hidden width (channels per patch)"},
      {"tokens_mlp", "384", "token-mixing MLP width"},
      {"channels_mlp", "3072", "channel-mixing MLP width"},
      {"classes", "1000", "output classes"},
  };
  m.info.presets = {
      {"s16", {{"layers", "8"}, {"d_model", "512"}, {"tokens_mlp", "256"}, {"channels_mlp", "2048"}}},
      {"b16", {{"layers", "12"}, {"d_model", "768"}, {"tokens_mlp", "384"}, {"channels_mlp", "3072"}}},
  };
  m.build = build_mixer;
  return m;
}

}  // namespace tessera::zoo
