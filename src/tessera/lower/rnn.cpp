// Lowering of RNN, GRU and LSTM as two kernels:
//  1. `<op>_input`: the input projection X·Wᵀ (+ biases) for every direction
//     and time step at once, a GEMM the executor sends to BLAS, into a temp
//     xw[d, t, b, gate*H + j];
//  2. `<op>`: `fold t in 0..T { ... }` over time. Each step computes the
//     recurrent product h·Rᵀ for all directions (another BLAS-shaped
//     contraction into a local), then the elementwise gate math, which updates
//     the h (and c) state locals in place and stores Y. Y_h / Y_c are copied
//     from the state after the fold.
// Direction d == 1 of a bidirectional node (and a "reverse" node) walks time
// backwards: step t handles time T-1-t.
#include "tessera/graph/infer_rnn.h"
#include "tessera/lower/lower.h"
#include "tessera/support/error.h"

namespace tessera::lower {
namespace {

using graph::RnnActivation;
using graph::RnnKind;
using graph::RnnSpec;
using pattern::E;
using pattern::KernelBuilder;
using pattern::ReduceOp;
using pattern::TensorId;
using pattern::VarId;

constexpr size_t kX = 0, kW = 1, kR = 2, kB = 3, kInitH = 5, kInitC = 6, kP = 7;

std::string kernel_name(RnnKind k) { return k == RnnKind::Lstm ? "lstm" : k == RnnKind::Gru ? "gru" : "rnn"; }

E plus(E a, int64_t c) { return c == 0 ? a : a + pattern::iconst(c); }

E activate(RnnActivation a, E x) {
  switch (a) {
    case RnnActivation::Sigmoid: return pattern::sigmoid(x);
    case RnnActivation::Tanh: return pattern::tanh(x);
    case RnnActivation::Relu: return pattern::max(x, pattern::constant(0, x.dtype()));
  }
  return x;
}

// Kernel 1: xw[d,t,b,g] = reduce add i { x[t,b,i] * w[d,g,i] } + Wb[d,g] + Rb[d,g].
// GRU with linear_before_reset keeps Rb of the h gate out: it is applied
// inside r * (h·Rhᵀ + Rbh) by the recurrence.
int32_t emit_input_projection(LowerContext& ctx, const graph::Node& n, const RnnSpec& s) {
  const graph::Graph& g = ctx.graph();
  const DType dt = g.value(n.inputs[kX]).dtype;
  const int64_t gh = s.gates * s.hidden;
  const Shape xw_shape{s.dirs, s.seq, s.batch, gh};
  const int32_t xw_tensor = ctx.temp(dt, xw_shape, kernel_name(s.kind) + "_xw");
  KernelBuilder b(kernel_name(s.kind) + "_input");
  const TensorId x = b.input("x", dt, g.value(n.inputs[kX]).shape);
  const TensorId w = b.input("w", dt, g.value(n.inputs[kW]).shape);
  std::vector<int32_t> args{ctx.tensor(n.inputs[kX]), ctx.tensor(n.inputs[kW])};
  TensorId bias = -1;
  if (g.has_input(n, kB)) {
    bias = b.input("b", dt, g.value(n.inputs[kB]).shape);
    args.push_back(ctx.tensor(n.inputs[kB]));
  }
  const TensorId xw = b.output("xw", dt, xw_shape);
  args.push_back(xw_tensor);
  const VarId d = b.var("d"), t = b.var("t"), bb = b.var("b"), gg = b.var("g"), i = b.var("i");
  b.map({{d, s.dirs}, {t, s.seq}, {bb, s.batch}, {gg, gh}}, [&] {
    const E ed = b.idx(d), et = b.idx(t), eb = b.idx(bb), eg = b.idx(gg), ei = b.idx(i);
    E xr = b.read(x, s.batch_first ? std::vector<E>{eb, et, ei} : std::vector<E>{et, eb, ei});
    E v = b.reduce(ReduceOp::Add, {{i, s.input}}, xr * b.read(w, {ed, eg, ei}));
    if (bias >= 0) {
      E rb = b.read(bias, {ed, plus(eg, gh)});
      if (s.linear_before_reset)
        rb = pattern::select(pattern::lt(eg, pattern::iconst(2 * s.hidden)), rb, pattern::constant(0, dt));
      v = v + (b.read(bias, {ed, eg}) + rb);
    }
    b.store(xw, {ed, et, eb, eg}, v);
  });
  ctx.emit(b.finish(), n, std::move(args));
  return xw_tensor;
}

// The recurrence kernel's tensors and loop variables.
struct Recurrence {
  const RnnSpec& s;
  DType dt = DType::F32;
  KernelBuilder b;
  std::vector<int32_t> args;
  TensorId xw = -1, r = -1, bias = -1, peep = -1, init_h = -1, init_c = -1;  // inputs
  TensorId y = -1, y_h = -1, y_c = -1;                                       // outputs
  TensorId h = -1, c = -1, rec = -1, rh = -1, rech = -1;                     // locals
  VarId t = -1;

