// An LSTM language model (Zaremba et al. 2014's "medium": 2 layers of 650,
// vocabulary 10k, 35 steps, batch 20): embedding Gather, one ONNX LSTM node
// per layer (forward, gates i o f c, biases W and R as PyTorch has them), and
// a linear decoder to the vocabulary.
#include <fmt/format.h>

#include "tessera/zoo/layers.h"
#include "tessera/zoo/models.h"

namespace tessera::zoo {
namespace {

graph::Graph build_lstm(const Config& c) {
  const int64_t vocab = c.integer("vocab"), hidden = c.integer("hidden"), layers = c.integer("layers");
  const int64_t seq = c.integer("seq"), batch = c.integer("batch");
  GraphBuilder b("lstm");
  ValueId tokens = b.input("tokens", DType::I64, {seq, batch});
  ValueId x = b.op("Gather", "encoder", {b.param("encoder.weight", {vocab, hidden}), tokens});
  for (int64_t l = 0; l < layers; ++l) {
    const std::string name = fmt::format("rnn.{}", l);
    ValueId y = b.op("LSTM", name,
                     {x, b.param(name + ".W", {1, 4 * hidden, hidden}), b.param(name + ".R", {1, 4 * hidden, hidden}),
                      b.param(name + ".B", {1, 8 * hidden})},
                     {{"hidden_size", hidden}});
    x = b.op("Squeeze", name + ".squeeze", {y, b.ints({1})});
  }
  b.output(b.op("Identity", "logits", {linear(b, "decoder", x, vocab)}));
  return b.finish();
}

}  // namespace

ModelDef lstm_model() {
  ModelDef m;
  m.info.name = "lstm";
  m.info.description = "LSTM language model; tokens [seq, batch] -> logits [seq, batch, vocab]";
  m.info.settings = {
      {"vocab", "10000", "vocabulary size"},
      {"hidden", "650", "embedding and hidden width"},
      {"layers", "2", "stacked LSTM layers"},
      {"seq", "35", "sequence length"},
      {"batch", "20", "batch size"},
  };
  m.build = build_lstm;
  return m;
}

}  // namespace tessera::zoo
