// plan_section: the one place cycle mode reads a section's units, streams and
// routes. Every stream of the section is classified by its ends:
//   PCU -> PCU   a hop inside a copy's chain
//   PMU -> PCU   a copy reading a buffer
//   PCU -> PMU   a copy writing a buffer (a consumer's input or a staging buffer)
//   AGCU -> PMU  DRAM data into a buffer; grouped into read streams by tensor
//   PMU -> AGCU  a staging buffer drained to DRAM
// A PMU's tensor comes from its role ("in NAME", "weight NAME [i/n]", "out
// NAME", as the units pass writes it) matched against its kernel's tensors.
#include <algorithm>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "tessera/compile/cost_model.h"
#include "tessera/sim/cycle/plan.h"
#include "tessera/support/error.h"

namespace tessera::sim::cycle {

using compile::SpatialProgram;
using compile::UnitKind;

int bank_conflict_degree(int64_t stride, int lanes, int banks) {
  const int64_t s = std::max<int64_t>(1, stride < 0 ? -stride : stride);
  const int64_t distinct = banks / std::gcd(s, static_cast<int64_t>(banks));  // banks the lanes cycle through
  return static_cast<int>((lanes + distinct - 1) / distinct);
}

DramLayout lay_out_dram(const SpatialProgram& sp, const CycleSpec& spec) {
  DramLayout d;
  d.tier.assign(sp.tensors.size(), 0);
  d.address.assign(sp.tensors.size(), 0);
  std::vector<int64_t> used(spec.dram.size(), 0);
  for (size_t t = 0; t < sp.tensors.size(); ++t) {
    if (compile::storage_root(sp, static_cast<int32_t>(t)) != static_cast<int32_t>(t)) continue;
    const int64_t bytes = (sp.tensors[t].bytes + kDramChunkBytes - 1) / kDramChunkBytes * kDramChunkBytes;
    size_t tier = 0;
    while (tier + 1 < spec.dram.size() && spec.dram[tier].capacity_bytes > 0 &&
           used[tier] + bytes > spec.dram[tier].capacity_bytes)
      ++tier;
    d.tier[t] = static_cast<int>(tier);
    d.address[t] = used[tier];
    used[tier] += bytes;
  }
  for (size_t t = 0; t < sp.tensors.size(); ++t) {
    const int32_t r = compile::storage_root(sp, static_cast<int32_t>(t));
    d.tier[t] = d.tier[static_cast<size_t>(r)];
    d.address[t] = d.address[static_cast<size_t>(r)];
  }
  return d;
}

namespace {

struct UnitRef {
  int kernel = -1, copy = -1, stage = -1;  // PCUs: KernelItem index, copy, stage in the chain
  int buffer = -1, agcu = -1;
};

struct DramIn {
  int buffer, agcu;
  int64_t bytes;
  PathPlan path;
};

class PlanBuilder {
 public:
  PlanBuilder(const SpatialProgram& sp, int section, const CycleSpec& spec, const DramLayout& layout,
              const AccessFacts* access)
      : sp_(sp), s_(sp.sections[static_cast<size_t>(section)]), spec_(spec), layout_(layout), access_(access) {
    plan_.section = section;
    plan_.name = s_.name;
  }

  SectionPlan build() {
    add_kernels();
    add_memory_units();
    for (size_t i = 0; i < sp_.streams.size(); ++i)
      if (sp_.streams[i].section == s_.id) add_stream(static_cast<int>(i));
    for (size_t k = 0; k < plan_.kernels.size(); ++k) finish_kernel(plan_.kernels[k]);
    refine_steps();
    add_dram_reads();
    add_dram_writes();
    finish_buffers();
    return std::move(plan_);
  }

