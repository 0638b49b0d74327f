// The fast model's plan terms (sim/fast_plan.h) on hand-built section plans
// with hand-computed answers: DRAM channel interleaving, the controller's
// in-flight limit, and the pipeline's start, rate and drain.
#include <gtest/gtest.h>

#include "tessera/sim/common.h"
#include "tessera/sim/cycle/dram.h"
#include "tessera/sim/fast_plan.h"

namespace tessera::sim {
namespace {

using cycle::BufferItem;
using cycle::DramStreamItem;
using cycle::EndKind;
using cycle::KernelItem;

// 4 channels of 8 B/cycle, 100 cycles of latency; PMU ports of 64 B/cycle.
cycle::CycleSpec spec() {
  cycle::CycleSpec s;
  cycle::DramTierSpec t;
  t.name = "ddr";
  t.channels = 4;
  t.channel_bytes_per_cycle = 8;
  t.latency_cycles = 100;
  s.dram.push_back(t);
  s.pmu_port_bytes_per_cycle = 64;
  s.hop_latency = 1;
  s.dynamic_bytes_per_cycle = 1e9;  // no AGCU limit unless a test sets one
  return s;
}

DramModel dram() {
  DramModel m;
  m.share = {1};
  m.bytes_per_cycle = {32};
  m.channels = {4};
  m.pj_per_bit = {0};
  m.latency_cycles = 100;
  m.fastest_bytes_per_cycle = 32;
  return m;
}

DramStreamItem read(int64_t address, int64_t bytes, int64_t tiles, int64_t priority, int buffer) {
  DramStreamItem d;
  d.tensor = "t";
  d.address = address;
  d.dram_bytes = d.tensor_bytes = bytes;
  d.tiles = tiles;
  d.priority = priority;
  d.issuers = {0};
  d.targets.push_back({buffer, 0, bytes, {}});
  return d;
}

TEST(SimFastPlan, ChannelsInterleaveEveryFourKiB) {
  cycle::SectionPlan p;
  // 8 whole chunks from address 0: two per channel, 8192 B / 8 B per cycle.
  p.dram_streams.push_back(read(0, 8 * cycle::kDramChunkBytes, 1, 0, 0));
  EXPECT_DOUBLE_EQ(dram_channel_cycles(p, spec()), 1024);
  // Three small tensors, each in its own chunk: chunks 8, 12 and 16 all fall on channel 0.
  cycle::SectionPlan small;
  for (int64_t chunk : {8, 12, 16}) small.dram_streams.push_back(read(chunk * cycle::kDramChunkBytes, 800, 1, 0, 0));
  EXPECT_DOUBLE_EQ(dram_channel_cycles(small, spec()), 3 * 800 / 8.0);
  // The same bytes starting half way into a chunk: 2048 B on channel 0, 4096 on 1 and 2, 2048 on 3.
  cycle::SectionPlan offset;
  offset.dram_streams.push_back(read(cycle::kDramChunkBytes / 2, 3 * cycle::kDramChunkBytes, 1, 0, 0));
  EXPECT_DOUBLE_EQ(dram_channel_cycles(offset, spec()), 4096 / 8.0);
}

// One kernel reading a streamed input buffer (0) and a resident weight (1),
// writing a staging buffer (2) that a write stream drains.
cycle::SectionPlan one_kernel(int64_t vectors, int64_t tiles, int64_t weight_bytes, int64_t input_bytes) {
  cycle::SectionPlan p;
  KernelItem k;
  k.name = "k";
  k.vectors = vectors;
  k.tiles = tiles;
  k.depth = {6};
  k.inputs = {0, 1};
  k.outputs = {2};
  p.kernels.push_back(k);
  for (int b = 0; b < 3; ++b) {
    BufferItem item;
    item.producer_kind = b < 2 ? EndKind::Dram : EndKind::Kernel;
    item.producer = b < 2 ? b : 0;
    item.consumer_kind = b < 2 ? EndKind::Kernel : EndKind::Dram;
    item.consumer = b < 2 ? 0 : 2;
    item.resident = b == 1;
    item.depth = 2;
    p.buffers.push_back(item);
  }
  p.dram_streams.push_back(read(0, input_bytes, tiles, 0, 0));
  p.dram_streams.push_back(read(64 * cycle::kDramChunkBytes, weight_bytes, 1, 0, 1));
  DramStreamItem w;
  w.write = true;
  w.tensor = "y";
  w.address = 128 * cycle::kDramChunkBytes;
  w.dram_bytes = w.tensor_bytes = input_bytes;
  w.tiles = tiles;
  w.source = 2;
  p.dram_streams.push_back(w);
  return p;
}

TEST(SimFastPlan, AResidentWeightIsAPrologueAndTheRateFollows) {
  // A 4096 B weight in one chunk: 512 cycles on its channel, back after
  // 100, delivered 1 cycle later. The kernel then runs 10000 vector-steps;
  // its last of 10 tiles goes out (1 cycle), writes 64 B (one channel, 8
  // cycles) and waits the latency.
  const auto p = one_kernel(10000, 10, 4096, 640);
  const PipelineTime t = pipeline_time(p, spec(), dram());
  EXPECT_DOUBLE_EQ(t.rate, 10000);
  const double start = 100 + 1 + 4096 / 8.0, depth = 6 + 1, drain = 1 + 64 / 8.0 + 100;
  EXPECT_DOUBLE_EQ(t.cycles, start + 10000 + depth + drain);
  // Without the weight the kernel starts when its first 64 B tile is back.
  const PipelineTime bare = pipeline_time(one_kernel(10000, 10, 0, 640), spec(), dram());
  EXPECT_DOUBLE_EQ(bare.cycles, 100 + 1 + 64 / 8.0 + 10000 + depth + drain);
}

TEST(SimFastPlan, ManySmallRequestsAreLatencyBound) {
  // 1600 requests of 64 B each way: the bytes need 204800 / 32 = 6400
  // cycles, but a tier keeps 4 x 4 chunks in flight, each for the latency
  // plus its transfer. A request touches 1 + 64 / 4096 chunks on average (it
  // may straddle a boundary), each of 64 / (1 + 64 / 4096) bytes.
  const auto p = one_kernel(1, 1600, 0, 1600 * 64);
  const PipelineTime t = pipeline_time(p, spec(), dram());
  const double per_request = 1 + 64 / 4096.0, chunk = 64 / per_request;
  const double in_flight = cycle::kDramQueuePerChannel * 4;
  EXPECT_NEAR(t.dram, 2 * 1600 * per_request * (100 + chunk / 8) / in_flight, 1e-6);
  EXPECT_GT(t.dram, 6400);
  EXPECT_GE(t.cycles, 100 + 1600 * per_request * (100 + chunk / 8) / in_flight);
}

TEST(SimFastPlan, AConsumerStartsAfterItsProducersFirstStepsAndEndsAfterItsLast) {
  // k0 (1000 vectors, 10 tiles) feeds k1 (100 vectors, 10 tiles) through buffer 1.
  cycle::SectionPlan p;
  for (int i = 0; i < 2; ++i) {
    KernelItem k;
    k.name = i == 0 ? "slow" : "fast";
    k.vectors = i == 0 ? 1000 : 100;
    k.tiles = 10;
    k.depth = {6};
    k.inputs = {i};
    k.outputs = {i + 1};
    p.kernels.push_back(k);
  }
  for (int b = 0; b < 3; ++b) {
    BufferItem item;
    item.producer_kind = b == 0 ? EndKind::Dram : EndKind::Kernel;
    item.producer = b == 0 ? 0 : b - 1;
    item.consumer_kind = b == 2 ? EndKind::Sink : EndKind::Kernel;
    item.consumer = b == 2 ? -1 : b;
    item.producer_tiles = item.consumer_tiles = 10;
    item.depth = 2;
    p.buffers.push_back(item);
  }
  p.dram_streams.push_back(read(0, 640, 10, 0, 0));
  const PipelineTime t = pipeline_time(p, spec(), dram());
  const double k0_start = 100 + 1 + 64 / 8.0, depth = 7;
  const double k0_end = k0_start + 1000 + depth;
  EXPECT_DOUBLE_EQ(t.cycles, k0_end + 100 / 10.0 + depth);  // the last slow tile, then one fast step
  EXPECT_DOUBLE_EQ(t.rate, 1000);
}

}  // namespace
}  // namespace tessera::sim
