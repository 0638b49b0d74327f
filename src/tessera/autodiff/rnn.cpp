// Gradient rules of RNN, GRU and LSTM: the reverse scan. A rule unrolls the
// recurrence into primitive ops that recompute the forward pass (the
// semantics of lower/rnn.cpp: directions, layouts, biases, initial states,
// clip, activations, LSTM peepholes and input_forget, GRU
// linear_before_reset), then differentiates that sub-graph with the other
// rules (autodiff::backward_subgraph). The work that does not depend on the
// recurrence stays outside it: the input projection X·Wᵀ + biases is one
// MatMul over the [T*B, I] rows for all time steps, cut into steps by one
// Split (whose adjoint is one Concat), and every step shares Rᵀ and the
// expanded peepholes; so the emitted graph grows linearly with the sequence
// length: 42 nodes per step and direction for an LSTM (12 forward, 30
// backward), 60 with peepholes. Nodes are named by direction and time step:
// grad/<node>/d<d>/t<t>/... (and grad/grad/... for their gradients).
#include <algorithm>

#include <fmt/format.h>

#include "tessera/autodiff/autodiff.h"
#include "tessera/autodiff/emitter.h"
#include "tessera/graph/infer_rnn.h"
#include "tessera/support/error.h"

namespace tessera::autodiff {
namespace {

using graph::kNoValue;
using graph::Node;
using graph::RnnActivation;
using graph::RnnKind;
using graph::RnnSpec;
using Grads = std::vector<ValueId>;

constexpr size_t kX = 0, kW = 1, kR = 2, kB = 3, kInitH = 5, kInitC = 6, kP = 7;

ValueId input_or_none(const Node& n, size_t k) { return k < n.inputs.size() ? n.inputs[k] : kNoValue; }

// Splits `v` along `axis` into chunks of `sizes`.
std::vector<ValueId> split(Emitter& e, ValueId v, int64_t axis, const std::vector<int64_t>& sizes) {
  if (sizes.size() == 1) return {v};
  return e.op_n("Split", {v, e.ints(sizes)}, sizes.size(), {{"axis", axis}});
}

// [D, rest..] -> D values of shape [rest..].
std::vector<ValueId> per_direction(Emitter& e, ValueId v, int64_t dirs) {
  const Shape s = e.shape(v);
  const Shape rest(s.begin() + 1, s.end());
  std::vector<ValueId> parts;
  for (ValueId p : split(e, v, 0, std::vector<int64_t>(static_cast<size_t>(dirs), 1)))
    parts.push_back(e.reshape(p, rest));
  return parts;
}

// The forward pass of one direction, step by step, on [B, H] states.
class Unroll {
 public:
  Unroll(Emitter& e, const Node& n, const RnnSpec& s, int64_t d) : e_(e), n_(n), s_(s), d_(d) {}

  // Emits the steps from x [T*B, I] (time-major rows) and this direction's
  // W, R, B, P (or kNoValue), h0 and c0 ([B, H]).
  void run(ValueId x_rows, ValueId w, ValueId r, ValueId b, ValueId p, ValueId h0, ValueId c0);

  std::vector<ValueId> ys;  // h at each time step, in time order
  ValueId h_last = kNoValue, c_last = kNoValue;

 private:
  ValueId c(double v) { return e_.scalar(v, dt_); }
  ValueId act(size_t slot, ValueId x) {
    switch (s_.activations[static_cast<size_t>(d_)][slot]) {
      case RnnActivation::Sigmoid: return e_.op("Sigmoid", {x});
      case RnnActivation::Tanh: return e_.op("Tanh", {x});
      case RnnActivation::Relu: return e_.op("Relu", {x});
    }
    return x;
  }
  ValueId clip(ValueId x) { return s_.clip ? e_.op("Clip", {x, c(-*s_.clip), c(*s_.clip)}) : x; }
  ValueId rec(ValueId h, ValueId rt) { return e_.op("MatMul", {h, rt}); }
  std::vector<ValueId> gates(ValueId a, int64_t count) {
    return split(e_, a, 1, std::vector<int64_t>(static_cast<size_t>(count), s_.hidden));
  }
  ValueId lstm_step(ValueId xw, ValueId& cs, ValueId h);
  ValueId gru_step(ValueId xw, ValueId h);