 private:
  void add_kernels() {
    std::map<int, int> item_of;
    for (int k : s_.kernels) {
      const compile::KernelPlan& kp = sp_.kernels[static_cast<size_t>(k)];
      if (kp.view) continue;
      KernelItem it;
      it.kernel = k;
      it.name = kp.name;
      it.par = std::max(1, kp.par);
      it.chain = std::max(1, kp.chain);
      it.tiles = std::max<int64_t>(1, kp.tiles);
      it.vectors = compile::compute_cycles(kp, sp_.chip, 1);
      it.fu_ops = kp.fu_ops;
      it.flops = kp.flops;
      it.track = 2 + k;
      item_of[k] = static_cast<int>(plan_.kernels.size());
      plan_.kernels.push_back(std::move(it));
    }
    std::map<int, int> seen;  // PCUs met so far per kernel item
    for (size_t u = 0; u < sp_.units.size(); ++u) {
      const compile::VirtualUnit& vu = sp_.units[u];
      if (vu.section != s_.id || vu.kind != UnitKind::PCU) continue;
      const int item = item_of.at(vu.kernel);
      const int n = seen[item]++;
      refs_[static_cast<int>(u)] = {item, n / plan_.kernels[item].chain, n % plan_.kernels[item].chain, -1, -1};
    }
    for (const auto& [item, n] : seen)
      TESSERA_CHECK(n == plan_.kernels[item].par * plan_.kernels[item].chain, "kernel {} has {} PCUs, expected {} x {}",
                    plan_.kernels[item].name, n, plan_.kernels[item].par, plan_.kernels[item].chain);
  }

  void add_memory_units() {
    for (size_t u = 0; u < sp_.units.size(); ++u) {
      const compile::VirtualUnit& vu = sp_.units[u];
      if (vu.section != s_.id) continue;
      if (vu.kind == UnitKind::PMU) {
        BufferItem b;
        b.unit = static_cast<int>(u);
        b.role = vu.role;
        refs_[b.unit].buffer = static_cast<int>(plan_.buffers.size());
        tensor_.push_back(buffer_tensor(vu));
        b.conflict = conflict(vu, tensor_.back());
        plan_.buffers.push_back(std::move(b));
      } else if (vu.kind == UnitKind::AGCU) {
        refs_[static_cast<int>(u)].agcu = static_cast<int>(plan_.agcus.size());
        plan_.agcus.push_back({static_cast<int>(u), static_cast<int>(2 + sp_.kernels.size() + plan_.agcus.size())});
      }
    }
  }

  // Bank cycles per vector a kernel's reads of tensor t take: the Pattern IR's
  // strides when known (access.h), else unit stride across the lanes.
  double conflict(const compile::VirtualUnit& vu, int32_t t) const {
    if (vu.role.rfind("out ", 0) == 0) return 1;  // staging: drained in address order
    if (!access_) return bank_conflict_degree(1, spec_.lanes, spec_.banks);
    const compile::KernelPlan& kp = sp_.kernels[static_cast<size_t>(vu.kernel)];
    const auto& factors = access_->conflict[static_cast<size_t>(vu.kernel)];
    double f = 1;
    for (size_t i = 0; i < kp.inputs.size() && i < factors.size(); ++i)
      if (kp.inputs[i] == t) f = std::max(f, factors[i]);
    return f;
  }

  // The program tensor a PMU holds, from its role and its kernel's tensors.
  int32_t buffer_tensor(const compile::VirtualUnit& vu) const {
    const std::string& role = vu.role;
    const size_t space = role.find(' ');
    TESSERA_CHECK(space != std::string::npos, "PMU role '{}' names no tensor", role);
    const std::string what = role.substr(0, space);
    std::string tensor = role.substr(space + 1);
    if (!tensor.empty() && tensor.back() == ']')  // a slice or stripe: "NAME [i/n]"
      if (const size_t open = tensor.rfind(" ["); open != std::string::npos) tensor.resize(open);
    const compile::KernelPlan& kp = sp_.kernels[static_cast<size_t>(vu.kernel)];
    for (int32_t t : what == "out" ? kp.outputs : kp.inputs)
      if (sp_.tensors[static_cast<size_t>(t)].name == tensor) return t;
    TESSERA_CHECK(false, "PMU role '{}' names no tensor of kernel {}", role, kp.name);
    return -1;
  }

