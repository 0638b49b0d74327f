// A PMU holding one buffer between a producer (a kernel's PCUs or a DRAM
// stream) and a consumer (a kernel, a DRAM write stream, or nothing). Data
// moves in tiles: the producer writes its tiles, the consumer reads its own,
// and with Tp producer and Tc consumer tiles consumer tile j needs the first
// ceil((j+1)·Tp/Tc) producer tiles. The buffer is N-buffered (plan.h: two
// tiles, more where a longer path reconverges): it holds N tiles of whichever
// side's tiles are larger, and the producer may only write a tile that fits
// the space the consumer has released (credits). A resident buffer (weights)
// is filled once and read by every tile.
//
// The SRAM has `banks` word-interleaved banks behind each port; a read whose
// lanes collide on banks takes `conflict` times the conflict-free cycles
// (bank_conflict_degree for a stride; access.h for the kernel's real
// strides), and every extra bank cycle is counted as a conflict.
#pragma once

#include <cstdint>
#include <set>
#include <vector>

#include "tessera/sim/cycle/network.h"
#include "tessera/sim/cycle/part.h"
#include "tessera/sim/cycle/rate_server.h"

namespace tessera::sim::cycle {

class PmuPart : public Part {
 public:
  void init(const RunContext& ctx, int index) override;
  void tick(Engine& engine, int64_t tag) override;
  void finalize(SectionStats& stats) const override;

  // Consumer side.
  bool ready(int64_t consumer_tile) const;
  void wait_for_data(Part* consumer);
  RateServer::Slot read(int64_t at, int64_t bytes);  // through the read ports, bank conflicts applied
  void release_at(Engine& engine, int64_t time, int64_t consumer_tile);
  // Producer side.
  bool room(int64_t producer_tile) const;
  void wait_for_room(Part* producer);
  Flow write(Flow in, int64_t bytes);  // through the write ports
  void arrive_at(Engine& engine, int64_t time, int64_t producer_tile);

  // Deadlock recovery: doubles the space the consumer can leave to the producer.
  bool enlarge_if_blocked(Engine& engine);
  bool producer_blocked() const { return !producer_waiters_.empty(); }
  const BufferItem& item() const { return *item_; }
  int64_t arrived() const { return arrived_; }
  int64_t released() const { return released_; }

 private:
  static void advance(int64_t& count, std::set<int64_t>& early, int64_t tile);
  void wake(Engine& engine, std::vector<Part*>& waiters);

  const BufferItem* item_ = nullptr;
  const CycleSpec* spec_ = nullptr;
  RateServer read_port_, write_port_;
  int64_t arrived_ = 0, released_ = 0;  // producer tiles in; consumer tiles freed (in order)
  std::set<int64_t> early_arrivals_, early_releases_;
  int64_t window_ = 2;                  // consumer tiles of space
  std::vector<Part*> consumer_waiters_, producer_waiters_;
  double conflicts_ = 0;  // extra bank cycles
};

}  // namespace tessera::sim::cycle
