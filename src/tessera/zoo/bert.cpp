// BERT (Devlin et al. 2019) encoder as in the released checkpoints: word,
// position and token-type embeddings with LayerNorm, post-LN blocks with
// erf-GELU, and the tanh pooler over the first token. No attention mask (every
// token attends to every token) and no pre-training heads: 110M for "base".
#include <fmt/format.h>

#include "tessera/zoo/models.h"
#include "tessera/zoo/transformer.h"

namespace tessera::zoo {
namespace {

graph::Graph build_bert(const Config& c) {
  const int64_t vocab = c.integer("vocab"), positions = c.integer("positions"), types = c.integer("type_vocab");
  const int64_t layers = c.integer("layers"), heads = c.integer("heads"), d = c.integer("d_model");
  const int64_t ff = c.integer("ff"), seq = c.integer("seq"), batch = c.integer("batch");
  if (seq > positions) c.reject("seq", fmt::format("must be at most positions={}", positions));
  if (d % heads != 0) c.reject("heads", fmt::format("must divide d_model={}", d));

  GraphBuilder b("bert");
  ValueId ids = b.input("input_ids", DType::I64, {batch, seq});
  ValueId type_ids = b.input("token_type_ids", DType::I64, {batch, seq});
  std::vector<int64_t> pos(static_cast<size_t>(seq));
  for (int64_t i = 0; i < seq; ++i) pos[static_cast<size_t>(i)] = i;
  ValueId word = b.op("Gather", "embeddings.word", {b.param("embeddings.word_embeddings.weight", {vocab, d}), ids});
  ValueId position = b.op("Gather", "embeddings.position",
                          {b.param("embeddings.position_embeddings.weight", {positions, d}),
                           b.constant("position_ids", Tensor::from_i64(pos, {seq}))});
  ValueId type = b.op("Gather", "embeddings.token_type",
                      {b.param("embeddings.token_type_embeddings.weight", {types, d}), type_ids});
  ValueId x = b.op("Add", "embeddings.sum2", {b.op("Add", "embeddings.sum1", {word, position}), type});
  x = layer_norm(b, "embeddings.LayerNorm", x, 1e-12);

  BlockSpec s;
  s.heads = heads;
  s.mlp_hidden = ff;
  s.eps = 1e-12;
  s.gelu = Gelu::Erf;
  s.pre_norm = false;
  for (int64_t l = 0; l < layers; ++l) x = transformer_block(b, fmt::format("encoder.layer.{}", l), x, s);
  b.output(b.op("Identity", "last_hidden_state", {x}));
  ValueId first = b.op("Gather", "pooler.first_token", {x, b.constant("first_token", Tensor::scalar_i64(0))},
                       {{"axis", int64_t{1}}});
  ValueId pooled = b.op("Tanh", "pooler_output", {linear(b, "pooler.dense", first, d)});
  b.output(pooled);
  return b.finish();
}

}  // namespace

ModelDef bert_model() {
  ModelDef m;
  m.info.name = "bert";
  m.info.description =
      "BERT encoder + pooler; input_ids, token_type_ids [batch, seq] -> last_hidden_state, pooler_output";
  m.info.settings = {
      {"preset", "base", "base (110M), large (340M)"},
      {"seq", "128", "sequence length"},
      {"batch", "1", "batch size"},
      {"vocab", "30522", "vocabulary size"},
      {"positions", "512", "position-embedding rows"},
      {"type_vocab", "2", "token types (segments)"},
      {"layers", "12", "encoder layers"},
      {"heads", "12", "attention heads"},
      {"d_model", "768", "hidden width"},
      {"ff", "3072", "feed-forward width"},
  };
  m.info.presets = {
      {"base", {{"layers", "12"}, {"heads", "12"}, {"d_model", "768"}, {"ff", "3072"}}},
      {"large", {{"layers", "24"}, {"heads", "16"}, {"d_model", "1024"}, {"ff", "4096"}}},
  };
  m.build = build_bert;
  return m;
}

}  // namespace tessera::zoo