  Recurrence(const RnnSpec& spec, DType dtype) : s(spec), dt(dtype), b(kernel_name(spec.kind)) {}

  TensorId add_input(LowerContext& ctx, const graph::Node& n, size_t k, const char* name) {
    if (!ctx.graph().has_input(n, k)) return -1;
    const auto& v = ctx.graph().value(n.inputs[k]);
    args.push_back(ctx.tensor(n.inputs[k]));
    return b.input(name, v.dtype, v.shape);
  }
  TensorId add_output(LowerContext& ctx, const graph::Node& n, size_t k, const char* name) {
    if (k >= n.outputs.size() || n.outputs[k] == graph::kNoValue) return -1;
    const auto& v = ctx.graph().value(n.outputs[k]);
    args.push_back(ctx.tensor(n.outputs[k]));
    return b.output(name, v.dtype, v.shape);
  }

  // Index of state element (d, b, j) in initial_h / Y_h (layout-dependent).
  std::vector<E> state_index(E d, E bb, E j) const {
    return s.batch_first ? std::vector<E>{bb, d, j} : std::vector<E>{d, bb, j};
  }
  // The time step direction d handles at fold step t.
  E time(E d) const {
    E fwd = b.idx(t), bwd = pattern::iconst(s.seq - 1) - b.idx(t);
    if (s.dirs == 2) return pattern::select(pattern::eq(d, pattern::iconst(0)), fwd, bwd);
    return s.reverse ? bwd : fwd;
  }
  E clip(E x) const {
    if (!s.clip) return x;
    const E c = pattern::constant(*s.clip, dt);
    return pattern::min(pattern::max(x, -c), c);
  }
  // Activation `slot` of direction d (f, g, h in ONNX's naming).
  E act(size_t slot, E d, E x) const {
    const RnnActivation a0 = s.activations[0][slot];
    if (s.dirs == 1 || s.activations[1][slot] == a0) return activate(a0, x);
    return pattern::select(pattern::eq(d, pattern::iconst(0)), activate(a0, x), activate(s.activations[1][slot], x));
  }
  // Gate `gate`'s pre-activation sum: x·Wᵀ + biases + h·Rᵀ.
  E pre(E d, E bb, E j, int64_t gate) const {
    const int64_t off = gate * s.hidden;
    return b.read(xw, {d, time(d), bb, plus(j, off)}) + b.read(rec, {d, bb, plus(j, off)});
  }

