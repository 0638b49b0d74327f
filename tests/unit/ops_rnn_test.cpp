// Known-answer tests for RNN, GRU and LSTM. A few tiny cases have closed
// forms; the rest are checked against a straightforward per-time-step
// reference written here from the ONNX equations (independently of the
// lowering's two-kernel structure).
#include <gtest/gtest.h>

#include <cmath>

#include "op_test_util.h"
#include "tessera/support/error.h"

namespace tessera::testing {
namespace {

using graph::Attr;
using Attrs = std::map<std::string, Attr>;
using Strings = std::vector<std::string>;

std::vector<float> pseudo_random(size_t n, uint32_t seed, float scale = 1.0f) {
  std::vector<float> v(n);
  for (auto& x : v) {
    seed = seed * 1664525u + 1013904223u;
    x = (static_cast<float>(seed >> 8) / static_cast<float>(1u << 24) * 2.0f - 1.0f) * scale;
  }
  return v;
}

void expect_all_near(const std::vector<float>& got, const std::vector<float>& want, float tol = 1e-4f) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "at " << i;
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

double apply(const std::string& act, double x) {
  if (act == "Sigmoid") return sigmoid(x);
  if (act == "Tanh") return std::tanh(x);
  return x > 0 ? x : 0;  // Relu
}

// ---- reference ---------------------------------------------------------------

struct RnnCase {
  std::string op = "LSTM";
  int64_t T = 3, B = 2, I = 3, H = 2;
  std::string direction = "forward";
  std::vector<float> x, w, r, b, h0, c0, p;  // empty: absent input
  Strings acts;                              // empty: the op's defaults
  float clip = 0;
  bool input_forget = false, lbr = false;

