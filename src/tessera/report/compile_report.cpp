#include "tessera/report/compile_report.h"

#include <fstream>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tessera/support/error.h"
#include "tessera/support/output.h"
#include "tessera/support/run_info.h"

namespace tessera::report {

using nlohmann::json;
using compile::SpatialProgram;

std::string mapping_json(const SpatialProgram& sp) {
  json sites = json::array();
  for (const auto& s : sp.chip.sites) sites.push_back({{"kind", compile::name(s.kind)}, {"row", s.row}, {"col", s.col}});
  std::vector<std::vector<size_t>> stream_routes(sp.streams.size());
  for (size_t r = 0; r < sp.routes.size(); ++r) stream_routes[sp.routes[r].stream].push_back(r);
  json sections = json::array();
  for (const auto& s : sp.sections) {
    json kernels = json::array();
    for (int k : s.kernels) {
      const auto& kp = sp.kernels[k];
      kernels.push_back({{"index", k}, {"name", kp.name}, {"view", kp.view}, {"chain", kp.chain}, {"par", kp.par},
                         {"pmus", kp.pmus}, {"tiles", kp.tiles}, {"weights_resident", kp.weights_resident}});
    }
    json units = json::array();
    for (size_t u = 0; u < sp.units.size(); ++u) {
      const auto& vu = sp.units[u];
      if (vu.section != s.id) continue;
      json j = {{"id", u}, {"kind", compile::name(vu.kind)}, {"kernel", vu.kernel}, {"role", vu.role}};
      if (u < sp.site.size() && sp.site[u] >= 0) {
        const auto& site = sp.chip.sites[sp.site[u]];
        j["site"] = sp.site[u];
        j["row"] = site.row;
        j["col"] = site.col;
      }
      units.push_back(std::move(j));
    }
    json streams = json::array();
    for (size_t i = 0; i < sp.streams.size(); ++i) {
      const auto& st = sp.streams[i];
      if (st.section != s.id) continue;
      json j = {{"id", i}, {"src", st.src}, {"dst", st.dst}, {"bytes", st.bytes},
                {"vectors_per_cycle", st.vectors_per_cycle}};
      for (size_t r : stream_routes[i]) {
        json hops = json::array();
        for (const auto& h : sp.routes[r].hops) hops.push_back({h.row, h.col});
        j["route"] = std::move(hops);
      }
      streams.push_back(std::move(j));
    }
    sections.push_back({{"id", s.id}, {"name", s.name}, {"kernels", std::move(kernels)}, {"units", std::move(units)},
                        {"streams", std::move(streams)}});
  }
  json out = {{"model", sp.model}, {"arch", sp.arch}, {"opt", sp.opt},
              {"chip", {{"rows", sp.chip.rows}, {"cols", sp.chip.cols}, {"sites", std::move(sites)}}},
              {"sections", std::move(sections)}};
  return out.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string compile_report_json(const SpatialProgram& sp) {
  json passes = json::array();
  double total = 0;
  for (const auto& t : sp.timings) {
    passes.push_back({{"pass", t.pass}, {"seconds", t.seconds}});
    total += t.seconds;
  }
  json sections = json::array();
  int64_t reads = 0, writes = 0;
  for (const auto& s : sp.sections) {
    json kernels = json::array();
    std::set<std::string> phases;
    for (int k : s.kernels) {
      kernels.push_back(sp.kernels[k].name);
      if (!sp.kernels[k].phase.empty()) phases.insert(sp.kernels[k].phase);
    }
    json section = {{"name", s.name}, {"kernels", std::move(kernels)}, {"pcu_used", s.pcus}, {"pmu_used", s.pmus},
                    {"agcu_used", s.agcus}, {"dram_read_bytes", s.dram_read_bytes},
                    {"dram_write_bytes", s.dram_write_bytes}};
    // A training step's sections are labelled by the phases they hold (fwd, bwd, opt).
    if (!phases.empty()) section["phases"] = std::vector<std::string>(phases.begin(), phases.end());
    sections.push_back(std::move(section));
    reads += s.dram_read_bytes;
    writes += s.dram_write_bytes;
  }
  json out = {{"report", "compile"},
              {"tessera_version", kTesseraVersion},
              {"command", command_line()},
              {"model", sp.model},
              {"arch", sp.arch},
              {"opt", sp.opt},
              {"compile", {{"passes", std::move(passes)}, {"total_seconds", total}}},
              {"total", {{"sections", sp.sections.size()}, {"kernels", sp.kernels.size()},
                         {"dram_read_bytes", reads}, {"dram_write_bytes", writes}}},
              {"sections", std::move(sections)}};
  return out.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
}

namespace {

std::string bytes_text(int64_t b) {
  if (b >= 1000000000) return fmt::format("{:.2f} GB", b / 1e9);
  if (b >= 1000000) return fmt::format("{:.1f} MB", b / 1e6);
  if (b >= 1000) return fmt::format("{:.1f} kB", b / 1e3);
  return fmt::format("{} B", b);
}

}  // namespace

std::string compile_summary(const SpatialProgram& sp) {
  int64_t reads = 0, writes = 0;
  int max_pcu = 0, max_pmu = 0;
  for (const auto& s : sp.sections) {
    reads += s.dram_read_bytes;
    writes += s.dram_write_bytes;
    max_pcu = std::max(max_pcu, s.pcus);
    max_pmu = std::max(max_pmu, s.pmus);
  }
  double total = 0;
  std::string passes;
  for (const auto& t : sp.timings) {
    total += t.seconds;
    passes += fmt::format(" {} {:.3f}s", t.pass, t.seconds);
  }
  return fmt::format(
      "{} on {} -O{}: {} kernels in {} sections; busiest section {}/{} PCUs, {}/{} PMUs; "
      "DRAM {} read, {} written\ncompile {:.3f} s:{}\n",
      sp.model, sp.arch, sp.opt, sp.kernels.size(), sp.sections.size(), max_pcu, sp.chip.count(compile::UnitKind::PCU),
      max_pmu, sp.chip.count(compile::UnitKind::PMU), bytes_text(reads), bytes_text(writes), total, passes);
}

void write_compile_outputs(const SpatialProgram& sp, const std::string& dir) {
  auto write = [&](const std::string& name, const std::string& text) {
    write_output_file(dir + "/" + name, text);
  };
  write("mapping.json", mapping_json(sp));
  write("placement.svg", placement_svg(sp));
  write("report.json", compile_report_json(sp));
}

}  // namespace tessera::report