  void declare(LowerContext& ctx, const graph::Node& n, int32_t xw_tensor, const Shape& xw_shape);
  void recurrent_product(TensorId into, TensorId from, int64_t rows, int64_t row_offset);
  void gru_reset_product();
  void cell_update();
  E lstm_cell(E d, E bb, E j);
  E gru_cell(E d, E bb, E j, E hp);
};

void Recurrence::declare(LowerContext& ctx, const graph::Node& n, int32_t xw_tensor, const Shape& xw_shape) {
  xw = b.input("xw", dt, xw_shape);
  args.push_back(xw_tensor);
  r = add_input(ctx, n, kR, "r");
  if (s.linear_before_reset) bias = add_input(ctx, n, kB, "b");
  if (s.kind == RnnKind::Lstm) peep = add_input(ctx, n, kP, "p");
  init_h = add_input(ctx, n, kInitH, "initial_h");
  if (s.kind == RnnKind::Lstm) init_c = add_input(ctx, n, kInitC, "initial_c");
  y = add_output(ctx, n, 0, "y");
  y_h = add_output(ctx, n, 1, "y_h");
  if (s.kind == RnnKind::Lstm) y_c = add_output(ctx, n, 2, "y_c");
  const Shape state{s.dirs, s.batch, s.hidden};
  h = b.local("h", dt, state);
  if (s.kind == RnnKind::Lstm) c = b.local("c", dt, state);
  const bool split_h_gate = s.kind == RnnKind::Gru && !s.linear_before_reset;
  rec = b.local("rec", dt, {s.dirs, s.batch, (split_h_gate ? 2 : s.gates) * s.hidden});
  if (split_h_gate) rh = b.local("rh", dt, state), rech = b.local("rech", dt, state);
}

// map d, b, g { into[d,b,g] = reduce add k { from[d,b,k] * r[d, g + row_offset, k] } }
void Recurrence::recurrent_product(TensorId into, TensorId from, int64_t rows, int64_t row_offset) {
  const VarId d = b.var("d"), bb = b.var("b"), g = b.var("g"), k = b.var("k");
  b.map({{d, s.dirs}, {bb, s.batch}, {g, rows}}, [&] {
    const E ed = b.idx(d), eb = b.idx(bb), ek = b.idx(k);
    E prod = b.read(from, {ed, eb, ek}) * b.read(r, {ed, plus(b.idx(g), row_offset), ek});
    b.store(into, {ed, eb, b.idx(g)}, b.reduce(ReduceOp::Add, {{k, s.hidden}}, prod));
  });
}

// GRU without linear_before_reset: rh = r ⊙ h, then rech = rh·Rhᵀ.
void Recurrence::gru_reset_product() {
  const VarId d = b.var("d"), bb = b.var("b"), j = b.var("j");
  b.map({{d, s.dirs}, {bb, s.batch}, {j, s.hidden}}, [&] {
    const E ed = b.idx(d), eb = b.idx(bb), ej = b.idx(j);
    E reset = act(0, ed, clip(pre(ed, eb, ej, 1)));
    b.store(rh, {ed, eb, ej}, reset * b.read(h, {ed, eb, ej}));
  });
  recurrent_product(rech, rh, s.hidden, 2 * s.hidden);
}

// LSTM (gates i o f c): c' = f⊙c + i⊙g(..), h' = o⊙h(c'), peepholes optional.
E Recurrence::lstm_cell(E d, E bb, E j) {
  const int64_t hs = s.hidden;
  // Adds P[k] ⊙ state to a gate sum when the node has peepholes.
  auto peephole = [&](E sum, int64_t k, E state) {
    return peep < 0 ? sum : sum + b.read(peep, {d, plus(j, k * hs)}) * state;
  };
  E cp = b.let("cp", b.read(c, {d, bb, j}));
  E ig = b.let("ig", act(0, d, clip(peephole(pre(d, bb, j, 0), 0, cp))));
  E fg = s.input_forget ? 1.0 - ig : b.let("fg", act(0, d, clip(peephole(pre(d, bb, j, 2), 2, cp))));
  E cg = b.let("cg", act(1, d, clip(pre(d, bb, j, 3))));
  E cn = b.let("cn", fg * cp + ig * cg);
  E og = b.let("og", act(0, d, clip(peephole(pre(d, bb, j, 1), 1, cn))));
  b.store(c, {d, bb, j}, cn);
  return og * act(2, d, cn);
}

// GRU (gates z r h): h' = (1-z)⊙ĥ + z⊙h.
E Recurrence::gru_cell(E d, E bb, E j, E hp) {
  const int64_t hs = s.hidden;
  E z = b.let("z", act(0, d, clip(pre(d, bb, j, 0))));
  E xh = b.read(xw, {d, time(d), bb, plus(j, 2 * hs)});
  E hh;
  if (s.linear_before_reset) {
    E reset = act(0, d, clip(pre(d, bb, j, 1)));
    E rh_lin = b.read(rec, {d, bb, plus(j, 2 * hs)});
    if (bias >= 0) rh_lin = rh_lin + b.read(bias, {d, plus(j, 5 * hs)});
    hh = b.let("hh", act(1, d, clip(xh + reset * rh_lin)));
  } else {
    hh = b.let("hh", act(1, d, clip(xh + b.read(rech, {d, bb, j}))));
  }
  return (1.0 - z) * hh + z * hp;
}

// The elementwise step: new state into h (and c), and Y at this time step.
void Recurrence::cell_update() {
  const VarId d = b.var("d"), bb = b.var("b"), j = b.var("j");
  b.map({{d, s.dirs}, {bb, s.batch}, {j, s.hidden}}, [&] {
    const E ed = b.idx(d), eb = b.idx(bb), ej = b.idx(j);
    E next;
    if (s.kind == RnnKind::Lstm) next = lstm_cell(ed, eb, ej);
    else if (s.kind == RnnKind::Gru) next = gru_cell(ed, eb, ej, b.let("hp", b.read(h, {ed, eb, ej})));
    else next = act(0, ed, clip(pre(ed, eb, ej, 0)));
    E hn = b.let("hn", next);
    b.store(h, {ed, eb, ej}, hn);
    if (y < 0) return;
    E tt = time(ed);
    b.store(y, s.batch_first ? std::vector<E>{eb, tt, ed, ej} : std::vector<E>{tt, ed, eb, ej}, hn);
  });
}

// Copies state between the locals and initial_h/c or Y_h/c, element by element.
void copy_state(Recurrence& rc, TensorId from, TensorId to, bool to_local) {
  if (from < 0 || to < 0) return;
  KernelBuilder& b = rc.b;
  const VarId d = b.var("d"), bb = b.var("b"), j = b.var("j");
  b.map({{d, rc.s.dirs}, {bb, rc.s.batch}, {j, rc.s.hidden}}, [&] {
    const E ed = b.idx(d), eb = b.idx(bb), ej = b.idx(j);
    const std::vector<E> local{ed, eb, ej}, outer = rc.state_index(ed, eb, ej);
    b.store(to, to_local ? local : outer, b.read(from, to_local ? outer : local));
  });
}

void lower_rnn(LowerContext& ctx, const graph::Node& n) {
  const RnnSpec s = graph::rnn_spec(ctx.graph(), n);
  const DType dt = ctx.graph().value(n.inputs[kX]).dtype;
  const int32_t xw = emit_input_projection(ctx, n, s);
  Recurrence rc(s, dt);
  rc.declare(ctx, n, xw, {s.dirs, s.seq, s.batch, s.gates * s.hidden});
  copy_state(rc, rc.init_h, rc.h, true);
  copy_state(rc, rc.init_c, rc.c, true);
  rc.t = rc.b.var("t");
  rc.b.fold({{rc.t, s.seq}}, [&] {
    const bool split_h_gate = s.kind == RnnKind::Gru && !s.linear_before_reset;
    rc.recurrent_product(rc.rec, rc.h, (split_h_gate ? 2 : s.gates) * s.hidden, 0);
    if (split_h_gate) rc.gru_reset_product();
    rc.cell_update();
  });
  copy_state(rc, rc.h, rc.y_h, false);
  copy_state(rc, rc.c, rc.y_c, false);
  std::vector<int32_t> args = rc.args;
  ctx.emit(rc.b.finish(), n, std::move(args));
}

}  // namespace

void register_lower_rnn(LowerTable& t) {
  t["RNN"] = &lower_rnn;
  t["GRU"] = &lower_rnn;
  t["LSTM"] = &lower_rnn;
}

}  // namespace tessera::lower
