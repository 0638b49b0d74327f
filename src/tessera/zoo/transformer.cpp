#include "tessera/zoo/transformer.h"

#include <cmath>
#include <limits>

namespace tessera::zoo {
namespace {

// [B, S, D] -> [B, S, H, D/H] -> permuted (heads before sequence).
ValueId split_heads(GraphBuilder& b, const std::string& name, ValueId t, int64_t heads, std::vector<int64_t> perm) {
  const int64_t batch = b.dim(t, 0), seq = b.dim(t, 1), d = b.dim(t, 2);
  ValueId r = b.op("Reshape", name + "/reshape", {t, b.ints({batch, seq, heads, d / heads})});
  return b.op("Transpose", name, {r}, {{"perm", std::move(perm)}});
}

ValueId self_attention(GraphBuilder& b, const std::string& name, ValueId x, const BlockSpec& s) {
  const int64_t batch = b.dim(x, 0), seq = b.dim(x, 1), d = b.dim(x, 2);
  ValueId qkv = linear(b, name + ".qkv", x, 3 * d);
  auto parts = b.op_n("Split", name + "/split", {qkv, b.ints({d, d, d})}, 3, {{"axis", int64_t{-1}}});
  ValueId q = split_heads(b, name + "/q", parts[0], s.heads, {0, 2, 1, 3});
  ValueId k = split_heads(b, name + "/k_t", parts[1], s.heads, {0, 2, 3, 1});
  ValueId v = split_heads(b, name + "/v", parts[2], s.heads, {0, 2, 1, 3});
  ValueId scores = b.op("MatMul", name + "/scores", {q, k});
  const double scale = 1.0 / std::sqrt(static_cast<double>(d / s.heads));
  ValueId scaled = b.op("Mul", name + "/scaled", {scores, b.scalar(static_cast<float>(scale))});
  if (s.causal_mask != graph::kNoValue)
    scaled = b.op("Where", name + "/masked",
                  {s.causal_mask, scaled, b.scalar(std::numeric_limits<float>::lowest())});
  ValueId probs = b.op("Softmax", name + "/softmax", {scaled}, {{"axis", int64_t{-1}}});
  ValueId ctx = b.op("MatMul", name + "/context", {probs, v});
  ValueId merged = b.op("Transpose", name + "/merge", {ctx}, {{"perm", std::vector<int64_t>{0, 2, 1, 3}}});
  ValueId flat = b.op("Reshape", name + "/merge_reshape", {merged, b.ints({batch, seq, d})});
  return linear(b, name + ".proj", flat, d);
}

ValueId mlp(GraphBuilder& b, const std::string& name, ValueId x, const BlockSpec& s) {
  const int64_t d = b.dim(x, -1);
  ValueId h = linear(b, name + ".fc1", x, s.mlp_hidden);
  h = gelu(b, name + ".act", h, s.gelu);
  return linear(b, name + ".fc2", h, d);
}

}  // namespace

ValueId transformer_block(GraphBuilder& b, const std::string& prefix, ValueId x, const BlockSpec& s) {
  if (s.pre_norm) {
    ValueId a = self_attention(b, prefix + ".attn", layer_norm(b, prefix + ".norm1", x, s.eps), s);
    x = b.op("Add", prefix + ".residual1", {x, a});
    ValueId m = mlp(b, prefix + ".mlp", layer_norm(b, prefix + ".norm2", x, s.eps), s);
    return b.op("Add", prefix + ".residual2", {x, m});
  }
  ValueId a = self_attention(b, prefix + ".attn", x, s);
  x = layer_norm(b, prefix + ".norm1", b.op("Add", prefix + ".residual1", {x, a}), s.eps);
  ValueId m = mlp(b, prefix + ".mlp", x, s);
  return layer_norm(b, prefix + ".norm2", b.op("Add", prefix + ".residual2", {x, m}), s.eps);
}

ValueId causal_mask(GraphBuilder& b, int64_t seq) {
  Tensor mask(DType::Bool, {seq, seq});
  for (int64_t i = 0; i < seq; ++i)
    for (int64_t j = 0; j <= i; ++j) mask.set_i64(i * seq + j, 1);
  return b.constant("causal_mask", std::move(mask));
}

}  // namespace tessera::zoo
