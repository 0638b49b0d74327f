// ResNet (He et al. 2016) in torchvision's layout (v1.5: the stride sits on
// the 3x3 conv of a bottleneck): 7x7 stem, max pool, four stages of basic
// (18, 34) or bottleneck (50, 101, 152) blocks with 1x1 projection shortcuts,
// global average pooling and a linear head. Convs have no bias; every
// BatchNormalization is its own node. ResNet-50: 25.6M parameters (plus the
// BN running statistics), 4.1 G MACs at 224x224.
#include <fmt/format.h>

#include "tessera/zoo/layers.h"
#include "tessera/zoo/models.h"

namespace tessera::zoo {
namespace {

ValueId conv_bn(GraphBuilder& b, const std::string& conv, const std::string& bn, ValueId x, int64_t out,
                int64_t kernel, int64_t stride) {
  return batch_norm(b, bn, conv2d(b, conv, x, out, kernel, stride, kernel / 2, false));
}

ValueId shortcut(GraphBuilder& b, const std::string& name, ValueId x, int64_t out, int64_t stride) {
  if (stride == 1 && b.dim(x, 1) == out) return x;
  return conv_bn(b, name + ".downsample.0", name + ".downsample.1", x, out, 1, stride);
}

ValueId basic_block(GraphBuilder& b, const std::string& name, ValueId x, int64_t width, int64_t stride) {
  ValueId y = relu(b, name + ".relu1", conv_bn(b, name + ".conv1", name + ".bn1", x, width, 3, stride));
  y = conv_bn(b, name + ".conv2", name + ".bn2", y, width, 3, 1);
  return relu(b, name + ".relu2", b.op("Add", name + ".add", {y, shortcut(b, name, x, width, stride)}));
}

ValueId bottleneck(GraphBuilder& b, const std::string& name, ValueId x, int64_t width, int64_t stride) {
  ValueId y = relu(b, name + ".relu1", conv_bn(b, name + ".conv1", name + ".bn1", x, width, 1, 1));
  y = relu(b, name + ".relu2", conv_bn(b, name + ".conv2", name + ".bn2", y, width, 3, stride));
  y = conv_bn(b, name + ".conv3", name + ".bn3", y, 4 * width, 1, 1);
  return relu(b, name + ".relu3", b.op("Add", name + ".add", {y, shortcut(b, name, x, 4 * width, stride)}));
}

graph::Graph build_resnet(const Config& c) {
  const std::string depth = c.choice("depth", {"18", "34", "50", "101", "152"});
  const int64_t image = c.integer("image"), channels = c.integer("channels");
  const int64_t classes = c.integer("classes"), batch = c.integer("batch");
  const bool deep = depth != "18" && depth != "34";
  const std::map<std::string, std::vector<int64_t>> stages = {
      {"18", {2, 2, 2, 2}}, {"34", {3, 4, 6, 3}}, {"50", {3, 4, 6, 3}}, {"101", {3, 4, 23, 3}}, {"152", {3, 8, 36, 3}}};

  GraphBuilder b("resnet" + depth);
  ValueId x = b.input("image", DType::F32, {batch, channels, image, image});
  x = relu(b, "relu", batch_norm(b, "bn1", conv2d(b, "conv1", x, 64, 7, 2, 3, false)));
  x = b.op("MaxPool", "maxpool", {x},
           {{"kernel_shape", std::vector<int64_t>{3, 3}},
            {"strides", std::vector<int64_t>{2, 2}},
            {"pads", std::vector<int64_t>{1, 1, 1, 1}}});
  for (size_t stage = 0; stage < 4; ++stage) {
    const int64_t width = int64_t{64} << stage;
    for (int64_t i = 0; i < stages.at(depth)[stage]; ++i) {
      const int64_t stride = stage > 0 && i == 0 ? 2 : 1;
      const std::string name = fmt::format("layer{}.{}", stage + 1, i);
      x = deep ? bottleneck(b, name, x, width, stride) : basic_block(b, name, x, width, stride);
    }
  }
  x = b.op("GlobalAveragePool", "avgpool", {x});
  x = b.op("Flatten", "flatten", {x}, {{"axis", int64_t{1}}});
  ValueId logits = linear(b, "fc", x, classes);
  b.output(b.op("Identity", "logits", {logits}));
  return b.finish();
}

}  // namespace

ModelDef resnet_model() {
  ModelDef m;
  m.info.name = "resnet";
  m.info.description = "ResNet (torchvision layout); image [batch, channels, image, image] -> logits [batch, classes]";
  m.info.settings = {
      {"depth", "50", "18 (11.7M), 34, 50 (25.6M), 101 or 152"},
      {"image", "224", "input height and width"},
      {"batch", "1", "batch size"},
      {"channels", "3", "input channels"},
      {"classes", "1000", "output classes"},
  };
  m.build = build_resnet;
  return m;
}

}  // namespace tessera::zoo
