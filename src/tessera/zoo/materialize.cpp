// zoo::materialize: deterministic weights for shape-only parameters. Each
// parameter's values come from its own stream (the seed mixed with a hash of
// its name, so adding a layer does not change the others), and follow
// PyTorch's default initialisation for the way the parameter is first used:
// uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) for Linear/Conv weights and biases
// and recurrent weights, ones and zeros for normalisation scales and shifts
// (BatchNorm running mean 0, variance 1), and a std-0.02 uniform for
// embeddings and anything else (GPT-2/BERT/ViT's init scale).
#include <cmath>

#include "tessera/support/error.h"
#include "tessera/zoo/zoo.h"

namespace tessera::zoo {
namespace {

using graph::ValueId;

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001B3ull;
  return h;
}

// What to fill a parameter with: a constant, or uniform(-bound, bound).
struct Init {
  bool uniform = true;
  double value = 0;  // the constant, or the bound
};

constexpr double kSmallStd = 0.02;
const Init kDefault{true, kSmallStd * 1.7320508075688772};  // uniform with std 0.02

Init fan_in_init(int64_t fan_in) { return {true, 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(fan_in, 1)))}; }

int64_t product_from(const Shape& s, size_t first) {
  int64_t p = 1;
  for (size_t i = first; i < s.size(); ++i) p *= s[i];
  return p;
}

// fan_in of the weight of a Linear-like MatMul (the operand that is not x).
std::optional<int64_t> matmul_fan_in(const graph::Graph& g, const graph::Node& mm) {
  for (size_t k = 0; k < 2 && k < mm.inputs.size(); ++k) {
    const graph::Value& w = g.value(mm.inputs[k]);
    if (!w.parameter || w.shape.size() < 2) continue;
    return k == 1 ? w.shape[w.shape.size() - 2] : w.shape.back();
  }
  return std::nullopt;
}

Init init_for(const graph::Graph& g, const graph::Node& n, size_t k, const std::vector<int>& producer) {
  const auto in_shape = [&](size_t i) -> const Shape& { return g.value(n.inputs.at(i)).shape; };
  if (n.op == "LayerNormalization" || n.op == "InstanceNormalization") return {false, k == 1 ? 1.0 : 0.0};
  if (n.op == "BatchNormalization") return {false, k == 1 || k == 4 ? 1.0 : 0.0};
  if (n.op == "Conv") return fan_in_init(product_from(in_shape(1), 1));
  // PyTorch takes a transposed conv's fan_in from the weight's dim 1 too.
  if (n.op == "ConvTranspose") return fan_in_init(product_from(in_shape(1), 1));
  if (n.op == "LSTM" || n.op == "GRU" || n.op == "RNN") return fan_in_init(in_shape(2).back());
  if (n.op == "MatMul") {
    const Shape& w = in_shape(k);
    if (w.size() >= 2) return fan_in_init(k == 1 ? w[w.size() - 2] : w.back());
  }
  if (n.op == "Add") {  // a bias: same bound as the weight of the MatMul it follows
    for (ValueId in : n.inputs) {
      const int p = producer[static_cast<size_t>(in)];
      if (p < 0 || g.nodes[static_cast<size_t>(p)].op != "MatMul") continue;
      if (auto fan_in = matmul_fan_in(g, g.nodes[static_cast<size_t>(p)])) return fan_in_init(*fan_in);
    }
  }
  return kDefault;
}

void fill(Tensor& t, const Init& init, uint64_t stream) {
  const int64_t n = t.size();
  if (t.dtype() == DType::F32) {
    float* p = t.data<float>();
    for (int64_t i = 0; i < n; ++i) {
      // 24 random bits give a float in [0, 1) exactly.
      const double u = static_cast<double>(splitmix64(stream + static_cast<uint64_t>(i)) >> 40) / 16777216.0;
      p[i] = static_cast<float>(init.uniform ? (2 * u - 1) * init.value : init.value);
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const double u = static_cast<double>(splitmix64(stream + static_cast<uint64_t>(i)) >> 11) / 9007199254740992.0;
    if (is_float(t.dtype()))
      t.set_f64(i, init.uniform ? (2 * u - 1) * init.value : init.value);
    else
      t.set_i64(i, 0);  // integer parameters (none in the zoo) start at zero
  }
}

}  // namespace

void materialize(graph::Graph& g, uint64_t seed) {
  const int64_t bytes = parameter_bytes(g);
  if (bytes > kMaxMaterializeBytes)
    fail("model '{}' has {:.1f} GiB of weights, more than the {} GiB Tessera fills in memory; use smaller settings "
         "('tessera sim' and 'compile' need no weights)",
         g.name, static_cast<double>(bytes) / (1 << 30), kMaxMaterializeBytes >> 30);
  std::vector<int> producer(g.values.size(), -1);
  std::vector<std::optional<Init>> inits(g.values.size());
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const graph::Node& n = g.nodes[i];
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      const ValueId v = n.inputs[k];
      if (v == graph::kNoValue || inits[static_cast<size_t>(v)] || !g.value(v).parameter) continue;
      inits[static_cast<size_t>(v)] = init_for(g, n, k, producer);
    }
    for (ValueId out : n.outputs)
      if (out != graph::kNoValue) producer[static_cast<size_t>(out)] = static_cast<int>(i);
  }
  for (size_t i = 0; i < g.values.size(); ++i) {
    graph::Value& v = g.values[i];
    if (!v.parameter || v.constant) continue;
    Tensor t(v.dtype, v.shape);
    fill(t, inits[i].value_or(kDefault), splitmix64(seed ^ fnv1a(v.name)));
    v.constant = std::move(t);
  }
}

}  // namespace tessera::zoo
