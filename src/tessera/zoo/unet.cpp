// U-Net (Ronneberger et al. 2015) with the now-usual same-size convolutions:
// `depth` down steps (two 3x3 Conv+BN+ReLU, then 2x2 max pool) doubling the
// channels, and as many up steps (2x2 stride-2 ConvTranspose halving them,
// concatenation with the skip, two 3x3 Conv+BN+ReLU), then a 1x1 conv to the
// classes. Any height and width of at least 2^depth works: where pooling
// floored an odd size, the up-sampled map is zero-padded to the skip's size
// (split as evenly as possible), as the common PyTorch U-Net does. So the
// Argonne 1260x2048 input works at depth 4. Defaults (3 in, 2 classes, 64
// base channels) give 31.0M parameters.
#include <fmt/format.h>

#include "tessera/zoo/layers.h"
#include "tessera/zoo/models.h"

namespace tessera::zoo {
namespace {

ValueId double_conv(GraphBuilder& b, const std::string& name, ValueId x, int64_t out) {
  for (int i = 1; i <= 2; ++i) {
    x = conv2d(b, fmt::format("{}.conv{}", name, i), x, out, 3, 1, 1, false);
    x = relu(b, fmt::format("{}.relu{}", name, i), batch_norm(b, fmt::format("{}.bn{}", name, i), x));
  }
  return x;
}

ValueId up_step(GraphBuilder& b, const std::string& name, ValueId x, ValueId skip) {
  const int64_t half = b.dim(x, 1) / 2;
  ValueId up = b.op("ConvTranspose", name + ".up", {x, b.param(name + ".up.weight", {b.dim(x, 1), half, 2, 2}),
                                                     b.param(name + ".up.bias", {half})},
                    {{"kernel_shape", std::vector<int64_t>{2, 2}}, {"strides", std::vector<int64_t>{2, 2}}});
  const int64_t dh = b.dim(skip, 2) - b.dim(up, 2), dw = b.dim(skip, 3) - b.dim(up, 3);
  if (dh != 0 || dw != 0)
    up = b.op("Pad", name + ".pad", {up, b.ints({0, 0, dh / 2, dw / 2, 0, 0, dh - dh / 2, dw - dw / 2})});
  ValueId cat = b.op("Concat", name + ".concat", {skip, up}, {{"axis", int64_t{1}}});
  return double_conv(b, name + ".conv", cat, half);
}

graph::Graph build_unet(const Config& c) {
  const int64_t height = c.integer("height"), width = c.integer("width"), in = c.integer("in_channels");
  const int64_t classes = c.integer("classes"), base = c.integer("base_channels"), depth = c.integer("depth");
  const int64_t batch = c.integer("batch");
  const int64_t smallest = int64_t{1} << depth;
  if (height < smallest) c.reject("height", fmt::format("must be at least 2^depth = {}", smallest));
  if (width < smallest) c.reject("width", fmt::format("must be at least 2^depth = {}", smallest));

  GraphBuilder b("unet");
  ValueId x = b.input("image", DType::F32, {batch, in, height, width});
  std::vector<ValueId> skips = {double_conv(b, "inc", x, base)};
  for (int64_t i = 1; i <= depth; ++i) {
    ValueId pooled = b.op("MaxPool", fmt::format("down{}.pool", i), {skips.back()},
                          {{"kernel_shape", std::vector<int64_t>{2, 2}}, {"strides", std::vector<int64_t>{2, 2}}});
    skips.push_back(double_conv(b, fmt::format("down{}.conv", i), pooled, base << i));
  }
  x = skips.back();
  for (int64_t i = depth - 1; i >= 0; --i)
    x = up_step(b, fmt::format("up{}", depth - i), x, skips[static_cast<size_t>(i)]);
  b.output(b.op("Identity", "logits", {conv2d(b, "outc", x, classes, 1, 1, 0, true)}));
  return b.finish();
}

}  // namespace

ModelDef unet_model() {
  ModelDef m;
  m.info.name = "unet";
  m.info.description = "U-Net segmentation; image [batch, in_channels, height, width] -> logits [batch, classes, ...]";
  m.info.settings = {
      {"height", "572", "input height (any size >= 2^depth, e.g. 1260)"},
      {"width", "572", "input width (e.g. 2048)"},
      {"batch", "1", "batch size"},
      {"in_channels", "3", "input channels"},
      {"classes", "2", "output channels"},
      {"base_channels", "64", "channels of the first level (doubled per level)"},
      {"depth", "4", "down/up steps"},
  };
  m.build = build_unet;
  return m;
}

}  // namespace tessera::zoo
