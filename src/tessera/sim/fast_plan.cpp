// DRAM channel load and the pipeline estimate of the fast model (fast_plan.h).
#include "tessera/sim/fast_plan.h"

#include <algorithm>
#include <cmath>

#include "tessera/sim/cycle/dram.h"

namespace tessera::sim {
namespace {

using cycle::BufferItem;
using cycle::DramStreamItem;
using cycle::EndKind;
using cycle::KernelItem;

// Adds `times` copies of the byte range [address, address + bytes) to the
// channels it interleaves over (channel = address / chunk mod channels).
void add_range(std::vector<double>& channel, int64_t address, int64_t bytes, double times) {
  const int64_t n = static_cast<int64_t>(channel.size());
  const int64_t chunk = cycle::kDramChunkBytes;
  int64_t at = address;
  const int64_t end = address + bytes;
  if (at < end && at % chunk != 0) {  // the partial first chunk
    const int64_t upto = std::min(end, (at / chunk + 1) * chunk);
    channel[static_cast<size_t>((at / chunk) % n)] += static_cast<double>(upto - at) * times;
    at = upto;
  }
  const int64_t whole = (end - at) / chunk;  // whole chunks from `at`: rotations, then the rest
  if (whole > 0) {
    const int64_t first = (at / chunk) % n;
    for (int64_t c = 0; c < n; ++c) {
      const int64_t k = (c - first + n) % n;  // chunks to skip before this channel's first
      const int64_t count = whole > k ? (whole - k + n - 1) / n : 0;
      channel[static_cast<size_t>(c)] += static_cast<double>(count * chunk) * times;
    }
    at += whole * chunk;
  }
  if (at < end) channel[static_cast<size_t>((at / chunk) % n)] += static_cast<double>(end - at) * times;
}

// Chunks one request of `bytes` touches on average: its bytes in chunks, plus
// the one it starts in part way when it does not start on a boundary.
double chunks_per_request(double bytes) {
  const double whole = bytes / static_cast<double>(cycle::kDramChunkBytes);
  return std::max(1.0, std::floor(whole) == whole ? whole : whole + 1);
}

// DRAM traffic: bytes per channel of each tier, chunks per tier. A channel
// moves its bytes at its rate; a tier keeps at most kDramQueuePerChannel x
// channels chunks in flight, each for the latency plus its transfer, so many
// small requests are latency bound (Little's law).
constexpr int64_t kTileRanges = 1024;

struct DramLoad {
  explicit DramLoad(const cycle::CycleSpec& spec) : chunks(spec.dram.size(), 0) {
    for (const cycle::DramTierSpec& t : spec.dram) bytes.emplace_back(static_cast<size_t>(std::max(1, t.channels)), 0.0);
  }
  std::vector<std::vector<double>> bytes;
  std::vector<double> chunks;

