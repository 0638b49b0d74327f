// The parts of one section, built from its plan through the part registry,
// and the engine they share. Parts find each other here in connect(); the
// section driver (section.cpp) runs the engine and collects their stats.
#pragma once

#include <memory>
#include <vector>

#include "tessera/sim/cycle/engine.h"
#include "tessera/sim/cycle/part.h"

namespace tessera::sim::cycle {

class AgcuPart;
class DramPart;
class LinkPart;
class PcuPart;
class PmuPart;
class StreamPart;

class Fabric {
 public:
  // Creates and initialises a part for every item of the plan, then connects them.
  explicit Fabric(const RunContext& ctx);

  Engine& engine() { return engine_; }
  PcuPart* kernel(int i);
  PmuPart* buffer(int i);
  AgcuPart* agcu(int i);
  StreamPart* stream(int i);
  LinkPart* link(int i);
  std::vector<LinkPart*> links(const PathPlan& path);
  DramPart& dram();

  size_t kernels() const { return kernels_.size(); }
  size_t buffers() const { return buffers_.size(); }
  size_t streams() const { return streams_.size(); }
  // Every part, in creation order (for finalize).
  const std::vector<Part*>& parts() const { return all_; }

 private:
  std::vector<std::unique_ptr<Part>> make(const char* kind, size_t n, const RunContext& ctx);

  Engine engine_;
  std::vector<std::unique_ptr<Part>> kernels_, buffers_, agcus_, streams_, links_, dram_;
  std::vector<Part*> all_;
};

}  // namespace tessera::sim::cycle
