// GPT-2 (Radford et al. 2019), as in the released checkpoints: token and
// position embeddings, pre-LN blocks with causal self-attention and a tanh-GELU
// MLP 4x wide, a final LayerNorm, and the LM head tied to the token embedding
// (one parameter read twice, so it counts once: 124M for "small").
#include <fmt/format.h>

#include "tessera/zoo/models.h"
#include "tessera/zoo/transformer.h"

namespace tessera::zoo {
namespace {

graph::Graph build_gpt2(const Config& c) {
  const int64_t vocab = c.integer("vocab"), positions = c.integer("positions"), layers = c.integer("layers");
  const int64_t heads = c.integer("heads"), d = c.integer("d_model"), seq = c.integer("seq");
  const int64_t batch = c.integer("batch");
  if (seq > positions) c.reject("seq", fmt::format("must be at most positions={}", positions));
  if (d % heads != 0) c.reject("heads", fmt::format("must divide d_model={}", d));

  GraphBuilder b("gpt2");
  ValueId ids = b.input("input_ids", DType::I64, {batch, seq});
  ValueId wte = b.param("wte.weight", {vocab, d});
  ValueId wpe = b.param("wpe.weight", {positions, d});
  std::vector<int64_t> pos(static_cast<size_t>(seq));
  for (int64_t i = 0; i < seq; ++i) pos[static_cast<size_t>(i)] = i;
  ValueId position_ids = b.constant("position_ids", Tensor::from_i64(pos, {seq}));
  ValueId tokens = b.op("Gather", "wte", {wte, ids});
  ValueId x = b.op("Add", "embeddings", {tokens, b.op("Gather", "wpe", {wpe, position_ids})});

  BlockSpec s;
  s.heads = heads;
  s.mlp_hidden = 4 * d;
  s.eps = 1e-5;
  s.gelu = Gelu::Tanh;
  s.pre_norm = true;
  s.causal_mask = causal_mask(b, seq);
  for (int64_t l = 0; l < layers; ++l) x = transformer_block(b, fmt::format("h.{}", l), x, s);
  x = layer_norm(b, "ln_f", x, 1e-5);
  ValueId head = b.op("Transpose", "lm_head.weight_t", {wte}, {{"perm", std::vector<int64_t>{1, 0}}});
  b.output(b.op("MatMul", "logits", {x, head}));
  return b.finish();
}

}  // namespace

ModelDef gpt2_model() {
  ModelDef m;
  m.info.name = "gpt2";
  m.info.description = "GPT-2 language model (tied LM head, causal attention); input_ids [batch, seq] -> logits";
  m.info.settings = {
      {"preset", "small", "small (124M), medium (355M), large (774M), xl (1558M)"},
      {"seq", "1024", "sequence length"},
      {"batch", "1", "batch size"},
      {"vocab", "50257", "vocabulary size"},
      {"positions", "1024", "position-embedding rows (context length)"},
      {"layers", "12", "transformer blocks"},
      {"heads", "12", "attention heads"},
      {"d_model", "768", "hidden width"},
  };
  m.info.presets = {
      {"small", {{"layers", "12"}, {"heads", "12"}, {"d_model", "768"}}},
      {"medium", {{"layers", "24"}, {"heads", "16"}, {"d_model", "1024"}}},
      {"large", {{"layers", "36"}, {"heads", "20"}, {"d_model", "1280"}}},
      {"xl", {{"layers", "48"}, {"heads", "25"}, {"d_model", "1600"}}},
  };
  m.build = build_gpt2;
  return m;
}

}  // namespace tessera::zoo
