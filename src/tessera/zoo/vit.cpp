// Vision Transformer (Dosovitskiy et al. 2021), timm layout: 16x16 patch
// embedding conv, class token, learned position embedding, pre-LN blocks
// (eps 1e-6, erf-GELU), final LayerNorm and a linear head on the class token.
// ViT-B/16 at 224x224: 86.6M parameters, 17.6 G multiply-adds.
#include <fmt/format.h>

#include "tessera/support/checked.h"
#include "tessera/zoo/models.h"
#include "tessera/zoo/transformer.h"

namespace tessera::zoo {
namespace {

graph::Graph build_vit(const Config& c) {
  const int64_t image = c.integer("image"), patch = c.integer("patch"), channels = c.integer("channels");
  const int64_t layers = c.integer("layers"), heads = c.integer("heads"), d = c.integer("d_model");
  const int64_t mlp = c.integer("mlp"), classes = c.integer("classes"), batch = c.integer("batch");
  check_patch(c, image, patch);
  if (d % heads != 0) c.reject("heads", fmt::format("must divide d_model={}", d));
  const int64_t tokens = (image / patch) * (image / patch) + 1;  // at most 2^26 + 1 within the limits
  // The attention scores [batch, heads, tokens, tokens] are the largest tensor.
  checked_mul(checked_mul(batch, heads, "vit's attention scores"), checked_mul(tokens, tokens, "vit's attention scores"),
              "vit's attention scores (batch x heads x ((image/patch)^2 + 1)^2)");

  GraphBuilder b("vit");
  ValueId img = b.input("image", DType::F32, {batch, channels, image, image});
  ValueId x = patch_embedding(b, "patch_embed.proj", img, d, patch);
  ValueId cls = b.op("Expand", "cls_token.expand", {b.param("cls_token", {1, 1, d}), b.ints({batch, 1, d})});
  x = b.op("Concat", "tokens", {cls, x}, {{"axis", int64_t{1}}});
  x = b.op("Add", "pos_embed.add", {x, b.param("pos_embed", {1, tokens, d})});

  BlockSpec s;
  s.heads = heads;
  s.mlp_hidden = mlp;
  s.eps = 1e-6;
  s.gelu = Gelu::Erf;
  s.pre_norm = true;
  for (int64_t l = 0; l < layers; ++l) x = transformer_block(b, fmt::format("blocks.{}", l), x, s);
  x = layer_norm(b, "norm", x, 1e-6);
  ValueId first = b.op("Gather", "cls_output", {x, b.constant("cls_index", Tensor::scalar_i64(0))},
                       {{"axis", int64_t{1}}});
  ValueId logits = linear(b, "head", first, classes);
  b.output(b.op("Identity", "logits", {logits}));
  return b.finish();
}

}  // namespace

ModelDef vit_model() {
  ModelDef m;
  m.info.name = "vit";
  m.info.description = "Vision Transformer; image [batch, channels, image, image] -> logits [batch, classes]";
  m.info.settings = {
      {"preset", "b16", "tiny (ViT-Ti/16, 5.7M), b16 (ViT-B/16, 86.6M), l16 (ViT-L/16, 304M)"},
      {"image", "224", "input height and width (a multiple of patch)"},
      {"batch", "1", "batch size"},
      {"patch", "16", "patch size"},
      {"channels", "3", "input channels"},
      {"layers", "12", "transformer blocks"},
      {"heads", "12", "attention heads"},
      {"d_model", "768", "hidden width"},
      {"mlp", "3072", "MLP width"},
      {"classes", "1000", "output classes"},
  };
  m.info.presets = {
      {"tiny", {{"layers", "12"}, {"heads", "3"}, {"d_model", "192"}, {"mlp", "768"}}},
      {"b16", {{"layers", "12"}, {"heads", "12"}, {"d_model", "768"}, {"mlp", "3072"}}},
      {"l16", {{"layers", "24"}, {"heads", "16"}, {"d_model", "1024"}, {"mlp", "4096"}}},
  };
  m.build = build_vit;
  return m;
}

}  // namespace tessera::zoo
