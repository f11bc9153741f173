#include "graph/memory_plan.h"

#include <gtest/gtest.h>

namespace socd::graph {
namespace {

bool Overlap(size_t a, size_t an, size_t b, size_t bn) { return a < b + bn && b < a + an; }

TEST(MemoryPlan, ReusesMemoryOfDeadTensors) {
  // A chain a -> b -> c: a is dead when c is written, so c can take a's place.
  std::vector<BufferRequest> r = {{1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}};
  MemoryPlan p = PlanMemory(r, 64);
  EXPECT_EQ(p.total_bytes, 3000u);
  EXPECT_LT(p.arena_bytes, 3 * 1024u);
  EXPECT_EQ(p.offsets[0], p.offsets[2]);
}

TEST(MemoryPlan, LiveTensorsNeverOverlap) {
  std::vector<BufferRequest> r;
  for (int i = 0; i < 50; ++i)
    r.push_back({size_t(100 + 37 * (i % 7)), i % 10, i % 10 + 3 + i % 4});
  MemoryPlan p = PlanMemory(r, 64);
  for (size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(p.offsets[i] % 64, 0u);
    EXPECT_LE(p.offsets[i] + r[i].bytes, p.arena_bytes);
    for (size_t j = i + 1; j < r.size(); ++j) {
      bool live_together = !(r[i].last_step < r[j].first_step || r[j].last_step < r[i].first_step);
      if (live_together) {
        EXPECT_FALSE(Overlap(p.offsets[i], r[i].bytes, p.offsets[j], r[j].bytes)) << i << " " << j;
      }
    }
  }
}

}  // namespace
}  // namespace socd::graph