  int link(const compile::Hop& a, const compile::Hop& b, bool dynamic) {
    const int dir = b.col > a.col ? 0 : b.col < a.col ? 1 : b.row > a.row ? 2 : 3;
    const int64_t key = ((static_cast<int64_t>(a.row) * spec_.mesh_cols + a.col) * 4 + dir) * 2 + (dynamic ? 1 : 0);
    auto [it, added] = link_of_.emplace(key, static_cast<int>(plan_.links.size()));
    if (added)
      plan_.links.push_back({key, dynamic,
                             dynamic ? spec_.dynamic_bytes_per_cycle : spec_.static_link_bytes_per_cycle(),
                             dynamic ? spec_.dynamic_hop_latency : spec_.hop_latency});
    return it->second;
  }

  PathPlan path(int stream, bool dynamic) {
    PathPlan p;
    p.delivery_latency = dynamic ? spec_.dynamic_hop_latency : spec_.hop_latency;
    const compile::Route* r = route(stream);
    if (!r) return p;
    for (size_t h = 1; h < r->hops.size(); ++h) p.links.push_back(link(r->hops[h - 1], r->hops[h], dynamic));
    return p;
  }

  const compile::Route* route(int stream) const {
    if (static_cast<size_t>(stream) < sp_.routes.size() && sp_.routes[static_cast<size_t>(stream)].stream == stream)
      return &sp_.routes[static_cast<size_t>(stream)];
    for (const compile::Route& r : sp_.routes)
      if (r.stream == stream) return &r;
    return nullptr;
  }

  void add_stream(int i) {
    const compile::Stream& st = sp_.streams[static_cast<size_t>(i)];
    const UnitKind src = sp_.units[static_cast<size_t>(st.src)].kind, dst = sp_.units[static_cast<size_t>(st.dst)].kind;
    const UnitRef a = refs_.at(st.src), b = refs_.at(st.dst);
    if (src == UnitKind::PCU && dst == UnitKind::PCU) {
      plan_.kernels[a.kernel].chain_hops.push_back({a.copy, st.bytes, path(i, false)});
    } else if (src == UnitKind::PMU && dst == UnitKind::PCU) {
      plan_.kernels[b.kernel].reads.push_back({a.buffer, b.copy, st.bytes});
      set_end(plan_.buffers[a.buffer].consumer_kind, plan_.buffers[a.buffer].consumer, EndKind::Kernel, b.kernel);
    } else if (src == UnitKind::PCU && dst == UnitKind::PMU) {
      plan_.kernels[a.kernel].writes.push_back({b.buffer, a.copy, st.bytes, path(i, false)});
      set_end(plan_.buffers[b.buffer].producer_kind, plan_.buffers[b.buffer].producer, EndKind::Kernel, a.kernel);
    } else if (src == UnitKind::AGCU && dst == UnitKind::PMU) {
      dram_in_.push_back({b.buffer, a.agcu, st.bytes, path(i, true)});
    } else if (src == UnitKind::PMU && dst == UnitKind::AGCU) {
      dram_out_.push_back({a.buffer, b.agcu, st.bytes, path(i, true)});
    } else {
      TESSERA_CHECK(false, "stream {} joins a {} to a {}", i, compile::name(src), compile::name(dst));
    }
  }

  static void set_end(EndKind& kind, int& index, EndKind k, int i) {
    TESSERA_CHECK(index < 0 || (kind == k && index == i), "a PMU buffer has two producers or consumers");
    kind = k;
    index = i;
  }