  Emitter& e_;
  const Node& n_;
  const RnnSpec& s_;
  int64_t d_;
  DType dt_ = DType::F32;
  ValueId rt_ = kNoValue, rt_h_ = kNoValue;  // Rᵀ (GRU without linear_before_reset: Rzrᵀ and Rhᵀ)
  // GRU's Rbh and LSTM's Pi, Po, Pf, expanded to [B, H] once so that each
  // step's gradient for them is one Add.
  ValueId rb_h_ = kNoValue;
  std::vector<ValueId> peep_;
};

ValueId Unroll::lstm_step(ValueId xw, ValueId& cs, ValueId h) {
  const std::vector<ValueId> a = gates(e_.add(xw, rec(h, rt_)), 4);  // i o f c
  auto peep = [&](ValueId sum, size_t k, ValueId state) {
    return peep_.empty() ? sum : e_.add(sum, e_.mul(peep_[k], state));
  };
  const ValueId i = act(0, clip(peep(a[0], 0, cs)));
  const ValueId f = s_.input_forget ? e_.sub(c(1), i) : act(0, clip(peep(a[2], 2, cs)));
  const ValueId g = act(1, clip(a[3]));
  cs = e_.add(e_.mul(f, cs), e_.mul(i, g));
  const ValueId o = act(0, clip(peep(a[1], 1, cs)));
  return e_.mul(o, act(2, cs));
}

ValueId Unroll::gru_step(ValueId xw, ValueId h) {
  const std::vector<ValueId> x = gates(xw, 3);  // z r h
  ValueId z, r, hh;
  if (s_.linear_before_reset) {
    const std::vector<ValueId> rh = gates(rec(h, rt_), 3);
    z = act(0, clip(e_.add(x[0], rh[0])));
    r = act(0, clip(e_.add(x[1], rh[1])));
    const ValueId lin = rb_h_ == kNoValue ? rh[2] : e_.add(rh[2], rb_h_);
    hh = act(1, clip(e_.add(x[2], e_.mul(r, lin))));
  } else {
    const std::vector<ValueId> rzr = gates(rec(h, rt_), 2);
    z = act(0, clip(e_.add(x[0], rzr[0])));
    r = act(0, clip(e_.add(x[1], rzr[1])));
    hh = act(1, clip(e_.add(x[2], rec(e_.mul(r, h), rt_h_))));
  }
  // (1 - z) hh + z h
  return e_.add(hh, e_.mul(z, e_.sub(h, hh)));
}

void Unroll::run(ValueId x_rows, ValueId w, ValueId r, ValueId b, ValueId p, ValueId h0, ValueId c0) {
  dt_ = e_.dtype(x_rows);
  const std::string origin = n_.name.empty() ? n_.op : n_.name;
  e_.set_origin(fmt::format("{}/d{}", origin, d_));
  const int64_t hid = s_.hidden, gh = s_.gates * hid;
  const bool gru = s_.kind == RnnKind::Gru;
  const Shape state = {s_.batch, hid};
  // Input projection with biases, all steps at once: [T*B, GH].
  ValueId xw = e_.op("MatMul", {x_rows, e_.transpose(w, {1, 0})});
  if (b != kNoValue) {
    if (s_.linear_before_reset) {
      // Rbh stays out: it goes inside r ⊙ (h·Rhᵀ + Rbh).
      const std::vector<ValueId> parts = split(e_, b, 0, {gh, 2 * hid, hid});
      rb_h_ = e_.expand(parts[2], state);
      xw = e_.add(xw, e_.add(parts[0], e_.op("Concat", {parts[1], e_.zeros({hid}, dt_)}, {{"axis", int64_t{0}}})));
    } else {
      const std::vector<ValueId> parts = split(e_, b, 0, {gh, gh});
      xw = e_.add(xw, e_.add(parts[0], parts[1]));
    }
  }
  if (gru && !s_.linear_before_reset) {
    const std::vector<ValueId> parts = split(e_, r, 0, {2 * hid, hid});
    rt_ = e_.transpose(parts[0], {1, 0});
    rt_h_ = e_.transpose(parts[1], {1, 0});
  } else {
    rt_ = e_.transpose(r, {1, 0});
  }
  if (p != kNoValue)
    for (ValueId pk : split(e_, p, 0, {hid, hid, hid})) peep_.push_back(e_.expand(pk, state));
  const std::vector<ValueId> steps =
      split(e_, xw, 0, std::vector<int64_t>(static_cast<size_t>(s_.seq), s_.batch));

  const bool backwards = s_.reverse || d_ == 1;
  ValueId h = h0, cs = c0;
  ys.assign(static_cast<size_t>(s_.seq), kNoValue);
  for (int64_t k = 0; k < s_.seq; ++k) {
    const int64_t t = backwards ? s_.seq - 1 - k : k;
    e_.set_origin(fmt::format("{}/d{}/t{}", origin, d_, t));
    if (s_.kind == RnnKind::Lstm) h = lstm_step(steps[static_cast<size_t>(t)], cs, h);
    else if (gru) h = gru_step(steps[static_cast<size_t>(t)], h);
    else h = act(0, clip(e_.add(steps[static_cast<size_t>(t)], rec(h, rt_))));
    ys[static_cast<size_t>(t)] = h;
  }
  h_last = h;
  c_last = cs;
  e_.set_origin(origin);
}

ValueId concat(Emitter& e, const std::vector<ValueId>& parts, int64_t axis) {
  return parts.size() == 1 ? parts[0] : e.op("Concat", parts, {{"axis", axis}});
}

// initial_h / initial_c as one [B, H] value per direction (zeros when absent).
std::vector<ValueId> initial_state(Emitter& e, const Node& n, size_t k, const RnnSpec& s, DType dt) {
  const ValueId v = input_or_none(n, k);
  if (v == kNoValue) {
    const ValueId z = e.zeros({s.batch, s.hidden}, dt);
    return std::vector<ValueId>(static_cast<size_t>(s.dirs), z);
  }
  return per_direction(e, s.batch_first ? e.transpose(v, {1, 0, 2}) : v, s.dirs);
}

// The node's outputs recomputed by the unrolled steps, in its layouts; kNoValue
// where no gradient reaches the output.
std::vector<ValueId> outputs_of(Emitter& e, const RnnSpec& s, const std::vector<Unroll>& dirs, const Grads& dy) {
  std::vector<ValueId> out(3, kNoValue);
  if (dy[0] != kNoValue) {
    std::vector<ValueId> per_dir;  // [T, 1, B, H] each
    for (const Unroll& u : dirs) per_dir.push_back(e.reshape(concat(e, u.ys, 0), {s.seq, 1, s.batch, s.hidden}));
    out[0] = concat(e, per_dir, 1);
    if (s.batch_first) out[0] = e.transpose(out[0], {2, 0, 1, 3});
  }
  for (size_t k : {size_t{1}, size_t{2}}) {
    if (k >= dy.size() || dy[k] == kNoValue) continue;
    std::vector<ValueId> last;
    for (const Unroll& u : dirs) last.push_back(e.reshape(k == 1 ? u.h_last : u.c_last, {1, s.batch, s.hidden}));
    out[k] = concat(e, last, 0);
    if (s.batch_first) out[k] = e.transpose(out[k], {1, 0, 2});
  }
  return out;
}

Grads g_rnn(Emitter& e, const Node& n, const Grads& dy) {
  const RnnSpec s = graph::rnn_spec(e.graph(), n);
  const size_t first = e.graph().nodes.size();
  const ValueId x = n.inputs[kX];
  const DType dt = e.dtype(x);
  const bool lstm = s.kind == RnnKind::Lstm;
  auto pieces = [&](size_t k) {
    const ValueId v = input_or_none(n, k);
    return v == kNoValue ? std::vector<ValueId>(static_cast<size_t>(s.dirs), kNoValue) : per_direction(e, v, s.dirs);
  };
  const ValueId x_rows = e.reshape(s.batch_first ? e.transpose(x, {1, 0, 2}) : x, {s.seq * s.batch, s.input});
  const std::vector<ValueId> w = pieces(kW), r = pieces(kR), b = pieces(kB);
  const std::vector<ValueId> p = lstm ? pieces(kP) : std::vector<ValueId>(static_cast<size_t>(s.dirs), kNoValue);
  const std::vector<ValueId> h0 = initial_state(e, n, kInitH, s, dt);
  const std::vector<ValueId> c0 =
      lstm ? initial_state(e, n, kInitC, s, dt) : std::vector<ValueId>(static_cast<size_t>(s.dirs), kNoValue);
  std::vector<Unroll> dirs;
  for (int64_t d = 0; d < s.dirs; ++d) {
    const auto k = static_cast<size_t>(d);
    dirs.emplace_back(e, n, s, d);
    dirs.back().run(x_rows, w[k], r[k], b[k], p[k], h0[k], c0[k]);
  }
  const std::vector<ValueId> recomputed = outputs_of(e, s, dirs, dy);
  std::vector<ValueId> outs, seeds;
  for (size_t k = 0; k < recomputed.size(); ++k)
    if (recomputed[k] != kNoValue) outs.push_back(recomputed[k]), seeds.push_back(dy[k]);

  // Each differentiable input once (a value passed twice gets its gradient at its first slot).
  std::vector<ValueId> wrt;
  std::vector<size_t> slot;
  for (size_t k : {kX, kW, kR, kB, kInitH, kInitC, kP}) {
    const ValueId v = input_or_none(n, k);
    if (v == kNoValue || !differentiable(e.value(v)) || std::find(wrt.begin(), wrt.end(), v) != wrt.end()) continue;
    wrt.push_back(v);
    slot.push_back(k);
  }
  const std::vector<ValueId> grads = backward_subgraph(e, first, outs, seeds, wrt);
  Grads result(n.inputs.size(), kNoValue);
  for (size_t i = 0; i < wrt.size(); ++i) result[slot[i]] = grads[i];
  return result;
}

}  // namespace

void register_grad_rnn(GradTable& t) {
  t["RNN"] = g_rnn;
  t["GRU"] = g_rnn;
  t["LSTM"] = g_rnn;
}

}  // namespace tessera::autodiff
