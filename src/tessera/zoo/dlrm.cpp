// DLRM (Naumov et al. 2019): a bottom MLP over the dense features, one
// embedding bag (Gather + ReduceSum over the lookups) per sparse feature, the
// pairwise dot-product interaction of all feature vectors (a batched MatMul
// whose strictly-upper triangle is picked by a constant Gather), the dense
// vector concatenated back, and a top MLP ending in a Sigmoid. Defaults follow
// the reference implementation's Criteo Kaggle run (13-512-256-64-16 bottom,
// 512-256-1 top, embedding dim 16, 26 tables).
#include <fmt/format.h>

#include "tessera/zoo/layers.h"
#include "tessera/zoo/models.h"

namespace tessera::zoo {
namespace {

// "ROWSxCOUNT" (e.g. 100000x26) or a '-'/','-separated list of row counts.
std::vector<int64_t> table_rows(const Config& c) {
  const std::string& text = c.text("tables");
  const auto x = text.find('x');
  if (x == std::string::npos) return c.integers("tables");
  int64_t rows = 0, count = 0;
  if (!parse_integer(text.substr(0, x), rows) || !parse_integer(text.substr(x + 1), count) || rows < 1 || count < 1)
    c.reject("tables", "expected ROWSxCOUNT (e.g. 100000x26) or a list of row counts (e.g. 1000-5000-200)");
  if (rows > setting_limit("tables"))
    c.reject("tables", fmt::format("{} rows is over the zoo's limit of {} per table (see docs/zoo.md)", rows,
                                   setting_limit("tables")));
  if (count > kMaxListItems)
    c.reject("tables", fmt::format("{} tables is over the zoo's limit of {} (see docs/zoo.md)", count, kMaxListItems));
  return std::vector<int64_t>(static_cast<size_t>(count), rows);
}

// Linear layers of the given widths; ReLU after each but the last, whose
// activation is `last` (Relu or Sigmoid).
ValueId mlp(GraphBuilder& b, const std::string& name, ValueId x, const std::vector<int64_t>& widths,
            const std::string& last) {
  for (size_t i = 0; i < widths.size(); ++i) {
    x = linear(b, fmt::format("{}.{}", name, 2 * i), x, widths[i]);
    x = b.op(i + 1 == widths.size() ? last : "Relu", fmt::format("{}.{}", name, 2 * i + 1), {x});
  }
  return x;
}

// Pairwise dots of the F feature vectors [B, F, D]: the F(F-1)/2 entries above
// the diagonal of T T^T, flattened.
ValueId interact(GraphBuilder& b, ValueId features) {
  const int64_t batch = b.dim(features, 0), f = b.dim(features, 1);
  ValueId t = b.op("Transpose", "interaction.transpose", {features}, {{"perm", std::vector<int64_t>{0, 2, 1}}});
  ValueId dots = b.op("MatMul", "interaction.dots", {features, t});
  ValueId flat = b.op("Reshape", "interaction.flatten", {dots, b.ints({batch, f * f})});
  std::vector<int64_t> upper;
  for (int64_t i = 0; i < f; ++i)
    for (int64_t j = i + 1; j < f; ++j) upper.push_back(i * f + j);
  const auto pairs = static_cast<int64_t>(upper.size());
  ValueId idx = b.constant("interaction.upper_indices", Tensor::from_i64(upper, {pairs}));
  return b.op("Gather", "interaction.pairs", {flat, idx}, {{"axis", int64_t{1}}});
}

graph::Graph build_dlrm(const Config& c) {
  const std::vector<int64_t> rows = table_rows(c);
  const int64_t dim = c.integer("embed_dim"), lookups = c.integer("lookups"), batch = c.integer("batch");
  const std::vector<int64_t> bottom = c.integers("bottom_mlp"), top = c.integers("top_mlp");
  if (bottom.size() < 2) c.reject("bottom_mlp", "needs the dense feature count and at least one layer width");
  if (bottom.back() != dim)
    c.reject("bottom_mlp", fmt::format("must end in embed_dim={} (the interaction dots equal-width vectors)", dim));
  const auto tables = static_cast<int64_t>(rows.size());

  GraphBuilder b("dlrm");
  ValueId dense = b.input("dense_features", DType::F32, {batch, bottom.front()});
  ValueId sparse = b.input("sparse_indices", DType::I64, {tables, batch, lookups});
  ValueId z = mlp(b, "bot_l", dense, std::vector<int64_t>(bottom.begin() + 1, bottom.end()), "Relu");
  std::vector<ValueId> features = {b.op("Unsqueeze", "interaction.dense", {z, b.ints({1})})};
  for (int64_t k = 0; k < tables; ++k) {
    const std::string name = fmt::format("emb_l.{}", k);
    ValueId idx = b.op("Gather", name + ".indices", {sparse, b.constant(name + ".table_index", Tensor::scalar_i64(k))},
                       {{"axis", int64_t{0}}});
    ValueId rows_read = b.op("Gather", name + ".lookup", {b.param(name + ".weight", {rows[k], dim}), idx});
    ValueId bag = b.op("ReduceSum", name, {rows_read, b.ints({1})}, {{"keepdims", int64_t{1}}});
    features.push_back(bag);
  }
  ValueId all = b.op("Concat", "interaction.features", features, {{"axis", int64_t{1}}});
  ValueId r = b.op("Concat", "interaction.output", {z, interact(b, all)}, {{"axis", int64_t{1}}});
  b.output(b.op("Identity", "click_probability", {mlp(b, "top_l", r, top, "Sigmoid")}));
  return b.finish();
}

}  // namespace

ModelDef dlrm_model() {
  ModelDef m;
  m.info.name = "dlrm";
  m.info.description =
      "DLRM recommender; dense_features [batch, dense], sparse_indices [tables, batch, lookups] -> "
      "click_probability [batch, 1]";
  m.info.settings = {
      {"tables", "100000x26", "embedding tables: ROWSxCOUNT or row counts separated by '-'"},
      {"embed_dim", "16", "embedding width (= last bottom_mlp width)"},
      {"bottom_mlp", "13-512-256-64-16", "dense feature count, then the bottom MLP widths"},
      {"top_mlp", "512-256-1", "top MLP widths (its input width is derived)"},
      {"lookups", "1", "indices pooled per table and sample (embedding-bag size)"},
      {"batch", "128", "batch size"},
  };
  m.build = build_dlrm;
  return m;
}

}  // namespace tessera::zoo
