// The checked configuration of an RNN, GRU or LSTM node, shared by shape
// inference and lower/rnn.cpp: sizes, direction, layout, activations and the
// optional behaviours, validated once with user-facing errors.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tessera/graph/graph.h"

namespace tessera::graph {

enum class RnnKind : uint8_t { Rnn, Gru, Lstm };
enum class RnnActivation : uint8_t { Sigmoid, Tanh, Relu };

struct RnnSpec {
  RnnKind kind = RnnKind::Rnn;
  int64_t gates = 1;  // 1 (RNN), 3 (GRU: z r h), 4 (LSTM: i o f c)
  int64_t dirs = 1;   // 2 when bidirectional
  bool reverse = false;  // direction == "reverse"
  int64_t seq = 0, batch = 0, input = 0, hidden = 0;
  bool batch_first = false;  // layout == 1
  // activations[d] for direction d: f (RNN); f, g (GRU); f, g, h (LSTM).
  std::vector<std::vector<RnnActivation>> activations;
  std::optional<double> clip;
  bool input_forget = false;         // LSTM
  bool linear_before_reset = false;  // GRU

  // Y: [T, D, B, H], or [B, T, D, H] with layout 1.
  Shape y_shape() const;
  // Y_h, Y_c, initial_h, initial_c: [D, B, H], or [B, D, H] with layout 1.
  Shape state_shape() const;
};

// Throws Error naming the node for bad shapes or attributes, unsupported
// activations and sequence_lens that are not all equal to the sequence length.
RnnSpec rnn_spec(const Graph& g, const Node& n);

}  // namespace tessera::graph
