// docs/ops.md must list exactly the operators the registries support.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "tessera/graph/infer.h"
#include "tessera/lower/lower.h"

namespace tessera {
namespace {

TEST(Docs, OpsListMatchesRegistries) {
  std::ifstream file(std::string(TESSERA_SOURCE_DIR) + "/docs/ops.md");
  ASSERT_TRUE(file.good());
  std::stringstream text;
  text << file.rdbuf();
  std::set<std::string> documented;
  const std::string doc = text.str();
  const std::regex op("`([A-Z][A-Za-z0-9]+)`");
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), op); it != std::sregex_iterator(); ++it)
    documented.insert((*it)[1]);
  for (const auto& [name, fn] : graph::infer_table()) {
    EXPECT_TRUE(documented.count(name)) << name << " is supported but missing from docs/ops.md";
    const bool data_dependent = name == "NonZero" || name == "Unique";
    EXPECT_EQ(lower::lower_table().count(name) != 0, !data_dependent) << name << ": inference without lowering";
  }
}

}  // namespace
}  // namespace tessera
