// Layers shared by the zoo's builders, named like their PyTorch modules
// ("blocks.3.attn.qkv.weight") so a reader can match them to the reference
// implementations. Each takes the input value and reads its shape.
#pragma once

#include <string>

#include "tessera/zoo/config.h"
#include "tessera/zoo/graph_builder.h"

namespace tessera::zoo {

// x[..., in] @ W[in, out] (+ b[out]), like torch.nn.Linear.
ValueId linear(GraphBuilder& b, const std::string& name, ValueId x, int64_t out, bool bias = true);
// LayerNormalization over the last axis with gamma and beta.
ValueId layer_norm(GraphBuilder& b, const std::string& name, ValueId x, double eps);
// GELU as ONNX opset-17 ops (opset 17 has no Gelu): the exact erf form
// (BERT, ViT, Mixer) or GPT-2's tanh approximation.
enum class Gelu { Erf, Tanh };
ValueId gelu(GraphBuilder& b, const std::string& name, ValueId x, Gelu form);
ValueId relu(GraphBuilder& b, const std::string& name, ValueId x);

// Conv2d (square kernel, stride, padding), like torch.nn.Conv2d.
ValueId conv2d(GraphBuilder& b, const std::string& name, ValueId x, int64_t out_channels, int64_t kernel,
               int64_t stride, int64_t pad, bool bias);
// BatchNorm2d at inference: scale, bias, running mean and variance.
ValueId batch_norm(GraphBuilder& b, const std::string& name, ValueId x);
// ViT/Mixer patch embedding: a patch x patch conv with stride patch, then
// [B, D, h, w] -> [B, h*w, D].
ValueId patch_embedding(GraphBuilder& b, const std::string& name, ValueId image, int64_t d, int64_t patch);
// Rejects (on `image`) a patch that does not divide the image, suggesting
// patch sizes that do (e.g. 14, 7 or 4 for 28x28 Fashion-MNIST).
void check_patch(const Config& c, int64_t image, int64_t patch);

}  // namespace tessera::zoo
