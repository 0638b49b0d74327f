// Congestion-aware shortest paths on the static mesh, for the router's
// detours. A link costs one hop, plus a little for the demand it already
// carries (so detours spread out), plus its history of overload (links that
// stayed overloaded through reroute rounds), plus a steep price for the
// overflow this stream would add. The search stays within the endpoints'
// bounding box widened by a few switches, and weighs the distance still to
// go by 1.5 (weighted A*: it expands far fewer switches on a loaded mesh, for
// paths a few percent costlier). Deterministic: ties go to the lower switch id.
#pragma once

#include <vector>

#include "tessera/compile/route_mesh.h"

namespace tessera::compile {

class AStar {
 public:
  explicit AStar(const Mesh& mesh);
  // Switches from a to b inclusive.
  std::vector<Hop> find(const Hop& a, const Hop& b, double demand, double capacity, const std::vector<double>& load,
                        const std::vector<double>& history);

 private:
  const Mesh& mesh_;
  std::vector<double> cost_;  // best known cost from a, per switch
  std::vector<int> prev_;     // previous switch on that path
  std::vector<int> seen_;     // search that last set cost_ (so buffers need no clearing)
  std::vector<char> done_;
  int search_ = 0;
};

}  // namespace tessera::compile
