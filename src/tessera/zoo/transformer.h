// The transformer block shared by GPT-2, BERT and ViT: multi-head
// self-attention (fused QKV projection, scaled dot product, optional causal
// mask) and a two-layer GELU MLP, in pre-norm (GPT-2, ViT) or post-norm
// (BERT) arrangement. Input and output are [batch, seq, d_model].
#pragma once

#include <string>

#include "tessera/zoo/layers.h"

namespace tessera::zoo {

struct BlockSpec {
  int64_t heads = 12;
  int64_t mlp_hidden = 3072;
  double eps = 1e-5;
  Gelu gelu = Gelu::Erf;
  bool pre_norm = true;  // x + f(LN(x)); false: LN(x + f(x))
  ValueId causal_mask = graph::kNoValue;  // bool [seq, seq], true where attending is allowed
};

ValueId transformer_block(GraphBuilder& b, const std::string& prefix, ValueId x, const BlockSpec& s);
// Lower-triangular bool [seq, seq] (position i sees positions <= i).
ValueId causal_mask(GraphBuilder& b, int64_t seq);

}  // namespace tessera::zoo
