#include "tessera/report/sim_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "tessera/arch/derived.h"
#include "tessera/sim/common.h"
#include "tessera/support/error.h"
#include "tessera/support/output.h"
#include "tessera/support/run_info.h"

namespace tessera::report {
namespace {

using nlohmann::json;
using sim::SectionResult;
using sim::SimResult;

double ratio(double a, double b) { return b > 0 ? a / b : 0; }

// Peak PMU bandwidth of the whole chip in GB/s: every port moves a word per bank per cycle.
double pmu_peak_gbps(const arch::ArchSpec& a) {
  if (a.kind != arch::ArchKind::Rda) return 0;
  const double port_bytes = static_cast<double>(a.pmu.banks) * std::max(1, a.pcu.lane_bits / 8);
  return static_cast<double>(a.pmu.count) * (a.pmu.read_ports + a.pmu.write_ports) * port_bytes * a.clock_ghz;
}

json section_json(const SectionResult& s) {
  const double cycles = static_cast<double>(s.cycles);
  return {{"name", s.name},
          {"kernels", s.kernels},
          {"cycles", s.cycles},
          {"reconfig_cycles", s.reconfig_cycles},
          {"bound", sim::name(s.bound)},
          {"terms",
           {{"compute", s.compute_cycles},
            {"pmu", s.pmu_cycles},
            {"network", s.network_cycles},
            {"dram", s.dram_cycles},
            {"latency", s.latency_cycles}}},
          {"pcu_used", s.pcu_used},
          {"pmu_used", s.pmu_used},
          {"agcu_used", s.agcu_used},
          {"pcu_util", s.pcu_util},
          {"pmu_util", s.pmu_util},
          {"utilisation",
           {{"pcu", s.pcu_util}, {"pmu", s.pmu_util}, {"agcu", ratio(static_cast<double>(s.dram_cycles), cycles)}}},
          {"flops", s.flops},
          {"dram_bytes", s.dram_read_bytes + s.dram_write_bytes},
          {"dram_read_bytes", s.dram_read_bytes},
          {"dram_write_bytes", s.dram_write_bytes},
          {"bank_conflicts", s.bank_conflicts}};
}

json pmu_table(const SimResult& r, const arch::ArchSpec& a) {
  json rows = json::array();
  const double peak = pmu_peak_gbps(a);
  for (const SectionResult& s : r.sections)
    rows.push_back({{"section", s.name},
                    {"pmu_used", s.pmu_used},
                    {"busiest_pmu_cycles", s.pmu_cycles},
                    {"pmu_util", s.pmu_util},
                    {"achieved_gbps", s.pmu_util * peak},
                    {"peak_gbps", peak},
                    {"bank_conflicts", s.bank_conflicts}});
  return rows;
}

// Cycles spent per bound (and reconfiguring), in a fixed order.
std::vector<std::pair<std::string, int64_t>> time_by_bound(const SimResult& r) {
  std::vector<std::pair<std::string, int64_t>> out;
  for (sim::Bound b :
       {sim::Bound::Compute, sim::Bound::Pmu, sim::Bound::Network, sim::Bound::Dram, sim::Bound::Latency}) {
    int64_t c = 0;
    for (const auto& s : r.sections) c += s.bound == b ? s.cycles : 0;
    out.push_back({sim::name(b), c});
  }
  int64_t reconfig = 0;
  for (const auto& s : r.sections) reconfig += s.reconfig_cycles;
  out.push_back({"reconfiguration", reconfig});
  return out;
}

}  // namespace

std::string sim_report_json(const SimResult& r, const arch::ArchSpec& a) {
  json sections = json::array();
  for (const auto& s : r.sections) sections.push_back(section_json(s));
  json bounds = json::object();
  for (const auto& [name, cycles] : time_by_bound(r)) bounds[name] = cycles;
  json energy = {{"total_j", r.energy_j}, {"average_w", r.average_w}};
  for (const auto& [part, j] : r.energy_parts_j) energy[part + "_j"] = j;
  json out = {{"report", "sim"},
              {"tessera_version", kTesseraVersion},
              {"command", command_line()},
              {"model", r.model},
              {"arch", r.arch},
              {"opt", r.opt},
              {"mode", r.mode},
              {"precision", r.precision},
              {"clock_ghz", r.clock_ghz},
              {"total",
               {{"cycles", r.cycles},
                {"seconds", r.seconds},
                {"roofline_seconds", r.roofline_seconds},
                {"roofline_fraction", ratio(r.roofline_seconds, r.seconds)},
                {"flops", r.flops},
                {"achieved_tflops", r.achieved_tflops},
                {"peak_tflops", r.peak_tflops},
                {"dram_read_bytes", r.dram_read_bytes},
                {"dram_write_bytes", r.dram_write_bytes},
                {"energy_j", r.energy_j},
                {"average_w", r.average_w}}},
              {"energy", std::move(energy)},
              {"cycles_by_bound", std::move(bounds)},
              {"sections", std::move(sections)},
              {"notes", r.notes}};
  if (!r.phases.empty()) {
    json phases = json::object();
    for (const auto& ph : r.phases)
      phases[ph.name] = {{"seconds", ph.seconds}, {"flops", ph.flops}, {"dram_bytes", ph.dram_bytes}};
    out["phases"] = std::move(phases);
    json memory = json::object();
    for (const auto& [kind, bytes] : r.memory_bytes) memory[kind + "_bytes"] = bytes;
    out["memory"] = std::move(memory);
  }
  if (a.kind == arch::ArchKind::Rda) out["pmu_bandwidth"] = pmu_table(r, a);
  if (r.checked)
    out["check"] = {{"passed", r.check_passed},         {"max_abs_err", r.check_max_abs_err},
                    {"tolerance", r.check_tolerance},   {"bound", r.check_bound},
                    {"reference", r.check_reference},   {"fp32_max_abs_err", r.check_fp32_max_abs_err}};
  return out.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
}

namespace {

// A name per track: its category, numbered when the category has several
// tracks, then the name its slices share if they all share one (a kernel's).
std::map<int, std::string> track_names(const SimResult& r) {
  struct Track {
    std::string category, name;
    bool one_name = true;
  };
  std::map<int, Track> tracks;
  for (const auto& e : r.trace) {
    auto [it, fresh] = tracks.emplace(e.track, Track{e.category, e.name, e.phase != 'C'});
    if (!fresh && (it->second.name != e.name || e.phase == 'C')) it->second.one_name = false;
  }
  std::map<std::string, int> per_category, ordinal;
  for (const auto& [tid, t] : tracks) ++per_category[t.category];
  std::map<int, std::string> names;
  for (const auto& [tid, t] : tracks) {
    std::string name = t.category;
    if (per_category[t.category] > 1) name += fmt::format(" {}", ++ordinal[t.category]);
    if (t.one_name) name += ": " + t.name;
    names[tid] = name;
  }
  return names;
}

}  // namespace

std::string trace_json(const SimResult& r) {
  const double cycles_per_us = std::max(r.clock_ghz, 1e-9) * 1e3;
  json events = json::array();
  events.push_back(
      {{"name", "process_name"}, {"ph", "M"}, {"pid", 1}, {"args", {{"name", r.model + " on " + r.arch}}}});
  for (const auto& [tid, name] : track_names(r)) {
    events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", tid}, {"args", {{"name", name}}}});
    events.push_back(
        {{"name", "thread_sort_index"}, {"ph", "M"}, {"pid", 1}, {"tid", tid}, {"args", {{"sort_index", tid}}}});
  }
  for (const auto& e : r.trace) {
    json j = {{"name", e.name},
              {"cat", e.category},
              {"ph", std::string(1, e.phase)},
              {"ts", static_cast<double>(e.start_cycle) / cycles_per_us},
              {"pid", 1},
              {"tid", e.track}};
    if (e.phase == 'C')
      j["args"] = {{"value", e.value}};
    else
      j["dur"] = static_cast<double>(e.duration_cycles) / cycles_per_us;
    events.push_back(std::move(j));
  }
  json out = {{"traceEvents", std::move(events)},
              {"displayTimeUnit", "ns"},
              {"otherData", {{"model", r.model}, {"arch", r.arch}, {"mode", r.mode}, {"clock_ghz", r.clock_ghz}}}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string sim_summary(const SimResult& r, int max_rows) {
  const double total = static_cast<double>(std::max<int64_t>(r.cycles, 1));
  std::string out = fmt::format(
      "{} on {} -O{}, {} mode, {}: {} ({} cycles at {:.2f} GHz)\n"
      "  roofline {} ({:.0f}% of it reached); {:.3g} TFLOPS of {:.4g} peak ({:.1f}%)\n"
      "  DRAM {} read, {} written; energy {}, {:.4g} W average\n  time by bound:",
      r.model, r.arch, r.opt, r.mode, r.precision, sim::human_seconds(r.seconds), r.cycles, r.clock_ghz,
      sim::human_seconds(r.roofline_seconds),
      100 * ratio(r.roofline_seconds, r.seconds), r.achieved_tflops, r.peak_tflops,
      100 * ratio(r.achieved_tflops, r.peak_tflops), sim::human_bytes(static_cast<double>(r.dram_read_bytes)),
      sim::human_bytes(static_cast<double>(r.dram_write_bytes)), sim::human_joules(r.energy_j), r.average_w);
  for (const auto& [name, cycles] : time_by_bound(r))
    if (cycles > 0) out += fmt::format(" {} {:.0f}%", name, 100 * static_cast<double>(cycles) / total);
  out += "\n";
  std::vector<size_t> rows(r.sections.size());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  std::stable_sort(rows.begin(), rows.end(), [&](size_t a, size_t b) {
    return r.sections[a].cycles + r.sections[a].reconfig_cycles > r.sections[b].cycles + r.sections[b].reconfig_cycles;
  });
  if (rows.size() > static_cast<size_t>(max_rows)) rows.resize(max_rows);
  std::sort(rows.begin(), rows.end());
  out += fmt::format("  {:<44} {:>12} {:>6} {:<8} {:>5} {:>5} {:>6} {:>10}\n", "section", "cycles", "share", "bound",
                     "PCU", "PMU", "util", "DRAM");
  for (size_t i : rows) {
    const SectionResult& s = r.sections[i];
    std::string name = s.name.size() > 44 ? s.name.substr(0, 41) + "..." : s.name;
    out += fmt::format("  {:<44} {:>12} {:>5.1f}% {:<8} {:>5} {:>5} {:>5.1f}% {:>10}\n", name, s.cycles,
                       100 * static_cast<double>(s.cycles + s.reconfig_cycles) / total, sim::name(s.bound), s.pcu_used,
                       s.pmu_used, 100 * s.pcu_util,
                       sim::human_bytes(static_cast<double>(s.dram_read_bytes + s.dram_write_bytes)));
  }
  if (r.sections.size() > rows.size())
    out += fmt::format("  ({} longest of {} sections shown; all are in report.json)\n", rows.size(), r.sections.size());
  for (const auto& n : r.notes) out += "  note: " + n + "\n";
  return out;
}

void write_sim_outputs(const SimResult& r, const arch::ArchSpec& a, const std::string& dir) {
  auto write = [&](const std::string& name, const std::string& text) {
    write_output_file(dir + "/" + name, text);
  };
  write("report.json", sim_report_json(r, a));
  if (!r.trace.empty())
    write("trace.json", trace_json(r));
  else
    remove_stale_output(dir, "trace.json");  // an earlier run's trace must not sit beside this report
}

}  // namespace tessera::report