  // A tensor leaving the section may be striped over several staging PMUs:
  // each stripe is a write stream of its exact share of the bytes, the i-th
  // part of each tile.
  void add_dram_writes() {
    std::map<int32_t, std::vector<size_t>> stripes;  // tensor -> dram_out_ entries, in stream order
    for (size_t i = 0; i < dram_out_.size(); ++i) stripes[tensor_[static_cast<size_t>(dram_out_[i].buffer)]].push_back(i);
    for (const auto& [t, outs] : stripes) {
      const compile::TensorInfo& ti = sp_.tensors[static_cast<size_t>(t)];
      const int64_t n = static_cast<int64_t>(outs.size());
      for (int64_t i = 0; i < n; ++i) {
        DramIn& o = dram_out_[outs[static_cast<size_t>(i)]];
        const compile::KernelPlan& kp = sp_.kernels[static_cast<size_t>(sp_.units[plan_.buffers[o.buffer].unit].kernel)];
        DramStreamItem w;
        w.write = true;
        w.tensor = ti.name;
        w.tier = layout_.tier[static_cast<size_t>(t)];
        w.tiles = std::max<int64_t>(1, kp.tiles);
        // Stripe i writes the i-th part of every tile, so a tile's stripes
        // are one contiguous range over all the channels.
        const int64_t tile_bytes = ti.bytes / w.tiles;
        w.address = layout_.address[static_cast<size_t>(t)] + tile_bytes * i / n;
        if (n > 1 && w.tiles > 1 && tile_bytes > 0) w.tile_stride = tile_bytes;
        w.dram_bytes = w.tensor_bytes = split(ti.bytes, n, i);
        w.agcu = o.agcu;
        w.source = o.buffer;
        w.path = std::move(o.path);
        BufferItem& b = plan_.buffers[o.buffer];
        set_end(b.consumer_kind, b.consumer, EndKind::Dram, static_cast<int>(plan_.dram_streams.size()));
        plan_.dram_streams.push_back(std::move(w));
      }
    }
  }

  // Read streams: one per tensor (read once, multicast to every buffer that
  // holds it), except weights streamed per tile, which each kernel re-reads.
  void add_dram_reads() {
    std::map<std::pair<int32_t, int>, int> stream_of;  // (root, kernel or -1) -> stream
    std::map<int, int> first_kernel;                    // stream -> the kernel whose slices split its reads
    for (DramIn& in : dram_in_) {
      BufferItem& b = plan_.buffers[in.buffer];
      const int kernel = sp_.units[static_cast<size_t>(b.unit)].kernel;
      const compile::KernelPlan& kp = sp_.kernels[static_cast<size_t>(kernel)];
      const int32_t root = compile::storage_root(sp_, tensor_[static_cast<size_t>(in.buffer)]);
      const compile::TensorInfo& ti = sp_.tensors[static_cast<size_t>(root)];
      const bool streamed = ti.weight && !kp.weights_resident;
      b.resident = ti.weight && kp.weights_resident;
      auto [it, added] = stream_of.emplace(std::make_pair(root, streamed ? kernel : -1), static_cast<int>(plan_.dram_streams.size()));
      if (added) {
        DramStreamItem r;
        r.tensor = ti.name;
        r.tier = layout_.tier[static_cast<size_t>(root)];
        r.address = layout_.address[static_cast<size_t>(root)];
        r.tiles = b.resident ? 1 : std::max<int64_t>(1, kp.tiles);
        r.tensor_bytes = ti.bytes;
        r.dram_bytes = streamed ? ti.bytes * r.tiles : ti.bytes;
        r.agcu = in.agcu;
        plan_.dram_streams.push_back(std::move(r));
      }
      DramStreamItem& r = plan_.dram_streams[static_cast<size_t>(it->second)];
      if (added) first_kernel[it->second] = kernel;
      if (first_kernel[it->second] == kernel) r.issuers.push_back(in.agcu);  // one part per slice or stripe
      r.targets.push_back({in.buffer, in.agcu, streamed ? r.dram_bytes : in.bytes, std::move(in.path)});
      set_end(b.producer_kind, b.producer, EndKind::Dram, it->second);
      b.producer_tiles = r.tiles;
    }
  }

