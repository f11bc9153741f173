// Liveness-based placement of all intermediates of one inference in a single arena.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace socd::graph {

struct BufferRequest {
  size_t bytes = 0;
  int first_step = 0;  // node index that writes it
  int last_step = 0;   // last node index that reads it (INT32_MAX-ish for graph outputs)
};

struct MemoryPlan {
  std::vector<size_t> offsets;  // one per request
  size_t arena_bytes = 0;       // size of the single arena
  size_t total_bytes = 0;       // sum of all request sizes (what no reuse would need)
};

// Greedy by size (largest first), each buffer placed at the lowest aligned offset that does not
// overlap a placed buffer whose lifetime intersects its own (the TFLite arena strategy).
MemoryPlan PlanMemory(const std::vector<BufferRequest>& requests, size_t alignment = 64);

}  // namespace socd::graph