  // `share` of a stream's traffic (a streamed weight re-reads its tensor whole per tile).
  void add(const DramStreamItem& d, double share) {
    if (d.dram_bytes <= 0 || share <= 0) return;
    const size_t tier = static_cast<size_t>(std::clamp<int>(d.tier, 0, static_cast<int>(bytes.size()) - 1));
    if (d.tile_stride > 0) {  // a write stripe: one part of every tile (at most kTileRanges placed, scaled)
      const int64_t tiles = std::max<int64_t>(1, d.tiles), step = std::max<int64_t>(1, tiles / kTileRanges);
      const double scale = static_cast<double>(step);
      for (int64_t t = 0; t < tiles; t += step)
        add_range(bytes[tier], d.address + t * d.tile_stride, cycle::split(d.dram_bytes, tiles, t), share * scale);
    } else {
      const int64_t span = d.tensor_bytes > 0 ? d.tensor_bytes : d.dram_bytes;
      const int64_t copies = d.dram_bytes / span;
      if (copies > 0) add_range(bytes[tier], d.address, span, static_cast<double>(copies) * share);
      if (const int64_t rest = d.dram_bytes - copies * span; rest > 0) add_range(bytes[tier], d.address, rest, share);
    }
    const double requests = static_cast<double>(std::max<int64_t>(1, d.tiles)) *
                            static_cast<double>(std::max<size_t>(1, d.write ? 1 : d.issuers.size()));
    chunks[tier] += share * requests * chunks_per_request(static_cast<double>(d.dram_bytes) / requests);
  }
  void add(const DramLoad& o) {
    for (size_t t = 0; t < bytes.size(); ++t) {
      for (size_t c = 0; c < bytes[t].size(); ++c) bytes[t][c] += o.bytes[t][c];
      chunks[t] += o.chunks[t];
    }
  }
  double busiest_channel(const cycle::CycleSpec& spec) const {
    double busiest = 0;
    for (size_t t = 0; t < bytes.size(); ++t)
      for (double b : bytes[t]) busiest = std::max(busiest, b / spec.dram[t].channel_bytes_per_cycle);
    return busiest;
  }
  // Cycles until the busiest channel that `on` uses (every channel when
  // null) has moved this load, or its tier's requests have cycled through
  // the in-flight limit; tiers one after the other.
  double cycles(const cycle::CycleSpec& spec, const DramLoad* on = nullptr) const {
    double c = 0;
    for (size_t t = 0; t < bytes.size(); ++t) {
      const cycle::DramTierSpec& d = spec.dram[t];
      double busiest = 0, total = 0;
      for (size_t ch = 0; ch < bytes[t].size(); ++ch) {
        total += bytes[t][ch];
        if (!on || on->bytes[t][ch] > 0) busiest = std::max(busiest, bytes[t][ch]);
      }
      if (total <= 0 && chunks[t] <= 0) continue;
      const double chunk = chunks[t] > 0 ? total / chunks[t] : 0;
      const double per_chunk = static_cast<double>(d.latency_cycles) + chunk / d.channel_bytes_per_cycle;
      c += std::max(busiest / d.channel_bytes_per_cycle,
                    chunks[t] * per_chunk / (cycle::kDramQueuePerChannel * d.channels));
    }
    return c;
  }
};

// Cycles from a path's first link into its unit when nothing else is on it.
double path_latency(const cycle::SectionPlan& p, const cycle::PathPlan& path) {
  double c = path.delivery_latency;
  for (int l : path.links) c += p.links[static_cast<size_t>(l)].latency;
  return c;
}

double max_of(const std::vector<int>& depth) {
  return depth.empty() ? 0 : static_cast<double>(*std::max_element(depth.begin(), depth.end()));
}

}  // namespace

double dram_channel_cycles(const cycle::SectionPlan& p, const cycle::CycleSpec& spec) {
  DramLoad load(spec);
  for (const DramStreamItem& d : p.dram_streams) load.add(d, 1);
  return load.busiest_channel(spec);
}

PipelineTime pipeline_time(const cycle::SectionPlan& p, const cycle::CycleSpec& spec, const DramModel& dram) {
  const size_t n = p.kernels.size();
  const double latency = dram.latency_cycles;
  std::vector<double> read(p.buffers.size(), 0), written(p.buffers.size(), 0);
  for (const KernelItem& k : p.kernels) {
    for (const cycle::KernelRead& r : k.reads) read[static_cast<size_t>(r.buffer)] += static_cast<double>(r.bytes);
    for (const cycle::KernelWrite& w : k.writes) written[static_cast<size_t>(w.buffer)] += static_cast<double>(w.bytes);
  }
  // DRAM traffic by the program position of the kernel it serves: `all` is
  // every read, `ahead` what the controller holds at the start (resident
  // weights in full, streamed inputs as far as their buffers have room).
  std::vector<DramLoad> all(n + 1, DramLoad(spec)), ahead(n + 1, DramLoad(spec)), resident(n + 1, DramLoad(spec));
  std::vector<double> resident_port(n + 1, 0);  // the largest resident weight slice through one AGCU
  DramLoad total(spec);
  for (const DramStreamItem& d : p.dram_streams) {
    total.add(d, 1);
    if (d.write) continue;
    for (const cycle::DramTarget& t : d.targets) written[static_cast<size_t>(t.buffer)] += static_cast<double>(t.bytes);
    const size_t at = static_cast<size_t>(std::clamp<int64_t>(d.priority, 0, static_cast<int64_t>(n)));
    const BufferItem& first = p.buffers[static_cast<size_t>(d.targets.empty() ? 0 : d.targets.front().buffer)];
    const double tiles = static_cast<double>(std::max<int64_t>(1, d.tiles));
    all[at].add(d, 1);
    ahead[at].add(d, first.resident ? 1 : std::min(1.0, first.depth / tiles));
    if (!first.resident) continue;
    resident[at].add(d, 1);
    for (const cycle::DramTarget& t : d.targets)
      resident_port[at] = std::max(resident_port[at], static_cast<double>(t.bytes) / spec.dynamic_bytes_per_cycle);
  }
  // before[k]: what the controller serves ahead of kernel k's own requests.
  std::vector<DramLoad> before(n + 1, DramLoad(spec));
  for (size_t i = 1; i <= n; ++i) {
    all[i].add(all[i - 1]);
    before[i].add(before[i - 1]);
    before[i].add(ahead[i - 1]);
  }
  const double read_rate = spec.pmu_port_bytes_per_cycle * spec.read_ports;
  const double write_rate = spec.pmu_port_bytes_per_cycle * spec.write_ports;

  struct Times {
    double start = 0, step = 0, depth = 0, finish = 0, rem = 0;
  };
  std::vector<Times> ks(n);
  PipelineTime out;
  for (size_t k = 0; k < n; ++k) {
    const KernelItem& ki = p.kernels[k];
    const double tiles = static_cast<double>(std::max<int64_t>(1, ki.tiles));
    double dur = std::ceil(static_cast<double>(ki.vectors) / std::max(1, ki.par));
    for (int b : ki.inputs)
      dur = std::max(dur, read[static_cast<size_t>(b)] * p.buffers[static_cast<size_t>(b)].conflict / read_rate);
    for (int b : ki.outputs) dur = std::max(dur, written[static_cast<size_t>(b)] / write_rate);
    // A step takes whole cycles (cycle mode's pipelines and PMU ports move
    // whole vectors per cycle): 1.5 vector-steps per step take 2, and a
    // kernel handing on more steps than it has vector-steps still takes a
    // cycle for each.
    if (!ki.reads.empty() || !ki.inputs.empty()) dur = tiles * std::ceil(dur / tiles - 1e-9);
    Times& t = ks[k];
    t.step = dur / tiles;
    t.depth = max_of(ki.depth) + spec.hop_latency;
    t.rem = dur;
    double last = 0;
    DramLoad streamed(spec);  // streamed DRAM inputs beyond what their buffers prefetch
    double streamed_route = 0;
    std::vector<int> counted;  // streams already in `streamed` (one per tensor, read into several buffers)
    for (int b : ki.inputs) {
      const BufferItem& bi = p.buffers[static_cast<size_t>(b)];
      if (bi.producer_kind == EndKind::Kernel && bi.producer >= 0) {
        const Times& q = ks[static_cast<size_t>(bi.producer)];
        const double tp = static_cast<double>(std::max<int64_t>(1, bi.producer_tiles));
        const double tc = static_cast<double>(std::max<int64_t>(1, bi.consumer_tiles));
        const double need = std::ceil(tp / tc);  // producer steps in the first consumer tile
        t.start = std::max(t.start, q.start + need * q.step + q.depth);
        last = std::max(last, q.finish);
        const double held = static_cast<double>(bi.depth) * std::ceil(tc / tp) * tp / tc;  // producer steps buffered
        t.rem = std::max(t.rem, q.rem * std::max(0.0, 1 - held / tp));
      } else if (bi.producer_kind == EndKind::Dram && bi.producer >= 0) {
        const DramStreamItem& d = p.dram_streams[static_cast<size_t>(bi.producer)];
        double route = 0;  // AGCU -> this buffer on the dynamic network
        for (const cycle::DramTarget& dt : d.targets)
          if (dt.buffer == b) route = std::max(route, path_latency(p, dt.path));
        if (bi.resident) {
          DramLoad load = before[k];
          load.add(resident[k]);
          const double in =
              latency + route + std::max(load.cycles(spec, &resident[k]), before[k].cycles(spec) + resident_port[k]);
          t.start = std::max(t.start, in);
          last = std::max(last, in);
        } else {
          const double tile = static_cast<double>(d.dram_bytes) / static_cast<double>(std::max<int64_t>(1, d.tiles));
          t.start = std::max(t.start, latency + route + before[k].cycles(spec) + dram.chunked_cycles({tile}));
          last = std::max(last, latency + route + all[k].cycles(spec));
          if (std::find(counted.begin(), counted.end(), bi.producer) == counted.end()) {
            counted.push_back(bi.producer);
            const double share = std::max(0.0, 1 - static_cast<double>(bi.depth) / static_cast<double>(std::max<int64_t>(1, d.tiles)));
            streamed.add(d, share);
            if (share > 0) streamed_route = std::max(streamed_route, route);
          }
        }
      }
    }
    // A streamed input is read no faster than DRAM allows once its buffers
    // have filled, which is no sooner than the kernel starts taking tiles.
    if (streamed_route > 0) last = std::max(last, t.start + latency + streamed_route + streamed.cycles(spec));
    t.finish = std::max(t.start + t.rem, last + t.step) + t.depth;
    out.cycles = std::max(out.cycles, t.finish);
    out.rate = std::max(out.rate, dur);
  }
  // Writes: the last step's write after the kernel ends, and all of a
  // kernel's writes no sooner than they can move from its first step on.
  std::vector<DramLoad> writes(n, DramLoad(spec));
  std::vector<double> write_route(n, 0);
  for (const DramStreamItem& d : p.dram_streams) {
    if (!d.write || d.source < 0) continue;
    const BufferItem& src = p.buffers[static_cast<size_t>(d.source)];
    if (src.producer_kind != EndKind::Kernel || src.producer < 0) continue;
    const size_t k = static_cast<size_t>(src.producer);
    const double tile = static_cast<double>(d.dram_bytes) / static_cast<double>(std::max<int64_t>(1, d.tiles));
    out.cycles = std::max(out.cycles, ks[k].finish + path_latency(p, d.path) + dram.chunked_cycles({tile}) + latency);
    writes[k].add(d, 1);
    write_route[k] = std::max(write_route[k], path_latency(p, d.path));
  }
  // When DRAM is the bottleneck it still idles at the end: the last tile's
  // data comes back (latency), is computed (a step and the depth), and its
  // write lands (latency) after everything else has moved.
  const double everything = total.cycles(spec);
  const bool reads = std::any_of(p.dram_streams.begin(), p.dram_streams.end(),
                                 [](const DramStreamItem& d) { return !d.write && d.dram_bytes > 0; });
  for (size_t k = 0; k < n; ++k)
    if (write_route[k] > 0) {
      out.cycles = std::max(out.cycles, ks[k].start + ks[k].step + ks[k].depth + write_route[k] +
                                            writes[k].cycles(spec) + latency);
      out.cycles = std::max(out.cycles, everything + (reads ? latency : 0) + ks[k].step + ks[k].depth +
                                            write_route[k] + latency);
    }
  out.dram = everything;
  out.channel = total.busiest_channel(spec);
  return out;
}

}  // namespace tessera::sim