  int64_t dirs() const { return direction == "bidirectional" ? 2 : 1; }
  int64_t gates() const { return op == "LSTM" ? 4 : op == "GRU" ? 3 : 1; }
  Strings activations() const {
    Strings one = !acts.empty() ? acts
                  : op == "LSTM" ? Strings{"Sigmoid", "Tanh", "Tanh"}
                  : op == "GRU"  ? Strings{"Sigmoid", "Tanh"}
                                 : Strings{"Tanh"};
    if (acts.empty() && dirs() == 2) {
      Strings both = one;
      both.insert(both.end(), one.begin(), one.end());
      return both;
    }
    return one;
  }
  // Fills every input with deterministic values.
  void randomize(uint32_t seed, bool bias, bool init, bool peep) {
    const int64_t gh = gates() * H;
    x = pseudo_random(T * B * I, seed);
    w = pseudo_random(dirs() * gh * I, seed + 1, 0.7f);
    r = pseudo_random(dirs() * gh * H, seed + 2, 0.7f);
    if (bias) b = pseudo_random(dirs() * 2 * gh, seed + 3, 0.5f);
    if (init) h0 = pseudo_random(dirs() * B * H, seed + 4), c0 = pseudo_random(dirs() * B * H, seed + 5);
    if (peep) p = pseudo_random(dirs() * 3 * H, seed + 6);
  }
};

struct RnnResult {
  std::vector<float> y, yh, yc;
};

RnnResult reference(const RnnCase& k) {
  const int64_t D = k.dirs(), G = k.gates(), H = k.H, B = k.B, I = k.I, T = k.T, per = k.op == "LSTM" ? 3 : k.op == "GRU" ? 2 : 1;
  const Strings acts = k.activations();
  RnnResult out;
  out.y.assign(T * D * B * H, 0.0f);
  out.yh.assign(D * B * H, 0.0f);
  out.yc.assign(D * B * H, 0.0f);
  auto clipped = [&](double v) { return k.clip > 0 ? std::min<double>(std::max<double>(v, -k.clip), k.clip) : v; };
  for (int64_t d = 0; d < D; ++d) {
    auto act = [&](int slot, double v) { return apply(acts[d * per + slot], v); };
    const bool reverse = k.direction == "reverse" || d == 1;
    std::vector<double> h(B * H, 0.0), c(B * H, 0.0);
    if (!k.h0.empty())
      for (int64_t i = 0; i < B * H; ++i) h[i] = k.h0[d * B * H + i];
    if (!k.c0.empty())
      for (int64_t i = 0; i < B * H; ++i) c[i] = k.c0[d * B * H + i];
    for (int64_t step = 0; step < T; ++step) {
      const int64_t t = reverse ? T - 1 - step : step;
      std::vector<double> hn(B * H), cn(B * H);
      for (int64_t bb = 0; bb < B; ++bb) {
        // x·W + Wb for gate g, unit j; and hv·R + Rb.
        auto xw = [&](int64_t g, int64_t j) {
          double s = k.b.empty() ? 0.0 : k.b[d * 2 * G * H + g * H + j];
          for (int64_t i = 0; i < I; ++i) s += k.x[(t * B + bb) * I + i] * k.w[(d * G * H + g * H + j) * I + i];
          return s;
        };
        auto hr = [&](int64_t g, int64_t j, const std::vector<double>& hv) {
          double s = k.b.empty() ? 0.0 : k.b[d * 2 * G * H + G * H + g * H + j];
          for (int64_t q = 0; q < H; ++q) s += hv[bb * H + q] * k.r[(d * G * H + g * H + j) * H + q];
          return s;
        };
        auto peep = [&](int64_t g, int64_t j) { return k.p.empty() ? 0.0 : k.p[d * 3 * H + g * H + j]; };
        if (k.op == "RNN") {
          for (int64_t j = 0; j < H; ++j) hn[bb * H + j] = act(0, clipped(xw(0, j) + hr(0, j, h)));
        } else if (k.op == "GRU") {
          std::vector<double> rh(B * H, 0.0), rg(H);
          for (int64_t j = 0; j < H; ++j) {
            rg[j] = act(0, clipped(xw(1, j) + hr(1, j, h)));
            rh[bb * H + j] = rg[j] * h[bb * H + j];
          }
          for (int64_t j = 0; j < H; ++j) {
            const double z = act(0, clipped(xw(0, j) + hr(0, j, h)));
            const double hh = k.lbr ? act(1, clipped(xw(2, j) + rg[j] * hr(2, j, h)))
                                    : act(1, clipped(xw(2, j) + hr(2, j, rh)));
            hn[bb * H + j] = (1 - z) * hh + z * h[bb * H + j];
          }
        } else {
          for (int64_t j = 0; j < H; ++j) {
            const double cp = c[bb * H + j];
            const double ig = act(0, clipped(xw(0, j) + hr(0, j, h) + peep(0, j) * cp));
            const double fg = k.input_forget ? 1 - ig : act(0, clipped(xw(2, j) + hr(2, j, h) + peep(2, j) * cp));
            const double cg = act(1, clipped(xw(3, j) + hr(3, j, h)));
            const double cc = fg * cp + ig * cg;
            const double og = act(0, clipped(xw(1, j) + hr(1, j, h) + peep(1, j) * cc));
            cn[bb * H + j] = cc;
            hn[bb * H + j] = og * act(2, cc);
          }
        }
      }
      h = hn;
      if (k.op == "LSTM") c = cn;
      for (int64_t i = 0; i < B * H; ++i) out.y[(t * D + d) * B * H + i] = static_cast<float>(h[i]);
    }
    for (int64_t i = 0; i < B * H; ++i) {
      out.yh[d * B * H + i] = static_cast<float>(h[i]);
      out.yc[d * B * H + i] = static_cast<float>(c[i]);
    }
  }
  return out;
}

// ---- running the op ------------------------------------------------------------

std::vector<OpInput> op_inputs(const RnnCase& k, std::optional<Tensor> seq_lens = std::nullopt) {
  const int64_t D = k.dirs(), GH = k.gates() * k.H;
  auto opt = [](const std::vector<float>& v, Shape s) { return v.empty() ? none() : in(f32(v, std::move(s))); };
  std::vector<OpInput> ins{in(f32(k.x, {k.T, k.B, k.I})), in(f32(k.w, {D, GH, k.I})), in(f32(k.r, {D, GH, k.H})),
                           opt(k.b, {D, 2 * GH}), seq_lens ? cin(*seq_lens) : none(), opt(k.h0, {D, k.B, k.H})};
  if (k.op == "LSTM") ins.push_back(opt(k.c0, {D, k.B, k.H})), ins.push_back(opt(k.p, {D, 3 * k.H}));
  while (ins.back().absent) ins.pop_back();
  return ins;
}

Attrs op_attrs(const RnnCase& k) {
  Attrs a{{"hidden_size", k.H}, {"direction", k.direction}};
  if (!k.acts.empty()) a["activations"] = k.acts;
  if (k.clip > 0) a["clip"] = static_cast<double>(k.clip);
  if (k.input_forget) a["input_forget"] = int64_t{1};
  if (k.lbr) a["linear_before_reset"] = int64_t{1};
  return a;
}

void check(const RnnCase& k, float tol = 1e-4f) {
  const size_t outs = k.op == "LSTM" ? 3 : 2;
  auto got = run_op(k.op, op_inputs(k), op_attrs(k), outs);
  const RnnResult want = reference(k);
  ASSERT_EQ(got[0].shape(), (Shape{k.T, k.dirs(), k.B, k.H}));
  ASSERT_EQ(got[1].shape(), (Shape{k.dirs(), k.B, k.H}));
  expect_all_near(values_f32(got[0]), want.y, tol);
  expect_all_near(values_f32(got[1]), want.yh, tol);
  if (outs == 3) expect_all_near(values_f32(got[2]), want.yc, tol);
}

// ---- closed forms ------------------------------------------------------------

TEST(RNN, HiddenOneByHand) {
  // h1 = tanh(1), h2 = tanh(2 + 0.5 h1)
  auto y = run_op("RNN", {in(f32({1, 2}, {2, 1, 1})), in(f32({1}, {1, 1, 1})), in(f32({0.5f}, {1, 1, 1}))},
                  {{"hidden_size", int64_t{1}}}, 2);
  const float h1 = std::tanh(1.0f), h2 = std::tanh(2.0f + 0.5f * h1);
  expect_all_near(values_f32(y[0]), {h1, h2});
  expect_all_near(values_f32(y[1]), {h2});
}

TEST(LSTM, HiddenOneOneStepByHand) {
  // All four gates see 1: i = f = o = sigmoid(1), g = tanh(1); c = i*g (c0 = 0); h = o * tanh(c).
  auto y = run_op("LSTM", {in(f32({1}, {1, 1, 1})), in(f32({1, 1, 1, 1}, {1, 4, 1})), in(f32({3, 3, 3, 3}, {1, 4, 1}))},
                  {{"hidden_size", int64_t{1}}}, 3);
  const double s = sigmoid(1), c = s * std::tanh(1.0), h = s * std::tanh(c);
  expect_all_near(values_f32(y[0]), {static_cast<float>(h)});
  expect_all_near(values_f32(y[1]), {static_cast<float>(h)});
  expect_all_near(values_f32(y[2]), {static_cast<float>(c)});
}

TEST(GRU, HiddenOneOneStepByHand) {
  // z = r = sigmoid(1), hh = tanh(1 + r*h0*Rh) with h0 = 0.5, Rh = 2; h = (1-z) hh + z h0.
  auto y = run_op("GRU", {in(f32({1}, {1, 1, 1})), in(f32({1, 1, 1}, {1, 3, 1})), in(f32({0, 0, 2}, {1, 3, 1})),
                          none(), none(), in(f32({0.5f}, {1, 1, 1}))},
                  {{"hidden_size", int64_t{1}}}, 2);
  const double z = sigmoid(1), hh = std::tanh(1 + z * 0.5 * 2), h = (1 - z) * hh + z * 0.5;
  expect_all_near(values_f32(y[0]), {static_cast<float>(h)});
}

// ---- against the reference -----------------------------------------------------

TEST(RNN, ForwardWithBiasAndInitialState) {
  RnnCase k;
  k.op = "RNN";
  k.randomize(1, true, true, false);
  check(k);
}

TEST(RNN, ReverseRelu) {
  RnnCase k;
  k.op = "RNN", k.direction = "reverse", k.acts = {"Relu"};
  k.randomize(2, true, false, false);
  check(k);
}

TEST(GRU, Forward) {
  RnnCase k;
  k.op = "GRU", k.T = 4;
  k.randomize(3, true, true, false);
  check(k);
}

TEST(GRU, LinearBeforeReset) {
  RnnCase k;
  k.op = "GRU", k.lbr = true;
  k.randomize(4, true, true, false);
  check(k);
}

TEST(GRU, BidirectionalBothResetModes) {
  for (bool lbr : {false, true}) {
    RnnCase k;
    k.op = "GRU", k.direction = "bidirectional", k.lbr = lbr, k.H = 3;
    k.randomize(5, true, true, false);
    check(k);
  }
}

TEST(GRU, NoBiasClip) {
  RnnCase k;
  k.op = "GRU", k.clip = 0.3f;
  k.randomize(6, false, false, false);
  check(k);
}

TEST(LSTM, ForwardPeepholesBiasInitialState) {
  RnnCase k;
  k.randomize(7, true, true, true);
  check(k);
}

TEST(LSTM, ReverseClipInputForget) {
  RnnCase k;
  k.direction = "reverse", k.clip = 0.5f, k.input_forget = true;
  k.randomize(8, true, true, false);
  check(k);
}

TEST(LSTM, BidirectionalWithPerDirectionActivations) {
  RnnCase k;
  k.direction = "bidirectional", k.T = 4;
  k.acts = {"Sigmoid", "Tanh", "Tanh", "Sigmoid", "Relu", "Tanh"};
  k.randomize(9, true, true, true);
  check(k);
}

TEST(LSTM, LargeInputProjectionMatchesReference) {
  RnnCase k;
  k.T = 5, k.B = 3, k.I = 24, k.H = 16;
  k.randomize(10, true, false, false);
  check(k, 2e-4f);
}

TEST(LSTM, LayoutOneIsBatchFirst) {
  RnnCase k;
  k.direction = "bidirectional";
  k.randomize(11, true, true, false);
  const RnnResult want = reference(k);
  // Transpose X [T,B,I] -> [B,T,I] and the states [D,B,H] -> [B,D,H].
  std::vector<float> xb(k.x.size()), h0b(k.h0.size()), c0b(k.c0.size());
  for (int64_t t = 0; t < k.T; ++t)
    for (int64_t b = 0; b < k.B; ++b)
      for (int64_t i = 0; i < k.I; ++i) xb[(b * k.T + t) * k.I + i] = k.x[(t * k.B + b) * k.I + i];
  for (int64_t d = 0; d < 2; ++d)
    for (int64_t b = 0; b < k.B; ++b)
      for (int64_t j = 0; j < k.H; ++j) {
        h0b[(b * 2 + d) * k.H + j] = k.h0[(d * k.B + b) * k.H + j];
        c0b[(b * 2 + d) * k.H + j] = k.c0[(d * k.B + b) * k.H + j];
      }
  Attrs at = op_attrs(k);
  at["layout"] = int64_t{1};
  auto got = run_op("LSTM",
                    {in(f32(xb, {k.B, k.T, k.I})), in(f32(k.w, {2, 4 * k.H, k.I})), in(f32(k.r, {2, 4 * k.H, k.H})),
                     in(f32(k.b, {2, 8 * k.H})), none(), in(f32(h0b, {k.B, 2, k.H})), in(f32(c0b, {k.B, 2, k.H}))},
                    at, 3);
  ASSERT_EQ(got[0].shape(), (Shape{k.B, k.T, 2, k.H}));
  ASSERT_EQ(got[1].shape(), (Shape{k.B, 2, k.H}));
  const auto y = values_f32(got[0]), yh = values_f32(got[1]), yc = values_f32(got[2]);
  for (int64_t t = 0; t < k.T; ++t)
    for (int64_t d = 0; d < 2; ++d)
      for (int64_t b = 0; b < k.B; ++b)
        for (int64_t j = 0; j < k.H; ++j)
          EXPECT_NEAR(y[((b * k.T + t) * 2 + d) * k.H + j], want.y[((t * 2 + d) * k.B + b) * k.H + j], 1e-4f);
  for (int64_t d = 0; d < 2; ++d)
    for (int64_t b = 0; b < k.B; ++b)
      for (int64_t j = 0; j < k.H; ++j) {
        EXPECT_NEAR(yh[(b * 2 + d) * k.H + j], want.yh[(d * k.B + b) * k.H + j], 1e-4f);
        EXPECT_NEAR(yc[(b * 2 + d) * k.H + j], want.yc[(d * k.B + b) * k.H + j], 1e-4f);
      }
}

TEST(LSTM, OnlyYRequested) {
  RnnCase k;
  k.randomize(12, true, false, false);
  auto got = run_op("LSTM", op_inputs(k), op_attrs(k), 1);
  expect_all_near(values_f32(got[0]), reference(k).y);
}

Tensor seq_lens(std::vector<int64_t> v) {
  Tensor t(DType::I32, {static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t.set_i64(static_cast<int64_t>(i), v[i]);
  return t;
}

TEST(LSTM, FullSequenceLensAreAccepted) {
  RnnCase k;
  k.randomize(13, true, false, false);
  auto got = run_op("LSTM", op_inputs(k, seq_lens({3, 3})), op_attrs(k), 2);
  expect_all_near(values_f32(got[1]), reference(k).yh);
}

// ---- errors --------------------------------------------------------------------

TEST(LSTM, ShortSequenceLensIsAnError) {
  RnnCase k;
  k.randomize(14, true, false, false);
  try {
    infer_op("LSTM", op_inputs(k, seq_lens({3, 2})), op_attrs(k), 1);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sequence_lens"), std::string::npos) << e.what();
  }
}

TEST(LSTM, RuntimeSequenceLensIsAnError) {
  RnnCase k;
  k.randomize(15, true, false, false);
  auto ins = op_inputs(k, seq_lens({3, 3}));
  ins[4].constant = false;
  EXPECT_THROW(infer_op("LSTM", ins, op_attrs(k), 1), Error);
}

TEST(LSTM, UnsupportedActivationIsAnError) {
  RnnCase k;
  k.randomize(16, true, false, false);
  k.acts = {"Sigmoid", "Softsign", "Tanh"};
  try {
    infer_op("LSTM", op_inputs(k), op_attrs(k), 1);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Softsign"), std::string::npos) << e.what();
  }
}

TEST(GRU, WrongActivationCountIsAnError) {
  RnnCase k;
  k.op = "GRU";
  k.randomize(17, true, false, false);
  k.acts = {"Sigmoid", "Tanh", "Tanh"};
  EXPECT_THROW(infer_op("GRU", op_inputs(k), op_attrs(k), 1), Error);
}

TEST(RNN, BadWeightShapeIsAnError) {
  RnnCase k;
  k.op = "RNN";
  k.randomize(18, false, false, false);
  auto ins = op_inputs(k);
  ins[1] = in(f32(std::vector<float>(2 * k.H * k.I, 0.0f), {1, 2 * k.H, k.I}));
  EXPECT_THROW(infer_op("RNN", ins, op_attrs(k), 1), Error);
}

TEST(RNN, BadDirectionIsAnError) {
  RnnCase k;
  k.op = "RNN";
  k.randomize(19, false, false, false);
  Attrs at = op_attrs(k);
  at["direction"] = std::string("sideways");
  EXPECT_THROW(infer_op("RNN", op_inputs(k), at, 1), Error);
}

}  // namespace
}  // namespace tessera::testing
