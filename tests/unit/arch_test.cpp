// Architecture specs: known answers for every preset's derived figures, the
// embedded presets against examples/arch/, the printed forms, and one test per
// user-facing error (each checks the file, line, key and fix it names).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tessera/arch/derived.h"
#include "tessera/arch/presets.h"
#include "tessera/arch/print.h"
#include "tessera/arch/spec.h"
#include "tessera/support/error.h"

namespace tessera::arch {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string example_path(std::string_view name) {
  return fmt::format("{}/examples/arch/{}.yaml", TESSERA_SOURCE_DIR, name);
}

// ---- known answers: what each preset derives --------------------------------

TEST(ArchPresets, PlasticineDerivesPublishedFigures) {
  const ArchSpec a = load_preset("plasticine");
  EXPECT_EQ(a.kind, ArchKind::Rda);
  EXPECT_EQ(a.pcu.count, 64);
  EXPECT_EQ(a.pmu.count, 64);
  EXPECT_EQ(a.pcu.lanes, 16);
  EXPECT_EQ(a.pcu.stages, 6);
  // 64 × 16 × 6 × 2 × 1 GHz = 12.288 TFLOPS, published as 12.3.
  EXPECT_DOUBLE_EQ(peak_tflops(a, Precision::Fp32), 12.288);
  EXPECT_EQ(peak_tflops(a, Precision::Bf16), 0.0);
  EXPECT_EQ(headline_precision(a), Precision::Fp32);
  EXPECT_EQ(sram_bytes(a), 16LL * 1024 * 1024);  // 64 × 256 KiB
  EXPECT_DOUBLE_EQ(sram_mib(a), 16.0);
  EXPECT_DOUBLE_EQ(dram_bandwidth_gbps(a), 51.2);  // 4 × 8 B × 1600 MT/s
  EXPECT_EQ(a.network.switch_count, 17 * 9);
  EXPECT_EQ(reduction_tree_stages(a.pcu), 4);
  // 64 × 0.849 + 64 × 0.532 + 153 × 0.1 + 16 × 0.2 mm²; 64 × 224 + 64 × 300 + 16 × 100 mW.
  EXPECT_NEAR(units_area_mm2(a), 54.336 + 34.048 + 15.3 + 3.2, 1e-9);
  EXPECT_NEAR(units_active_power_w(a), 14.336 + 19.2 + 1.6, 1e-9);
}

TEST(ArchPresets, Sn10MeetsPublishedFigures) {
  const ArchSpec a = load_preset("sn10");
  EXPECT_EQ(a.pcu.count, 640);
  EXPECT_EQ(a.pmu.count, 640);
  // 640 × 32 × 6 × 2 × 1.31 GHz = 321.9456 TFLOPS ≥ the published >320.
  EXPECT_NEAR(peak_tflops(a, Precision::Bf16), 321.9456, 1e-9);
  EXPECT_GE(peak_tflops(a, Precision::Bf16), 320.0);
  EXPECT_DOUBLE_EQ(sram_mib(a), 320.0);                       // 640 × 512 KiB
  EXPECT_NEAR(dram_bandwidth_gbps(a), 128.00016, 1e-9);       // 6 × 8 B × 2666.67 MT/s
  EXPECT_DOUBLE_EQ(dram_capacity_gib(a), 1536.0);
  EXPECT_EQ(a.grid.tiles(), 4);
  EXPECT_EQ(a.network.switch_count, 4 * 17 * 21);
  EXPECT_EQ(reduction_tree_stages(a.pcu), 5);
}

TEST(ArchPresets, Sn40lMeetsPublishedFigures) {
  const ArchSpec a = load_preset("sn40l");
  EXPECT_EQ(a.pcu.count, 1040);
  EXPECT_EQ(a.pmu.count, 1040);
  EXPECT_EQ(a.grid.dies, 2);
  // 1040 × 32 × 6 × 2 × 1.6 GHz = 638.976 TFLOPS, published as 638.
  EXPECT_NEAR(peak_tflops(a, Precision::Bf16), 638.976, 1e-9);
  EXPECT_DOUBLE_EQ(sram_mib(a), 520.0);
  ASSERT_EQ(a.dram.size(), 2u);
  EXPECT_EQ(a.dram[0].name, "hbm");
  EXPECT_DOUBLE_EQ(dram_bandwidth_gbps(a), 1638.4);  // 32 × 16 B × 3200 MT/s
  EXPECT_NEAR(a.dram[1].bandwidth_gbps, 128.00016, 1e-9);
  EXPECT_DOUBLE_EQ(dram_capacity_gib(a), 64.0 + 1536.0);
  EXPECT_EQ(a.pmu.addresses_per_cycle, 4);
  EXPECT_TRUE(a.pmu.transpose);
  EXPECT_TRUE(a.pcu.systolic);
}

TEST(ArchPresets, RooflinesCarrySpecSheetFigures) {
  struct Case {
    const char* name;
    double bf16, fp32, hbm_gbps, hbm_gib, cache_mib;
  };
  for (const Case& c : {Case{"a100", 312, 19.5, 2040, 80, 40}, Case{"h100", 989, 67, 3350, 80, 50},
                        Case{"tpuv3", 123, 41, 900, 32, 32}}) {
    SCOPED_TRACE(c.name);
    const ArchSpec a = load_preset(c.name);
    EXPECT_EQ(a.kind, ArchKind::Roofline);
    EXPECT_DOUBLE_EQ(peak_tflops(a, Precision::Bf16), c.bf16);
    EXPECT_DOUBLE_EQ(peak_tflops(a, Precision::Fp32), c.fp32);
    EXPECT_DOUBLE_EQ(dram_bandwidth_gbps(a), c.hbm_gbps);
    EXPECT_DOUBLE_EQ(dram_capacity_gib(a), c.hbm_gib);
    EXPECT_DOUBLE_EQ(sram_mib(a), c.cache_mib);
    EXPECT_DOUBLE_EQ(a.roofline.launch_overhead_us, 1.3);
    EXPECT_EQ(a.pcu.count, 0);
  }
}

TEST(ArchPresets, GridCheckerboardAndAgcuPositions) {
  const ArchSpec a = load_preset("plasticine");
  EXPECT_EQ(unit_at(a.grid, 0, 0), UnitKind::Pcu);
  EXPECT_EQ(unit_at(a.grid, 0, 1), UnitKind::Pmu);
  EXPECT_EQ(unit_at(a.grid, 1, 0), UnitKind::Pmu);
  EXPECT_EQ(unit_at(a.grid, 15, 7), UnitKind::Pcu);
  const std::vector<AgcuSite> sites = agcu_sites(a);
  ASSERT_EQ(sites.size(), 16u);
  // 8 per edge on 16 rows: centred in 2-row slices, rows 1, 3, ..., 15.
  EXPECT_EQ(sites[0].edge, Edge::West);
  EXPECT_EQ(sites[0].row, 1);
  EXPECT_EQ(sites[0].col, -1);
  EXPECT_EQ(sites[7].row, 15);
  EXPECT_EQ(sites[8].edge, Edge::East);
  EXPECT_EQ(sites[8].col, 8);
  EXPECT_EQ(agcu_sites(load_preset("sn40l")).size(), 64u);
}

// ---- one source of truth: embedded presets == examples/arch ----------------

TEST(ArchPresets, EmbeddedTextMatchesExamples) {
  for (const Preset& p : presets()) {
    SCOPED_TRACE(std::string(p.name));
    EXPECT_TRUE(read_text(example_path(p.name)) == p.yaml)
        << "examples/arch/" << p.name << ".yaml changed: run 'cmake -P cmake/embed_presets.cmake'";
    EXPECT_EQ(load_preset(p.name).name, p.name);
  }
  for (const auto& entry : std::filesystem::directory_iterator(std::string(TESSERA_SOURCE_DIR) + "/examples/arch"))
    if (entry.path().extension() == ".yaml") {
      EXPECT_NE(find_preset(entry.path().stem().string()), nullptr)
          << entry.path() << " is not registered in src/tessera/arch/presets.cpp";
    }
}

TEST(ArchPresets, EveryPresetFileMarksItsFigures) {
  // Every number-valued line in a preset carries its tag: [P], [D] or [A].
  for (const Preset& p : presets()) {
    std::istringstream lines{std::string(p.yaml)};
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
      ++n;
      const size_t colon = line.find(':');
      if (line.empty() || line[0] == '#' || colon == std::string::npos) continue;
      const std::string key = line.substr(line.find_first_not_of(" -"), colon - line.find_first_not_of(" -"));
      if (key == "name" || key == "kind" || key == "description") continue;  // text, not figures
      const std::string value = line.substr(colon + 1, line.find('#') - colon - 1);
      const bool numeric = value.find_first_of("0123456789") != std::string::npos;
      if (!numeric) continue;
      const bool tagged = line.find("[P]") != std::string::npos || line.find("[D]") != std::string::npos ||
                          line.find("[A]") != std::string::npos;
      EXPECT_TRUE(tagged) << p.name << ".yaml:" << n << " has an untagged figure: " << line;
    }
  }
}

