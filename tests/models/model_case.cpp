#include "model_case.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "tensor_compare.h"
#include "tessera/support/error.h"

namespace tessera::models {
namespace fs = std::filesystem;
namespace {

std::vector<NamedFile> named_files(const nlohmann::json& list, const std::string& dir) {
  std::vector<NamedFile> files;
  for (const auto& item : list)
    files.push_back({item.at("name").get<std::string>(), (fs::path(dir) / item.at("file").get<std::string>()).string()});
  return files;
}

}  // namespace

std::vector<std::string> list_model_dirs(const std::string& root) {
  std::vector<std::string> dirs;
  if (!fs::is_directory(root)) return dirs;
  for (const auto& e : fs::directory_iterator(root))
    if (fs::exists(e.path() / "meta.json")) dirs.push_back(e.path().string());
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

ModelCase read_model_case(const std::string& dir) {
  std::string path = (fs::path(dir) / "meta.json").string();
  std::ifstream f(path);
  if (!f) fail("{}: missing; regenerate with scripts/gen_testdata.sh", path);
  try {
    nlohmann::json meta = nlohmann::json::parse(f);
    ModelCase c;
    c.name = fs::path(dir).filename().string();
    c.dir = dir;
    c.inputs = named_files(meta.at("inputs"), dir);
    c.outputs = named_files(meta.at("outputs"), dir);
    return c;
  } catch (const nlohmann::json::exception& e) {
    fail("{}: malformed ({}); regenerate with scripts/gen_testdata.sh", path, e.what());
  }
}

OutputCheck check_output(const Tensor& expected, const Tensor& actual) {
  OutputCheck r;
  if (expected.dtype() != actual.dtype() || expected.shape() != actual.shape()) {
    r.message = fmt::format("got {}{}, expected {}{}", dtype_name(actual.dtype()), shape_str(actual.shape()),
                            dtype_name(expected.dtype()), shape_str(expected.shape()));
    r.error_ratio = -1;
    return r;
  }
  if (is_float(expected.dtype())) {
    r.error_ratio = conformance::max_error_ratio(expected, actual);
    r.ok = r.error_ratio <= kMaxErrorRatio;
    if (!r.ok) r.message = fmt::format("max|diff|/max|ref| = {:.3g} > {:g}", r.error_ratio, kMaxErrorRatio);
  } else {
    int64_t bad = conformance::count_mismatches_exact(expected, actual);
    r.error_ratio = static_cast<double>(bad);
    r.ok = bad == 0;
    if (!r.ok) r.message = fmt::format("{} of {} elements differ (integers must match exactly)", bad, expected.size());
  }
  return r;
}

}  // namespace tessera::models
