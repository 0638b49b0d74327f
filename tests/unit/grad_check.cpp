#include "grad_check.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "tessera/autodiff/autodiff.h"
#include "tessera/exec/executor.h"
#include "tessera/lower/lower.h"

namespace tessera::testing {
namespace {

uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::map<std::string, Tensor> feeds_of(const std::vector<OpInput>& inputs) {
  std::map<std::string, Tensor> feeds;
  for (size_t k = 0; k < inputs.size(); ++k)
    if (!inputs[k].absent && !inputs[k].constant) feeds["in" + std::to_string(k)] = inputs[k].value;
  return feeds;
}

}  // namespace

Tensor random_tensor(DType dtype, Shape shape, uint64_t seed, double lo, double hi) {
  Tensor t(dtype, std::move(shape));
  for (int64_t i = 0; i < t.size(); ++i) {
    const double u = static_cast<double>(mix(seed * 1000003 + static_cast<uint64_t>(i)) >> 11) * 0x1.0p-53;
    t.set_f64(i, lo + (hi - lo) * u);
  }
  return t;
}

double check_gradients(const std::string& op, const std::vector<OpInput>& inputs,
                       const std::map<std::string, graph::Attr>& attrs, const GradCheck& opt) {
  graph::Graph g = infer_op(op, inputs, attrs, opt.num_outputs);
  const graph::Graph forward = g;
  // Upstream gradients: fixed random values, constants of the graph.
  std::vector<graph::ValueId> outs, seeds;
  std::vector<Tensor> seed_values;
  for (size_t k = 0; k < opt.num_outputs; ++k) {
    const graph::ValueId o = g.outputs[k];
    if (!is_float(g.value(o).dtype)) continue;
    Tensor s = random_tensor(g.value(o).dtype, g.value(o).shape, opt.seed + 101 * k);
    graph::Value v;
    v.name = "seed" + std::to_string(k);
    v.dtype = s.dtype();
    v.shape = s.shape();
    v.shape_known = true;
    v.constant = s;
    seeds.push_back(g.add_value(v));
    outs.push_back(o);
    seed_values.push_back(s);
  }
  std::vector<graph::ValueId> wrt;
  std::vector<size_t> wrt_input;
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (inputs[k].absent || inputs[k].constant || !is_float(inputs[k].value.dtype())) continue;
    wrt.push_back(*g.find("in" + std::to_string(k)));
    wrt_input.push_back(k);
  }
  const std::vector<graph::ValueId> grads = autodiff::backward(g, outs, seeds, wrt);
  g.outputs = grads;
  graph::verify(g);
  auto analytic = exec::run_program(lower::lower(g), feeds_of(inputs));

  // sum_k <y_k, seed_k> of the forward graph at the given inputs.
  const pattern::Program fp = lower::lower(forward);
  auto objective = [&](const std::vector<OpInput>& in) {
    auto res = exec::run_program(fp, feeds_of(in));
    double total = 0;
    for (size_t j = 0; j < outs.size(); ++j) {
      const Tensor& y = res.at(forward.value(outs[j]).name);
      for (int64_t i = 0; i < y.size(); ++i) total += y.get_f64(i) * seed_values[j].get_f64(i);
    }
    return total;
  };

  double worst = 0;
  for (size_t w = 0; w < wrt.size(); ++w) {
    const size_t k = wrt_input[w];
    const Tensor& got = analytic.at(g.value(grads[w]).name);
    const Tensor& x = inputs[k].value;
    EXPECT_EQ(got.shape(), x.shape()) << op << " gradient of input " << k;
    std::vector<double> numeric(static_cast<size_t>(x.size()));
    double scale = 1;
    for (int64_t i = 0; i < x.size(); ++i) {
      std::vector<OpInput> plus = inputs, minus = inputs;
      plus[k].value = x.clone();
      minus[k].value = x.clone();
      plus[k].value.set_f64(i, x.get_f64(i) + opt.eps);
      minus[k].value.set_f64(i, x.get_f64(i) - opt.eps);
      numeric[static_cast<size_t>(i)] = (objective(plus) - objective(minus)) / (2 * opt.eps);
      scale = std::max(scale, std::abs(numeric[static_cast<size_t>(i)]));
    }
    for (int64_t i = 0; i < x.size(); ++i) {
      const double err = std::abs(got.get_f64(i) - numeric[static_cast<size_t>(i)]) / scale;
      worst = std::max(worst, err);
      EXPECT_LE(err, opt.tolerance) << op << " d/d input " << k << " element " << i << ": autodiff "
                                    << got.get_f64(i) << ", finite difference " << numeric[static_cast<size_t>(i)];
      if (err > opt.tolerance) return worst;  // one failure per input is enough
    }
  }
  return worst;
}

}  // namespace tessera::testing
