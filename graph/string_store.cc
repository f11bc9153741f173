#include "graph/string_store.h"

#include <algorithm>
#include <cstring>

namespace socd::graph {

namespace {
constexpr size_t kStringBlock = 4096;
}  // namespace

StringElem StringPool::Add(absl::string_view s) {
  if (s.empty()) return {};
  if (blocks_.empty() || cap_ - used_ < s.size()) {
    // Large strings get a block of their own; small ones share 4 KiB blocks.
    cap_ = std::max(kStringBlock, s.size());
    blocks_.push_back(std::make_unique<char[]>(cap_));
    used_ = 0;
  }
  char* p = blocks_.back().get() + used_;
  std::memcpy(p, s.data(), s.size());
  used_ += s.size();
  bytes_ += s.size();
  return {p, s.size()};
}

void StringPool::Clear() {
  // Blocks are freed, not recycled: a view that outlives its run then points at freed memory,
  // which ASan reports, instead of at a later run's characters, which nothing would.
  blocks_.clear();
  objects_.clear();
  used_ = 0;
  cap_ = 0;
  bytes_ = 0;
}

}  // namespace socd::graph