TEST(ArchPresets, DocsNameEveryKey) {
  // docs/arch.md documents the format: every key a preset uses appears there as `key` (or `a.key`).
  const std::string doc = read_text(std::string(TESSERA_SOURCE_DIR) + "/docs/arch.md");
  const std::regex key_re("([a-z][a-z0-9_]*):");
  for (const Preset& p : presets()) {
    std::istringstream lines{std::string(p.yaml)};
    std::string line;
    while (std::getline(lines, line)) {
      line = line.substr(0, line.find('#'));
      if (line.find("description:") != std::string::npos) continue;
      for (auto it = std::sregex_iterator(line.begin(), line.end(), key_re); it != std::sregex_iterator(); ++it) {
        const std::string key = (*it)[1];
        const bool documented = doc.find("`" + key + "`") != std::string::npos || doc.find("." + key + "`") != std::string::npos;
        EXPECT_TRUE(documented) << "key '" << key << "' of " << p.name << ".yaml is missing from docs/arch.md";
      }
    }
  }
}

// ---- printed forms ----------------------------------------------------------

TEST(ArchPrint, JsonCarriesTheContractKeys) {
  const auto j = nlohmann::json::parse(to_json(load_preset("plasticine")));
  EXPECT_EQ(j["pcu"]["count"], 64);
  EXPECT_EQ(j["pcu"]["lanes"], 16);
  EXPECT_EQ(j["pcu"]["stages"], 6);
  EXPECT_EQ(j["pmu"]["count"], 64);
  EXPECT_EQ(j["pmu"]["kib"], 256);
  EXPECT_DOUBLE_EQ(j["clock_ghz"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(j["sram_mib"].get<double>(), 16.0);
  EXPECT_DOUBLE_EQ(j["peak_tflops"]["fp32"].get<double>(), 12.288);
  EXPECT_TRUE(j["peak_tflops"]["bf16"].is_null());
  ASSERT_EQ(j["dram"].size(), 1u);
  EXPECT_DOUBLE_EQ(j["dram"][0]["bandwidth_gbps"].get<double>(), 51.2);
  EXPECT_DOUBLE_EQ(j["dram"][0]["capacity_gib"].get<double>(), 16.0);
  EXPECT_DOUBLE_EQ(j["energy"]["pcu"]["active_mw"].get<double>(), 224.0);
  EXPECT_DOUBLE_EQ(j["energy"]["pmu"]["area_mm2"].get<double>(), 0.532);
  EXPECT_EQ(j["agcu"]["positions"].size(), 16u);

  const auto sn10 = nlohmann::json::parse(to_json(load_preset("sn10")));
  EXPECT_EQ(sn10["pcu"]["count"], 640);
  EXPECT_EQ(sn10["pmu"]["count"], 640);
  EXPECT_DOUBLE_EQ(sn10["sram_mib"].get<double>(), 320.0);
  EXPECT_DOUBLE_EQ(sn10["peak_tflops"]["bf16"].get<double>(), 321.9456);

  const auto a100 = nlohmann::json::parse(to_json(load_preset("a100")));
  EXPECT_TRUE(a100["clock_ghz"].is_null());
  EXPECT_DOUBLE_EQ(a100["peak_tflops"]["bf16"].get<double>(), 312.0);
  EXPECT_DOUBLE_EQ(a100["roofline"]["launch_overhead_us"].get<double>(), 1.3);
  EXPECT_FALSE(a100.contains("pcu"));
}

TEST(ArchPrint, SummaryAndTableWords) {
  const ArchSpec a = load_preset("plasticine");
  EXPECT_EQ(peak_words(a), "12.3 TFLOPS fp32");
  EXPECT_EQ(sram_words(a), "16 MiB");
  EXPECT_EQ(dram_words(a), "51.2 GB/s");
  EXPECT_EQ(units_words(a), "64 PCU + 64 PMU");
  const std::string text = summary_text(a);
  EXPECT_NE(text.find("fp32 12.3 TFLOPS"), std::string::npos) << text;
  EXPECT_NE(text.find("4 ch x 64 bit x 1600 MT/s = 51.2 GB/s"), std::string::npos) << text;
  EXPECT_EQ(peak_words(load_preset("sn10")), "321.9 TFLOPS bf16");
  EXPECT_EQ(units_words(load_preset("h100")), "roofline");
  EXPECT_EQ(to_json(a), to_json(load_preset("plasticine")));  // deterministic
}

// ---- errors: each names FILE:LINE, the key, the problem and the fix --------

// `base` with `from` replaced by `to` (which must occur once).
std::string edited(std::string_view preset, const std::string& from, const std::string& to) {
  std::string text(find_preset(preset)->yaml);
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << from << " occurs twice";
  return text.replace(at, from.size(), to);
}

int line_of(const std::string& text, const std::string& needle) {
  const size_t at = text.find(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

std::string error_of(const std::string& text) {
  try {
    parse_arch(text, "bad.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// Parses `text` and expects exactly `message` at the line that holds `needle`.
void expect_error(const std::string& text, const std::string& needle, const std::string& message) {
  EXPECT_EQ(error_of(text), fmt::format("bad.yaml:{}: {}", line_of(text, needle), message));
}

TEST(ArchErrors, UnknownKeySuggestsTheClosest) {
  std::string t = edited("plasticine", "  lanes: 16 ", "  lanez: 16 ");
  expect_error(t, "lanez", "key 'pcu.lanez': unknown key; did you mean 'lanes'?");
  t = edited("plasticine", "clock_ghz: 1.0", "clock_gz: 1.0");
  expect_error(t, "clock_gz", "key 'clock_gz': unknown key; did you mean 'clock_ghz'?");
  t = edited("plasticine", "  transpose: false", "  transpose: false\n  colour: blue");
  EXPECT_NE(error_of(t).find("key 'pmu.colour': unknown key; expected one of: addresses_per_cycle, banks,"),
            std::string::npos) << error_of(t);
  t = edited("plasticine", "    fp32: 1 ", "    fp33: 1 ");
  expect_error(t, "fp33", "key 'pcu.ops_per_lane.fp33': unknown precision; did you mean 'fp32'?");
  t = edited("plasticine", "kind: rda", "kind: rdx");
  expect_error(t, "kind: rdx", "key 'kind': unknown value 'rdx'; did you mean 'rda'?");
  t = edited("plasticine", "edges: [west, east]", "edges: [west, est]");
  expect_error(t, "edges:", "key 'agcu.edges': unknown value 'est'; did you mean 'east'?");
}

TEST(ArchErrors, NegativeOrZeroSizes) {
  std::string t = edited("plasticine", "capacity_kib: 256", "capacity_kib: -256");
  expect_error(t, "capacity_kib", "key 'pmu.capacity_kib': must be positive, got -256; give a size above 0");
  t = edited("plasticine", "  lanes: 16 ", "  lanes: 0 ");
  expect_error(t, "lanes: 0", "key 'pcu.lanes': must be positive, got 0; give a size above 0");
  t = edited("plasticine", "clock_ghz: 1.0", "clock_ghz: -1");
  expect_error(t, "clock_ghz", "key 'clock_ghz': must be positive, got -1; give a value above 0");
  t = edited("plasticine", "  rows: 16 ", "  rows: 5000000 ");
  expect_error(t, "rows:", "key 'grid.rows': 5000000 is implausibly large; give at most 262144");
  t = edited("sn10", "  cols: 20 ", "  cols: 5000 ");
  expect_error(t, "grid:", "key 'grid': 1 die(s) x 4 tile(s) x 16x5000 units is more than 262144 units; "
                           "give at most 262144 units over all dies and tiles (docs/arch.md, Limits)");
  t = edited("plasticine", "static_w: 5", "static_w: -5");
  expect_error(t, "static_w", "key 'energy.static_w': must not be negative, got -5; give 0 or more");
}

TEST(ArchErrors, WrongTypes) {
  std::string t = edited("plasticine", "  stages: 6 ", "  stages: six ");
  expect_error(t, "stages: six", "key 'pcu.stages': expected an integer, got 'six'; write a whole number such as 16");
  t = edited("plasticine", "  stages: 6 ", "  stages: 6.5 ");
  expect_error(t, "stages: 6.5", "key 'pcu.stages': expected an integer, got '6.5'; write a whole number such as 16");
  t = edited("plasticine", "clock_ghz: 1.0", "clock_ghz: fast");
  expect_error(t, "clock_ghz", "key 'clock_ghz': expected a number, got 'fast'; write a number such as 1.5");
  t = edited("plasticine", "reduction_tree: true", "reduction_tree: maybe");
  expect_error(t, "reduction_tree", "key 'pcu.reduction_tree': expected true or false, got 'maybe'; write true or false");
  t = edited("plasticine", "  rows: 16 ", "  rows: [16, 8] ");
  expect_error(t, "rows:", "key 'grid.rows': expected a single value, not a list or mapping; write 'rows: <integer>'");
  t = edited("a100", "roofline:\n", "roofline: fast\nold_roofline:\n");
  expect_error(t, "roofline: fast", "key 'roofline': expected a mapping of 'key: value' lines; indent its keys under it");
}

TEST(ArchErrors, MissingRequiredKeys) {
  std::string t = edited("plasticine", "  stages: 6                     # [P]\n", "");
  expect_error(t, "pcu:", "key 'pcu.stages': missing; add 'stages: <integer>' to 'pcu'");
  t = edited("plasticine", "clock_ghz: 1.0                  # [P]\n", "");
  EXPECT_EQ(error_of(t), "bad.yaml:1: key 'clock_ghz': missing; add 'clock_ghz: <number>' to the file");
  t = edited("plasticine", "  rows: 16                      # [P] 16 x 8 checkerboard\n", "");
  expect_error(t, "grid:", "key 'grid.rows': missing; add 'rows: <integer>' to 'grid'");  // not "cols: did you mean rows?"
  const std::string no_tiers = edited("plasticine", "dram:\n  - name: ddr", "dram: []\nold:\n  - name: ddr");
  EXPECT_NE(error_of(no_tiers).find("key 'dram': expected a non-empty list"), std::string::npos);
}

TEST(ArchErrors, GridCountsMustAgree) {
  std::string t = edited("plasticine", "  count: 64                     # [P] checked against the grid\n  lanes",
                         "  count: 60\n  lanes");
  expect_error(t, "count: 60",
               "key 'pcu.count': states 60 PCUs but the grid (1 tile(s) of 16x8, checkerboard) holds 64; "
               "fix 'count' or the grid's dies/tiles_per_die/rows/cols");
  t = edited("sn10", "  rows: 16 ", "  rows: 15 ");  // 4 × 15 × 20 / 2 = 600 PCUs, 640 stated
  expect_error(t, "count: 640 ",
               "key 'pcu.count': states 640 PCUs but the grid (4 tile(s) of 15x20, checkerboard) holds 600; "
               "fix 'count' or the grid's dies/tiles_per_die/rows/cols");
  t = edited("plasticine", "agcu:\n  count: 16", "agcu:\n  count: 15");
  expect_error(t, "count: 15", "key 'agcu.count': 15 AGCUs do not spread evenly over 1 tile(s) × 2 edge(s); give a multiple of 2");
}

TEST(ArchErrors, InconsistentFigures) {
  std::string t = edited("plasticine", "  lanes: 16 ", "  lanes: 128 ");
  expect_error(t, "reduction_tree",
               "key 'pcu.reduction_tree': a tree over 128 lanes needs 7 stages but the PCU has 6; "
               "add stages, use fewer lanes, or set reduction_tree: false");
  t = edited("plasticine", "area_mm2: 113 ", "area_mm2: 50 ");
  expect_error(t, "energy:", "key 'energy': the units add up to 106.9 mm² but chip.area_mm2 is 50; "
                             "lower the per-unit figures or raise chip.area_mm2");
  t = edited("plasticine", "max_power_w: 49 ", "max_power_w: 30 ");
  expect_error(t, "static_w", "key 'energy.static_w': the units add up to 40.1 W but chip.max_power_w is 30; "
                              "lower the per-unit figures or raise chip.max_power_w");
  t = edited("plasticine", "    data_rate_mtps: 1600", "    bandwidth_gbps: 60\n    data_rate_mtps: 1600");
  expect_error(t, "bandwidth_gbps", "key 'dram[0].bandwidth_gbps': states 60 GB/s but 4 channels × 64 bits × 1600 MT/s "
                                    "give 51.2 GB/s; fix the figure or remove it (it is derived)");
  t = edited("plasticine", "    channels: 4", "    bandwidth_gbps: 51.2\n    chanels: 4");
  EXPECT_NE(error_of(t).find("key 'dram[0].chanels': unknown key; did you mean 'channels'?"), std::string::npos) << error_of(t);
  t = edited("sn40l", "  - name: ddr", "  - name: hbm");
  EXPECT_NE(error_of(t).find("key 'dram': two tiers are named 'hbm'"), std::string::npos) << error_of(t);
}

TEST(ArchErrors, KindDecidesTheSections) {
  std::string t = edited("a100", "dram:\n", "pcu:\n  lanes: 16\ndram:\n");
  expect_error(t, "pcu:", "key 'pcu': a roofline spec has no PCU/PMU fabric; use kind 'rda' to describe one; remove 'pcu'");
  t = edited("a100", "    bandwidth_gbps: 2040 ", "    bandwidth_gbps: 2040\n    channels: 5 ");
  EXPECT_NE(error_of(t).find("key 'dram[0].bus_bits': missing"), std::string::npos) << error_of(t);
  t = edited("plasticine", "    channels: 4                 # [D] open tutorial's config: 4 channels DDR3-1600\n"
                           "    bus_bits: 64                # [D] 51.2 GB/s / 4 channels / 1600 MT/s = 8 bytes\n"
                           "    data_rate_mtps: 1600        # [D] DDR3-1600\n",
             "    bandwidth_gbps: 51.2\n");
  EXPECT_NE(error_of(t).find("key 'dram[0].channels': missing; an rda tier's bandwidth is derived"), std::string::npos)
      << error_of(t);
}

TEST(ArchErrors, MalformedYaml) {
  std::string t = edited("plasticine", "  lanes: 16 ", "  lanes: 16\n  lanes: 32 ");
  expect_error(t, "lanes: 32", "key 'pcu.lanes': given twice (first on line " +
                                   std::to_string(line_of(t, "lanes: 16")) + "); keep one");
  t = edited("plasticine", "edges: [west, east]", "edges: [west, east");
  EXPECT_NE(error_of(t).find("YAML syntax error"), std::string::npos) << error_of(t);
  EXPECT_EQ(error_of(""), "bad.yaml:1: the file is empty; start from a preset in examples/arch/");
  EXPECT_EQ(error_of("- 1\n- 2\n"), "bad.yaml:1: the file: expected a mapping of 'key: value' lines; indent its keys under it");
}

TEST(ArchErrors, UnknownPresetOrMissingFileListsPresets) {
  const std::string presets = "plasticine, sn10, sn40l, a100, h100, tpuv3";
  try {
    load_arch("sn1O");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "unknown arch 'sn1O'; did you mean 'sn10'? presets: " + presets + " (or give a path to a .yaml file)");
  }
  try {
    load_arch("no/such/arch.yaml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot read arch file 'no/such/arch.yaml'; give an existing .yaml file or one of the presets: " + presets);
  }
}

TEST(ArchLoad, ReadsAFileByPath) {
  // A 4 × 8 Plasticine: 16 PCUs + 16 PMUs, 2 AGCUs per edge; no counts stated.
  std::string small = edited("plasticine", "  count: 64                     # [P] checked against the grid\n  lanes", "  lanes");
  small.replace(small.find("  count: 64 "), 12, "  # count: 64");
  small.replace(small.find("  rows: 16 "), 11, "  rows: 4  ");
  small.replace(small.find("  count: 16 "), 12, "  count: 4  ");
  const std::string path = (std::filesystem::temp_directory_path() / "tessera_arch_test_small.yaml").string();
  std::ofstream(path) << small;
  const ArchSpec a = load_arch(path);
  std::filesystem::remove(path);
  EXPECT_EQ(a.source, path);
  EXPECT_EQ(a.pcu.count, 16);
  EXPECT_EQ(a.pmu.count, 16);
  EXPECT_DOUBLE_EQ(peak_tflops(a, Precision::Fp32), 16 * 16 * 6 * 2 * 1e9 / 1e12);
  EXPECT_DOUBLE_EQ(sram_mib(a), 4.0);
  EXPECT_EQ(agcu_sites(a).size(), 4u);
}

}  // namespace
}  // namespace tessera::arch
