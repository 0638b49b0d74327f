// placement.svg: the chip grid once per section (the largest sections when
// there are many), units coloured by kernel, routes drawn as lines along the
// switches, and a legend naming each colour. Cell size adapts so a 64-unit
// Plasticine and a 1,280-unit SN10 both read at a glance.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "tessera/report/compile_report.h"

namespace tessera::report {
namespace {

using compile::SpatialProgram;
using compile::UnitKind;

constexpr size_t kMaxPanels = 6;
constexpr const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                                    "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#ad494a"};

// The first twelve kernels get the familiar categorical palette; later ones
// golden-ratio hues, so no two kernels of a section share a colour.
std::string colour_of(int slot) {
  if (slot < static_cast<int>(std::size(kPalette))) return kPalette[slot];
  const double hue = std::fmod(slot * 137.508, 360.0);
  const double lightness = (slot / 12) % 2 ? 0.38 : 0.55;
  return fmt::format("hsl({:.0f},65%,{:.0f}%)", hue, lightness * 100);
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

// "…/gpt_op17/model.onnx" -> "gpt_op17/model.onnx": titles stay on one line.
std::string short_name(const std::string& model) {
  const size_t last = model.rfind('/');
  if (last == std::string::npos || last == 0) return model;
  const size_t prev = model.rfind('/', last - 1);
  return prev == std::string::npos ? model : model.substr(prev + 1);
}

std::vector<int> panels(const SpatialProgram& sp) {
  std::vector<int> order;
  for (const auto& s : sp.sections) order.push_back(s.id);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    const auto& x = sp.sections[a];
    const auto& y = sp.sections[b];
    return x.pcus + x.pmus > y.pcus + y.pmus;
  });
  if (order.size() > kMaxPanels) order.resize(kMaxPanels);
  std::sort(order.begin(), order.end());
  return order;
}

struct Panel {
  double x, y, cell;
};

std::string draw_section(const SpatialProgram& sp, int section, const Panel& p) {
  std::string out;
  const double c = p.cell;
  out += fmt::format("<g transform=\"translate({:.1f},{:.1f})\">\n", p.x, p.y);
  out += fmt::format("<text x=\"0\" y=\"-6\" font-size=\"12\" font-weight=\"bold\">{}</text>\n",
                     escape(sp.sections[section].name.substr(0, 90)));
  out += fmt::format("<rect x=\"0\" y=\"0\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#fafafa\" stroke=\"#ccc\"/>\n",
                     sp.chip.cols * c, sp.chip.rows * c);
  // Which kernel (colour) occupies each site in this section.
  std::map<int, int> kernel_at;
  for (size_t u = 0; u < sp.units.size(); ++u)
    if (sp.units[u].section == section && u < sp.site.size() && sp.site[u] >= 0) kernel_at[sp.site[u]] = sp.units[u].kernel;
  std::map<int, int> colour;  // kernel -> palette slot, in kernel order
  for (int k : sp.sections[section].kernels) colour.emplace(k, static_cast<int>(colour.size()));
  for (size_t i = 0; i < sp.chip.sites.size(); ++i) {
    const auto& s = sp.chip.sites[i];
    auto it = kernel_at.find(static_cast<int>(i));
    const bool used = it != kernel_at.end();
    std::string fill = "#e8e8e8";
    if (used) fill = it->second < 0 ? "#000000" : colour_of(colour[it->second]);
    const double x = s.col * c + c * 0.1, y = s.row * c + c * 0.1, w = c * 0.8;
    if (s.kind == UnitKind::PCU)
      out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" rx=\"{:.1f}\" fill=\"{}\"/>\n",
                         x, y, w, w, w * 0.35, fill);
    else if (s.kind == UnitKind::PMU)
      out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\" "
                         "fill-opacity=\"{}\" stroke=\"{}\" stroke-width=\"{:.1f}\"/>\n",
                         x, y, w, w, fill, used ? "0.45" : "1", used ? fill : "#d0d0d0", std::max(0.5, c * 0.08));
    else
      out += fmt::format("<polygon points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\" fill=\"{}\"/>\n", x + w / 2, y,
                         x + w, y + w, x, y + w, used ? "#000000" : "#cccccc");
  }
  // Routes along switch corners; thin and translucent so dense sections stay legible.
  const double width = std::max(0.4, c * 0.08);
  for (const auto& r : sp.routes) {
    if (sp.streams[r.stream].section != section || r.hops.size() < 2) continue;
    std::string pts;
    for (const auto& h : r.hops) pts += fmt::format("{:.1f},{:.1f} ", h.col * c, h.row * c);
    out += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"#333\" stroke-opacity=\"0.35\" "
                       "stroke-width=\"{:.2f}\"/>\n", pts, width);
  }
  // Legend below the grid.
  double ly = sp.chip.rows * c + 14;
  size_t shown = 0;
  for (const auto& [k, slot] : colour) {
    if (sp.kernels[k].view) continue;
    if (shown == 8) {
      out += fmt::format("<text x=\"0\" y=\"{:.1f}\" font-size=\"10\">… {} more kernels</text>\n", ly + 8,
                         colour.size() - shown);
      break;
    }
    out += fmt::format("<rect x=\"0\" y=\"{:.1f}\" width=\"9\" height=\"9\" fill=\"{}\"/>"
                       "<text x=\"13\" y=\"{:.1f}\" font-size=\"10\">{} (chain {} × par {}, {} PMU)</text>\n",
                       ly, colour_of(slot), ly + 8, escape(sp.kernels[k].name.substr(0, 60)),
                       sp.kernels[k].chain, sp.kernels[k].par, sp.kernels[k].pmus);
    ly += 13;
    ++shown;
  }
  out += "</g>\n";
  return out;
}

}  // namespace

std::string placement_svg(const SpatialProgram& sp) {
  const std::vector<int> shown = panels(sp);
  const double cell = std::clamp(560.0 / std::max(sp.chip.rows, sp.chip.cols), 4.0, 36.0);
  const double pw = sp.chip.cols * cell, ph = sp.chip.rows * cell + 150;
  const size_t per_row = shown.size() <= 1 ? 1 : 2;
  const size_t rows = (shown.size() + per_row - 1) / per_row;
  const double width = per_row * (pw + 40) + 20, height = rows * (ph + 40) + 60;
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0f}\" height=\"{:.0f}\" font-family=\"sans-serif\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"20\" y=\"24\" font-size=\"15\" font-weight=\"bold\">{} on {} (-O{}): {} sections{}</text>\n"
      "<text x=\"20\" y=\"42\" font-size=\"11\" fill=\"#555\">rounded: PCU · square: PMU · triangle: AGCU · "
      "grey: idle · colour: kernel · lines: routes on the static network</text>\n",
      width, height, escape(short_name(sp.model)), escape(sp.arch), sp.opt, sp.sections.size(),
      shown.size() < sp.sections.size() ? fmt::format(" (the {} largest shown; all in mapping.json)", shown.size()) : "");
  for (size_t i = 0; i < shown.size(); ++i)
    out += draw_section(sp, shown[i], {20 + (i % per_row) * (pw + 40), 70 + (i / per_row) * (ph + 40), cell});
  return out + "</svg>\n";
}

}  // namespace tessera::report