  // A kernel hands its results on in steps: its tiles, or the finer tiles
  // of an on-chip neighbour (producer or consumer) when its output has at
  // least that many elements and its run that many cycles, as a row-wise
  // reduction streams its rows even when its whole output is one vector [A].
  // Without this a one-tile kernel between two many-tile kernels would
  // drain the pipeline.
  void refine_steps() {
    for (bool changed = true; changed;) {  // to a fixpoint: steps only grow, up to each kernel's elements
      changed = false;
      for (const BufferItem& b : plan_.buffers) {
        if (b.producer_kind != EndKind::Kernel || b.consumer_kind != EndKind::Kernel || b.producer < 0 || b.consumer < 0)
          continue;
        KernelItem& p = plan_.kernels[b.producer];
        KernelItem& c = plan_.kernels[b.consumer];
        changed |= refine(p, c.tiles);
        changed |= refine(c, p.tiles);
      }
    }
  }

  bool refine(KernelItem& k, int64_t neighbour_steps) const {
    const int64_t elements = std::max<int64_t>(1, sp_.kernels[static_cast<size_t>(k.kernel)].elements);
    const int64_t steps = std::max(k.tiles, std::min(neighbour_steps, elements));
    if (steps == k.tiles) return false;
    k.tiles = steps;
    return true;
  }

  void finish_buffers() {
    for (BufferItem& b : plan_.buffers) {
      TESSERA_CHECK(b.producer >= 0, "PMU '{}' of section {} has no producer", b.role, s_.name);
      if (b.producer_kind == EndKind::Kernel) b.producer_tiles = plan_.kernels[b.producer].tiles;
      if (b.consumer_kind == EndKind::Kernel) b.consumer_tiles = plan_.kernels[b.consumer].tiles;
      else if (b.consumer_kind == EndKind::Dram) b.consumer_tiles = plan_.dram_streams[b.consumer].tiles;
      else b.consumer_tiles = b.producer_tiles;  // a sink frees each tile as it comes
    }
    for (KernelItem& k : plan_.kernels) {
      for (const KernelRead& r : k.reads) add_once(k.inputs, r.buffer);
      for (const KernelWrite& w : k.writes) add_once(k.outputs, w.buffer);
    }
    set_depths();
    for (DramStreamItem& d : plan_.dram_streams) {
      d.priority = static_cast<int64_t>(plan_.kernels.size());
      if (d.write) d.priority = std::max(0, plan_.buffers[d.source].producer);
      for (const DramTarget& t : d.targets)
        if (plan_.buffers[t.buffer].consumer_kind == EndKind::Kernel)
          d.priority = std::min<int64_t>(d.priority, plan_.buffers[t.buffer].consumer);
    }
  }

