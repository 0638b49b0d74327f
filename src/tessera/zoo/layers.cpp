#include "tessera/zoo/layers.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

namespace tessera::zoo {

ValueId linear(GraphBuilder& b, const std::string& name, ValueId x, int64_t out, bool bias) {
  const int64_t in = b.dim(x, -1);
  ValueId w = b.param(name + ".weight", {in, out});
  ValueId y = b.op("MatMul", bias ? name + "/matmul" : name, {x, w});
  if (!bias) return y;
  return b.op("Add", name, {y, b.param(name + ".bias", {out})});
}

ValueId layer_norm(GraphBuilder& b, const std::string& name, ValueId x, double eps) {
  const int64_t d = b.dim(x, -1);
  return b.op("LayerNormalization", name, {x, b.param(name + ".weight", {d}), b.param(name + ".bias", {d})},
              {{"axis", int64_t{-1}}, {"epsilon", eps}});
}

ValueId gelu(GraphBuilder& b, const std::string& name, ValueId x, Gelu form) {
  ValueId inner;
  if (form == Gelu::Erf) {
    // 0.5 * x * (1 + erf(x / sqrt(2)))
    ValueId scaled = b.op("Mul", name + "/scale", {x, b.scalar(static_cast<float>(1.0 / std::sqrt(2.0)))});
    inner = b.op("Erf", name + "/erf", {scaled});
  } else {
    // 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
    ValueId x2 = b.op("Mul", name + "/x2", {x, x});
    ValueId x3 = b.op("Mul", name + "/x3", {x2, x});
    ValueId cubic = b.op("Mul", name + "/cubic", {x3, b.scalar(0.044715f)});
    ValueId sum = b.op("Add", name + "/sum", {x, cubic});
    ValueId arg = b.op("Mul", name + "/arg", {sum, b.scalar(static_cast<float>(std::sqrt(2.0 / M_PI)))});
    inner = b.op("Tanh", name + "/tanh", {arg});
  }
  ValueId one_plus = b.op("Add", name + "/one_plus", {inner, b.scalar(1.0f)});
  ValueId half_x = b.op("Mul", name + "/half_x", {x, b.scalar(0.5f)});
  return b.op("Mul", name, {half_x, one_plus});
}

ValueId relu(GraphBuilder& b, const std::string& name, ValueId x) { return b.op("Relu", name, {x}); }

ValueId conv2d(GraphBuilder& b, const std::string& name, ValueId x, int64_t out_channels, int64_t kernel,
               int64_t stride, int64_t pad, bool bias) {
  const int64_t in = b.dim(x, 1);
  std::vector<ValueId> inputs = {x, b.param(name + ".weight", {out_channels, in, kernel, kernel})};
  if (bias) inputs.push_back(b.param(name + ".bias", {out_channels}));
  return b.op("Conv", name, inputs,
              {{"kernel_shape", std::vector<int64_t>{kernel, kernel}},
               {"strides", std::vector<int64_t>{stride, stride}},
               {"pads", std::vector<int64_t>{pad, pad, pad, pad}}});
}

ValueId batch_norm(GraphBuilder& b, const std::string& name, ValueId x) {
  const int64_t c = b.dim(x, 1);
  return b.op("BatchNormalization", name,
              {x, b.param(name + ".weight", {c}), b.param(name + ".bias", {c}), b.param(name + ".running_mean", {c}),
               b.param(name + ".running_var", {c})},
              {{"epsilon", 1e-5}});
}

ValueId patch_embedding(GraphBuilder& b, const std::string& name, ValueId image, int64_t d, int64_t patch) {
  ValueId y = conv2d(b, name, image, d, patch, patch, 0, true);
  const int64_t batch = b.dim(y, 0), tokens = b.dim(y, 2) * b.dim(y, 3);
  ValueId flat = b.op("Reshape", name + "/flatten", {y, b.ints({batch, d, tokens})});
  return b.op("Transpose", name + "/tokens", {flat}, {{"perm", std::vector<int64_t>{0, 2, 1}}});
}

void check_patch(const Config& c, int64_t image, int64_t patch) {
  if (image % patch == 0) return;
  std::vector<int64_t> divisors;  // the largest few below patch, excluding 1
  for (int64_t p = std::min(patch - 1, image); p >= 2 && divisors.size() < 3; --p)
    if (image % p == 0) divisors.push_back(p);
  std::string hint = fmt::format(" (no patch from 2 to {} divides it: change image or patch)", patch - 1);
  if (divisors.size() == 1) hint = fmt::format(" (e.g. patch={})", divisors[0]);
  if (divisors.size() > 1)
    hint = fmt::format(" (e.g. patch={} or {})", fmt::join(divisors.begin(), divisors.end() - 1, ", "),
                       divisors.back());
  c.reject("image", fmt::format("must be a multiple of patch={}{}", patch, hint));
}

}  // namespace tessera::zoo
