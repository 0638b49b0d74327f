// Shape and type inference for RNN, GRU and LSTM, plus the RnnSpec parser
// shared with lower/rnn.cpp.
#include "tessera/graph/infer_rnn.h"

#include <algorithm>
#include <cctype>

#include "tessera/graph/infer.h"
#include "tessera/support/checked.h"
#include "tessera/support/error.h"

namespace tessera::graph {
namespace {

// Input slots of the three ops (LSTM adds initial_c and P).
constexpr size_t kX = 0, kW = 1, kR = 2, kB = 3, kSeqLens = 4, kInitH = 5, kInitC = 6, kP = 7;

RnnKind kind_of(const Node& n) {
  if (n.op == "LSTM") return RnnKind::Lstm;
  if (n.op == "GRU") return RnnKind::Gru;
  return RnnKind::Rnn;
}

RnnActivation parse_activation(const std::string& name, const Node& n) {
  std::string low = name;
  std::transform(low.begin(), low.end(), low.begin(), [](unsigned char c) { return std::tolower(c); });
  if (low == "sigmoid") return RnnActivation::Sigmoid;
  if (low == "tanh") return RnnActivation::Tanh;
  if (low == "relu") return RnnActivation::Relu;
  fail("{}: activation '{}' is not supported (Tessera supports Sigmoid, Tanh and Relu)", n.describe(), name);
}

std::vector<std::vector<RnnActivation>> parse_activations(const Node& n, RnnKind kind, int64_t dirs) {
  std::vector<std::string> names;
  if (n.has("activations")) {
    const Attr& a = n.attrs.at("activations");
    if (auto* v = std::get_if<std::vector<std::string>>(&a)) names = *v;
    else if (auto* s = std::get_if<std::string>(&a)) names = {*s};
    else fail("{}: attribute 'activations' should be a list of strings", n.describe());
  } else if (kind == RnnKind::Rnn) {
    names = {"Tanh"};
  } else if (kind == RnnKind::Gru) {
    names = {"Sigmoid", "Tanh"};
  } else {
    names = {"Sigmoid", "Tanh", "Tanh"};
  }
  const size_t per_dir = kind == RnnKind::Rnn ? 1 : kind == RnnKind::Gru ? 2 : 3;
  if (names.size() == per_dir && dirs == 2) {
    const std::vector<std::string> forward = names;  // same activations both ways
    names.insert(names.end(), forward.begin(), forward.end());
  }
  if (names.size() != per_dir * static_cast<size_t>(dirs))
    fail("{}: 'activations' has {} entries, expected {} ({} per direction)", n.describe(), names.size(),
         per_dir * dirs, per_dir);
  std::vector<std::vector<RnnActivation>> out(static_cast<size_t>(dirs));
  for (size_t i = 0; i < names.size(); ++i) out[i / per_dir].push_back(parse_activation(names[i], n));
  return out;
}

void expect_shape(const Graph& g, const Node& n, size_t k, const char* what, const Shape& want, DType dt) {
  const Value* v = g.input(n, k);
  if (!v) return;
  if (v->shape != want || v->dtype != dt)
    fail("{}: input {} '{}' must be {}{}, got {}{}", n.describe(), what, v->name, dtype_name(dt), shape_str(want),
         dtype_name(v->dtype), shape_str(v->shape));
}

// Only sequences that all run the full length are supported: per-batch lengths
// would need masked state updates.
void check_sequence_lens(const Graph& g, const Node& n, const RnnSpec& s) {
  const Value* v = g.input(n, kSeqLens);
  if (!v) return;
  if (!v->constant)
    fail("{}: sequence_lens '{}' must be a constant equal to the sequence length {}; remove it or export the "
         "model with full-length sequences", n.describe(), v->name, s.seq);
  for (int64_t len : v->constant->to_i64_vector())
    if (len != s.seq)
      fail("{}: sequence_lens has a length {} but only full-length sequences ({}) are supported; remove "
           "sequence_lens or pad the batch to one length", n.describe(), len, s.seq);
}

void check_inputs(const Graph& g, const Node& n, const RnnSpec& s) {
  const DType dt = need_input(g, n, kX).dtype;
  const int64_t gh = dim_mul(s.gates, s.hidden, n, "gates x hidden_size");
  expect_shape(g, n, kW, "W", {s.dirs, gh, s.input}, dt);
  expect_shape(g, n, kR, "R", {s.dirs, gh, s.hidden}, dt);
  expect_shape(g, n, kB, "B", {s.dirs, dim_mul(2, gh, n, "2 x gates x hidden_size")}, dt);
  expect_shape(g, n, kInitH, "initial_h", s.state_shape(), dt);
  if (s.kind == RnnKind::Lstm) {
    expect_shape(g, n, kInitC, "initial_c", s.state_shape(), dt);
    expect_shape(g, n, kP, "P", {s.dirs, dim_mul(3, s.hidden, n, "3 x hidden_size")}, dt);
  }
  check_sequence_lens(g, n, s);
}

void infer_rnn(Graph& g, const Node& n) {
  const RnnSpec s = rnn_spec(g, n);
  const DType dt = need_input(g, n, kX).dtype;
  set_output(g, n, 0, dt, s.y_shape());
  set_output(g, n, 1, dt, s.state_shape());
  if (s.kind == RnnKind::Lstm) set_output(g, n, 2, dt, s.state_shape());
}

}  // namespace

Shape RnnSpec::y_shape() const {
  return batch_first ? Shape{batch, seq, dirs, hidden} : Shape{seq, dirs, batch, hidden};
}

Shape RnnSpec::state_shape() const { return batch_first ? Shape{batch, dirs, hidden} : Shape{dirs, batch, hidden}; }

RnnSpec rnn_spec(const Graph& g, const Node& n) {
  RnnSpec s;
  s.kind = kind_of(n);
  s.gates = s.kind == RnnKind::Lstm ? 4 : s.kind == RnnKind::Gru ? 3 : 1;
  check_arity(g, n, 3, s.kind == RnnKind::Lstm ? 8 : 6);
  const Value& x = need_input(g, n, kX);
  const Value& r = need_input(g, n, kR);
  if (!is_float(x.dtype)) fail("{}: X is {}; {} needs f32 or f64", n.describe(), dtype_name(x.dtype), n.op);
  if (x.shape.size() != 3) fail("{}: X must have rank 3, got {}", n.describe(), shape_str(x.shape));
  if (r.shape.size() != 3) fail("{}: R must have rank 3, got {}", n.describe(), shape_str(r.shape));
  const int64_t layout = n.attr_int("layout", 0);
  if (layout != 0 && layout != 1) fail("{}: layout must be 0 or 1, got {}", n.describe(), layout);
  s.batch_first = layout == 1;
  s.seq = x.shape[s.batch_first ? 1 : 0];
  s.batch = x.shape[s.batch_first ? 0 : 1];
  s.input = x.shape[2];
  s.hidden = n.attr_int("hidden_size", r.shape[2]);
  if (s.hidden < 1 || s.hidden > kMaxCount)
    fail("{}: hidden_size is {}; it must be between 1 and 2^62 (and match R's last dim {})", n.describe(), s.hidden,
         r.shape[2]);
  const std::string direction = n.attr_str("direction", "forward");
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
    fail("{}: direction '{}' is not one of forward, reverse, bidirectional", n.describe(), direction);
  s.dirs = direction == "bidirectional" ? 2 : 1;
  s.reverse = direction == "reverse";
  s.activations = parse_activations(n, s.kind, s.dirs);
  if (n.has("clip")) {
    s.clip = n.attr_float("clip", 0);
    if (*s.clip <= 0) fail("{}: clip must be positive, got {}", n.describe(), *s.clip);
  }
  s.input_forget = s.kind == RnnKind::Lstm && n.attr_int("input_forget", 0) != 0;
  s.linear_before_reset = s.kind == RnnKind::Gru && n.attr_int("linear_before_reset", 0) != 0;
  check_inputs(g, n, s);
  return s;
}

void register_infer_rnn(InferTable& t) {
  t["RNN"] = &infer_rnn;
  t["GRU"] = &infer_rnn;
  t["LSTM"] = &infer_rnn;
}

}  // namespace tessera::graph
