#include "tessera/sim/cycle/dram.h"

#include <algorithm>

#include "tessera/sim/cycle/agcu.h"
#include "tessera/sim/cycle/engine.h"
#include "tessera/support/error.h"

namespace tessera::sim::cycle {

int64_t DramChannel::access(int64_t ready, int64_t bytes, bool write) {
  const bool turn = has_last_ && last_write_ != write;
  turnarounds_ += turn;
  has_last_ = true;
  last_write_ = write;
  const RateServer::Slot s = server_.serve(ready, static_cast<double>(bytes), turn ? tier_->turnaround_cycles : 0);
  (write ? written_ : read_) += bytes;
  return s.end + tier_->latency_cycles;
}

void DramPart::init(const RunContext& ctx, int index) {
  ctx_ = &ctx;
  name_ = "dram";
  for (const DramTierSpec& t : ctx.spec->dram) {
    tiers_.emplace_back(static_cast<size_t>(t.channels), DramChannel(t));
    limit_.push_back(t.channels * kDramQueuePerChannel);
    in_flight_.push_back(0);
  }
}

void DramPart::submit(Engine& e, const DramRequest& r) {
  const Key key{r.priority, r.tile, submitted_};
  by_id_.emplace(submitted_, key);
  Active& a = queue_.emplace(key, Active{r}).first->second;
  if (r.bytes <= 0) {  // nothing to move: done at once, through the usual path
    ++a.outstanding;
    ++in_flight_[static_cast<size_t>(r.tier)];
    e.schedule(e.now(), this, submitted_);
  }
  ++submitted_;
  if (!issue_due_) {  // after every request of this cycle is in, so the earliest needed goes first
    issue_due_ = true;
    e.schedule(e.now(), this, kIssue);
  }
}

// Tops up each tier's chunks in flight from the earliest-needed requests.
void DramPart::issue(Engine& e) {
  for (auto& [key, a] : queue_) {
    const size_t tier = static_cast<size_t>(a.r.tier);
    while (a.issued < a.r.bytes && in_flight_[tier] < limit_[tier]) {
      const int64_t at = a.r.address + a.issued;
      const int64_t n = std::min(a.r.bytes - a.issued, (at / kDramChunkBytes + 1) * kDramChunkBytes - at);
      const int64_t back = chunk(e.now(), a.r.tier, at, n, a.r.write);
      a.issued += n;
      ++a.outstanding;
      ++in_flight_[tier];
      e.schedule(std::max(back, e.now() + 1), this, std::get<2>(key));
    }
  }
}

void DramPart::tick(Engine& e, int64_t id) {
  if (id == kIssue) {
    issue_due_ = false;
    return issue(e);
  }
  const Key key = by_id_.at(id);
  Active& a = queue_.at(key);
  --in_flight_[static_cast<size_t>(a.r.tier)];
  --a.outstanding;
  if (a.flow.first < 0) a.flow.first = e.now();
  a.flow.last = e.now();
  if (a.issued == a.r.bytes && a.outstanding == 0) {
    const DramRequest r = a.r;
    const Flow f = a.flow;
    queue_.erase(key);
    by_id_.erase(id);
    if (r.stream) r.stream->dram_done(e, r, f);
  }
  issue(e);
}

int64_t DramPart::chunk(int64_t ready, int tier, int64_t address, int64_t bytes, bool write) {
  TESSERA_CHECK(tier >= 0 && tier < static_cast<int>(tiers_.size()), "no DRAM tier {}", tier);
  std::vector<DramChannel>& channels = tiers_[static_cast<size_t>(tier)];
  DramChannel& c = channels[static_cast<size_t>((address / kDramChunkBytes) % static_cast<int64_t>(channels.size()))];
  const int64_t done = c.access(ready, bytes, write);
  if (ctx_ && ctx_->trace) sample(done, bytes, write);
  return done;
}

void DramPart::finalize(SectionStats& stats) const {
  for (const auto& tier : tiers_)
    for (const DramChannel& c : tier) {
      stats.dram_busy = std::max(stats.dram_busy, c.busy_cycles());
      stats.dram_read_bytes += c.bytes_read();
      stats.dram_write_bytes += c.bytes_written();
    }
  if (ctx_->trace && !read_bins_.empty()) emit_counters();
}

void DramPart::sample(int64_t end, int64_t bytes, bool write) {
  last_end_ = std::max(last_end_, end);
  while (static_cast<size_t>(end / window_) >= kMaxBins) {
    for (std::vector<double>* bins : {&read_bins_, &write_bins_}) {
      for (size_t i = 0; i < bins->size(); ++i) (*bins)[i / 2] = (i % 2 ? (*bins)[i / 2] : 0) + (*bins)[i];
      bins->resize((bins->size() + 1) / 2);
    }
    window_ *= 2;
  }
  const size_t bin = static_cast<size_t>(end / window_);
  if (bin >= read_bins_.size()) {
    read_bins_.resize(bin + 1, 0);
    write_bins_.resize(bin + 1, 0);
  }
  (write ? write_bins_ : read_bins_)[bin] += static_cast<double>(bytes);
}

// Read, write and total bandwidth in GB/s, about 100 windows per section.
void DramPart::emit_counters() const {
  const size_t per = std::max<size_t>(1, (read_bins_.size() + 99) / 100);  // bins per counter window
  const int64_t last = last_end_;
  auto counter = [&](const char* name, int64_t at, double v) {
    ctx_->trace->push_back({name, "dram", 'C', ctx_->offset + at, 0, 1, v});
  };
  for (size_t i = 0; i < read_bins_.size(); i += per) {
    double read = 0, write = 0;
    for (size_t j = i; j < std::min(read_bins_.size(), i + per); ++j) read += read_bins_[j], write += write_bins_[j];
    const int64_t at = static_cast<int64_t>(i) * window_;
    const double cycles = static_cast<double>(std::min<int64_t>(static_cast<int64_t>(per) * window_, last - at));
    const double to_gbps = cycles > 0 ? ctx_->spec->clock_ghz / cycles : 0;  // bytes per window -> GB/s
    counter("DRAM bandwidth (GB/s)", at, (read + write) * to_gbps);
    counter("DRAM read (GB/s)", at, read * to_gbps);
    counter("DRAM write (GB/s)", at, write * to_gbps);
  }
  for (const char* name : {"DRAM bandwidth (GB/s)", "DRAM read (GB/s)", "DRAM write (GB/s)"}) counter(name, last, 0);
}

}  // namespace tessera::sim::cycle
