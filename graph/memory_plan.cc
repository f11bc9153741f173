#include "graph/memory_plan.h"

#include <algorithm>
#include <numeric>

namespace socd::graph {

MemoryPlan PlanMemory(const std::vector<BufferRequest>& reqs, size_t alignment) {
  MemoryPlan plan;
  plan.offsets.assign(reqs.size(), 0);
  std::vector<size_t> order(reqs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return reqs[a].bytes > reqs[b].bytes; });
  auto align = [&](size_t x) { return (x + alignment - 1) / alignment * alignment; };
  std::vector<size_t> placed;  // indices, kept sorted by offset
  for (size_t r : order) {
    const auto& q = reqs[r];
    plan.total_bytes += q.bytes;
    size_t offset = 0;
    for (size_t p : placed) {
      const auto& o = reqs[p];
      bool overlap_in_time = !(o.last_step < q.first_step || q.last_step < o.first_step);
      if (!overlap_in_time) continue;
      size_t o_begin = plan.offsets[p], o_end = o_begin + align(o.bytes);
      if (offset + align(q.bytes) <= o_begin) break;  // fits in the gap before `p`
      offset = std::max(offset, o_end);
    }
    plan.offsets[r] = offset;
    plan.arena_bytes = std::max(plan.arena_bytes, offset + align(q.bytes));
    auto pos = std::upper_bound(placed.begin(), placed.end(), r, [&](size_t a, size_t b) {
      return plan.offsets[a] < plan.offsets[b];
    });
    placed.insert(pos, r);
  }
  return plan;
}

}  // namespace socd::graph
