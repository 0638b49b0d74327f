// Gradient rules of RNN, GRU and LSTM against central finite differences
// (double precision): directions, layouts, biases, initial states, clip,
// activations, peepholes, input_forget, linear_before_reset, every output;
// and the emitted graph growing linearly with the sequence length.
#include <gtest/gtest.h>

#include "grad_check.h"
#include "tessera/autodiff/autodiff.h"
#include "tessera/exec/executor.h"
#include "tessera/lower/lower.h"

namespace tessera::testing {
namespace {

using Attrs = std::map<std::string, graph::Attr>;
using Strings = std::vector<std::string>;

Tensor r64(Shape s, uint64_t seed, double scale = 1) { return random_tensor(DType::F64, s, seed, -scale, scale); }

struct Sizes {
  int64_t seq = 4, batch = 2, input = 3, hidden = 3, dirs = 1;
  bool batch_first = false;
  int64_t gates = 1;
};

// X, W, R, B, sequence_lens (absent), initial_h [, initial_c, P]; `with` says
// which optional inputs are present.
std::vector<OpInput> rnn_inputs(const Sizes& s, bool bias, bool init_h, bool init_c, bool peep, uint64_t seed) {
  const int64_t gh = s.gates * s.hidden;
  const Shape x = s.batch_first ? Shape{s.batch, s.seq, s.input} : Shape{s.seq, s.batch, s.input};
  const Shape state = s.batch_first ? Shape{s.batch, s.dirs, s.hidden} : Shape{s.dirs, s.batch, s.hidden};
  std::vector<OpInput> v = {in(r64(x, seed)), in(r64({s.dirs, gh, s.input}, seed + 1, 0.7)),
                            in(r64({s.dirs, gh, s.hidden}, seed + 2, 0.7)),
                            bias ? in(r64({s.dirs, 2 * gh}, seed + 3, 0.5)) : none(), none(),
                            init_h ? in(r64(state, seed + 4)) : none()};
  if (s.gates == 4) {
    v.push_back(init_c ? in(r64(state, seed + 5)) : none());
    v.push_back(peep ? in(r64({s.dirs, 3 * s.hidden}, seed + 6, 0.5)) : none());
  }
  while (!v.empty() && v.back().absent) v.pop_back();
  return v;
}

GradCheck outputs(size_t n) {
  GradCheck g;
  g.num_outputs = n;
  return g;
}

Attrs with(Attrs a, int64_t hidden) {
  a["hidden_size"] = hidden;
  return a;
}

TEST(GradRnn, Rnn) {
  Sizes s;
  check_gradients("RNN", rnn_inputs(s, true, true, false, false, 1), with({}, s.hidden), outputs(2));
  check_gradients("RNN", rnn_inputs(s, false, false, false, false, 2),
                  with({{"direction", std::string("reverse")}, {"activations", Strings{"Sigmoid"}}}, s.hidden));
  Sizes b = s;
  b.dirs = 2;
  b.batch_first = true;
  check_gradients("RNN", rnn_inputs(b, true, true, false, false, 3),
                  with({{"direction", std::string("bidirectional")}, {"layout", int64_t{1}},
                        {"activations", Strings{"Tanh", "Relu"}}, {"clip", 0.8}},
                       b.hidden),
                  outputs(2));
}

TEST(GradRnn, Gru) {
  Sizes s;
  s.gates = 3;
  check_gradients("GRU", rnn_inputs(s, true, true, false, false, 11), with({}, s.hidden), outputs(2));
  check_gradients("GRU", rnn_inputs(s, true, true, false, false, 12),
                  with({{"linear_before_reset", int64_t{1}}, {"direction", std::string("reverse")}}, s.hidden),
                  outputs(2));
  check_gradients("GRU", rnn_inputs(s, false, false, false, false, 13),
                  with({{"linear_before_reset", int64_t{1}}}, s.hidden));
  Sizes b = s;
  b.dirs = 2;
  b.batch_first = true;
  check_gradients("GRU", rnn_inputs(b, true, true, false, false, 14),
                  with({{"direction", std::string("bidirectional")}, {"layout", int64_t{1}}, {"clip", 1.5}},
                       b.hidden),
                  outputs(2));
}

TEST(GradRnn, Lstm) {
  Sizes s;
  s.gates = 4;
  check_gradients("LSTM", rnn_inputs(s, true, true, true, true, 21), with({}, s.hidden), outputs(3));
  check_gradients("LSTM", rnn_inputs(s, true, false, true, false, 22),
                  with({{"direction", std::string("reverse")}, {"input_forget", int64_t{1}}, {"clip", 1.2}},
                       s.hidden),
                  outputs(3));
  check_gradients("LSTM", rnn_inputs(s, false, true, false, false, 23),
                  with({{"activations", Strings{"Sigmoid", "Relu", "Tanh"}}}, s.hidden), outputs(2));
  Sizes b = s;
  b.dirs = 2;
  b.batch_first = true;
  check_gradients("LSTM", rnn_inputs(b, true, true, true, true, 24),
                  with({{"direction", std::string("bidirectional")}, {"layout", int64_t{1}}}, b.hidden), outputs(3));
}

TEST(GradRnn, OneStepOneBatch) {
  Sizes s;
  s.seq = 1;
  s.batch = 1;
  s.gates = 4;
  s.dirs = 2;
  check_gradients("LSTM", rnn_inputs(s, true, true, true, true, 61),
                  with({{"direction", std::string("bidirectional")}}, s.hidden), outputs(3));
}

TEST(GradRnn, LongSequence) {
  Sizes s;
  s.gates = 4;
  s.seq = 64;
  s.batch = 1;
  s.input = 2;
  s.hidden = 2;
  check_gradients("LSTM", rnn_inputs(s, true, true, true, false, 31), with({}, s.hidden), outputs(3));
  s.gates = 3;
  check_gradients("GRU", rnn_inputs(s, true, true, false, false, 32), with({}, s.hidden), outputs(2));
}

// Gradients reaching only Y_h and Y_c (no Y seed) equal those of a zero Y seed.
TEST(GradRnn, OnlyFinalStates) {
  Sizes s;
  s.gates = 4;
  auto grads = [&](bool seed_y) {
    graph::Graph g = infer_op("LSTM", rnn_inputs(s, true, true, true, false, 51), with({}, s.hidden), 3);
    std::vector<graph::ValueId> outs, seeds;
    for (size_t k = seed_y ? 0 : 1; k < 3; ++k) {
      graph::Value v = g.value(g.outputs[k]);
      v.name = "seed" + std::to_string(k);
      v.constant = k == 0 ? Tensor(DType::F64, v.shape) : r64(v.shape, 52 + k);
      outs.push_back(g.outputs[k]);
      seeds.push_back(g.add_value(v));
    }
    std::vector<graph::ValueId> wrt(g.inputs.begin(), g.inputs.end());
    g.outputs = autodiff::backward(g, outs, seeds, wrt);
    std::map<std::string, Tensor> feeds;
    const auto inputs = rnn_inputs(s, true, true, true, false, 51);
    for (size_t k = 0; k < inputs.size(); ++k)
      if (!inputs[k].absent) feeds["in" + std::to_string(k)] = inputs[k].value;
    const auto res = exec::run_program(lower::lower(g), feeds);
    std::vector<std::vector<float>> out;
    for (graph::ValueId v : g.outputs) out.push_back(values_f32(res.at(g.value(v).name)));
    return out;
  };
  const auto a = grads(false), b = grads(true);
  ASSERT_EQ(a.size(), b.size());
  for (size_t k = 0; k < a.size(); ++k) {
    ASSERT_EQ(a[k].size(), b[k].size());
    for (size_t i = 0; i < a[k].size(); ++i) EXPECT_NEAR(a[k][i], b[k][i], 1e-6) << "input " << k << " element " << i;
  }
}

// The backward graph grows by the same number of nodes for every added step.
TEST(GradRnn, GraphGrowsLinearly) {
  auto nodes = [](int64_t seq) {
    Sizes s;
    s.gates = 4;
    s.seq = seq;
    s.dirs = 2;
    graph::Graph g = infer_op("LSTM", rnn_inputs(s, true, true, true, true, 41),
                              with({{"direction", std::string("bidirectional")}}, s.hidden), 3);
    const size_t forward = g.nodes.size();
    std::vector<graph::ValueId> wrt;
    for (graph::ValueId v : g.inputs) wrt.push_back(v);
    autodiff::backward(g, {g.outputs[0]}, {g.outputs[0]}, wrt);
    return static_cast<int64_t>(g.nodes.size() - forward);
  };
  const int64_t n8 = nodes(8), n16 = nodes(16), n32 = nodes(32);
  EXPECT_EQ(n32 - n16, 2 * (n16 - n8));
  EXPECT_LT(n32, 32 * 2 * 70);  // 60 nodes per step and direction with peepholes
}

}  // namespace
}  // namespace tessera::testing