  // A buffer holds as many tiles as fit its PMU (at least two: double
  // buffering). Like Spatial's N-buffered memories, a buffer whose consumer
  // also waits on a longer path from the same producer needs one tile per
  // kernel on that path (plus one) so the short path never stalls the
  // producer; when that is more than fits, it is given anyway and noted.
  void set_depths() {
    std::vector<int64_t> bytes(plan_.buffers.size(), 0);  // written into each buffer over the run
    for (const KernelItem& k : plan_.kernels)
      for (const KernelWrite& w : k.writes) bytes[static_cast<size_t>(w.buffer)] += w.bytes;
    for (const DramStreamItem& d : plan_.dram_streams)
      for (const DramTarget& t : d.targets) bytes[static_cast<size_t>(t.buffer)] += t.bytes;
    std::vector<int> fits(plan_.buffers.size(), 2);
    for (size_t b = 0; b < plan_.buffers.size(); ++b) {
      const BufferItem& buf = plan_.buffers[b];
      const int64_t tiles = std::max(buf.producer_tiles, buf.consumer_tiles);
      const int64_t tile_bytes = std::max<int64_t>(1, (bytes[b] + tiles - 1) / tiles);
      fits[b] = static_cast<int>(std::clamp<int64_t>(sp_.chip.pmu_bytes / tile_bytes, 2, tiles + 1));
      plan_.buffers[b].depth = fits[b];
    }
    const size_t n = plan_.kernels.size();
    std::vector<std::vector<int>> next(n);
    for (const BufferItem& b : plan_.buffers)
      if (b.producer_kind == EndKind::Kernel && b.consumer_kind == EndKind::Kernel) add_once(next[b.producer], b.consumer);
    int deeper = 0;
    for (size_t p = 0; p < n; ++p) {
      std::vector<int> longest(n, -1);  // edges on the longest path p -> k (items are in program order)
      longest[p] = 0;
      for (size_t k = p; k < n; ++k)
        if (longest[k] >= 0)
          for (int c : next[k]) longest[static_cast<size_t>(c)] = std::max(longest[static_cast<size_t>(c)], longest[k] + 1);
      for (BufferItem& b : plan_.buffers)
        if (b.producer_kind == EndKind::Kernel && b.consumer_kind == EndKind::Kernel && b.producer == static_cast<int>(p)) {
          const int need = longest[static_cast<size_t>(b.consumer)] + 1;
          const size_t i = static_cast<size_t>(&b - plan_.buffers.data());
          b.depth = std::max(fits[i], need);
          deeper += need > fits[i];
        }
    }
    if (deeper > 0)
      plan_.notes.push_back(fmt::format("{}: {} buffers on reconverging paths need more tiles than their PMU holds; "
                                        "simulated with the space they need", s_.name, deeper));
  }

  static void add_once(std::vector<int>& v, int x) {
    if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
  }

  // Pipeline depth per copy: its stages, the hops between its chained PCUs,
  // and the reduction tree when the kernel reduces (reads more than it writes).
  void finish_kernel(KernelItem& k) {
    const compile::KernelPlan& kp = sp_.kernels[static_cast<size_t>(k.kernel)];
    int64_t in_bytes = 0, out_bytes = 0;
    for (int32_t t : kp.inputs)
      if (!sp_.tensors[static_cast<size_t>(t)].weight) in_bytes = std::max(in_bytes, sp_.tensors[static_cast<size_t>(t)].bytes);
    for (int32_t t : kp.outputs) out_bytes += sp_.tensors[static_cast<size_t>(t)].bytes;
    const bool reduces = !kp.contraction && in_bytes > out_bytes;
    k.depth.assign(static_cast<size_t>(k.par), k.chain * spec_.stages + (reduces ? spec_.reduction_stages : 0));
    for (const ChainHop& h : k.chain_hops) {
      int hop = h.path.delivery_latency;
      for (int l : h.path.links) hop += plan_.links[static_cast<size_t>(l)].latency;
      k.depth[static_cast<size_t>(h.copy)] += hop;
    }
  }

  const SpatialProgram& sp_;
  const compile::Section& s_;
  const CycleSpec& spec_;
  const DramLayout& layout_;
  const AccessFacts* access_;
  SectionPlan plan_;
  std::map<int, UnitRef> refs_;       // unit -> what it is in the plan
  std::vector<int32_t> tensor_;       // per buffer
  std::vector<DramIn> dram_in_, dram_out_;  // AGCU -> PMU and PMU -> AGCU streams
  std::map<int64_t, int> link_of_;    // link key -> LinkPlan index
};

}  // namespace

SectionPlan plan_section(const SpatialProgram& sp, int section, const CycleSpec& spec, const DramLayout& layout,
                         const AccessFacts* access) {
  return PlanBuilder(sp, section, spec, layout, access).build();
}

}  // namespace tessera::sim::cycle
