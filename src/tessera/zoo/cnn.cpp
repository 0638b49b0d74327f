// A small convolutional network for 28x28 images (Fashion-MNIST, MNIST), the
// common PyTorch tutorial shape: two blocks of 3x3 conv (padding 1) + ReLU +
// 2x2 max pool (width, then 2 x width channels), flatten, Linear(hidden) +
// ReLU, Linear(classes). At the defaults (28x28x1, width 32, hidden 128):
// 421,642 parameters.
#include <fmt/format.h>

#include "tessera/zoo/layers.h"
#include "tessera/zoo/models.h"

namespace tessera::zoo {
namespace {

ValueId conv_block(GraphBuilder& b, int index, ValueId x, int64_t channels) {
  const std::string n = fmt::format("{}", index);
  x = relu(b, "relu" + n, conv2d(b, "conv" + n, x, channels, 3, 1, 1, true));
  return b.op("MaxPool", "pool" + n, {x},
              {{"kernel_shape", std::vector<int64_t>{2, 2}}, {"strides", std::vector<int64_t>{2, 2}}});
}

graph::Graph build_cnn(const Config& c) {
  const int64_t image = c.integer("image"), channels = c.integer("channels"), classes = c.integer("classes");
  const int64_t batch = c.integer("batch"), width = c.integer("width"), hidden = c.integer("hidden");
  if (image < 4) c.reject("image", "must be at least 4 (two 2x2 max pools)");
  GraphBuilder b("cnn");
  ValueId x = b.input("image", DType::F32, {batch, channels, image, image});
  x = conv_block(b, 1, x, width);
  x = conv_block(b, 2, x, 2 * width);
  x = b.op("Flatten", "flatten", {x}, {{"axis", int64_t{1}}});
  x = relu(b, "fc1.relu", linear(b, "fc1", x, hidden));
  b.output(b.op("Identity", "logits", {linear(b, "fc2", x, classes)}));
  return b.finish();
}

}  // namespace

ModelDef cnn_model() {
  ModelDef m;
  m.info.name = "cnn";
  m.info.description =
      "Small CNN (two conv3x3-ReLU-maxpool blocks, two linear layers); "
      "image [batch, channels, image, image] -> logits [batch, classes]";
  m.info.settings = {
      {"image", "28", "input height and width (at least 4)"},
      {"channels", "1", "input channels"},
      {"classes", "10", "output classes"},
      {"batch", "1", "batch size"},
      {"width", "32", "first conv's output channels (the second has 2 x width)"},
      {"hidden", "128", "hidden linear layer's width"},
  };
  m.build = build_cnn;
  return m;
}

}  // namespace tessera::zoo
