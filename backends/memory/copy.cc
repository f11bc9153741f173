#include "backends/memory/copy.h"

#include <atomic>
#include <cstring>

namespace socd::memory {
namespace {
std::atomic<uint64_t> g_copied{0};
thread_local uint64_t t_copied = 0;
}  // namespace

void CopyBytes(void* dst, const void* src, size_t bytes) {
  if (bytes == 0 || dst == src) return;
  std::memcpy(dst, src, bytes);
  g_copied.fetch_add(bytes, std::memory_order_relaxed);
  t_copied += bytes;
}

uint64_t BytesCopied() { return g_copied.load(std::memory_order_relaxed); }
uint64_t ThreadBytesCopied() { return t_copied; }

}  // namespace socd::memory
