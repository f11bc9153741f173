#include "backends/vulkan/vk_host_memory.h"
#include "backends/vulkan/vulkan_backend.h"

#include <map>
#include <mutex>

namespace socd::vulkan {
namespace vk_host_memory {

std::mutex g_mu;
struct Range {
  size_t bytes;
  uint64_t serial;
};
std::map<uintptr_t, Range> g_ranges;  // by base address
uint64_t g_serial = 0;

}  // namespace vk_host_memory

void RegisterHostMemory(const void* base, size_t bytes) {
  std::lock_guard<std::mutex> l(vk_host_memory::g_mu);
  vk_host_memory::g_ranges[reinterpret_cast<uintptr_t>(base)] = {bytes, ++vk_host_memory::g_serial};
}

void UnregisterHostMemory(const void* base) {
  std::lock_guard<std::mutex> l(vk_host_memory::g_mu);
  vk_host_memory::g_ranges.erase(reinterpret_cast<uintptr_t>(base));
}

uint64_t RegisteredHostMemory(const void* p, size_t bytes) {
  std::lock_guard<std::mutex> l(vk_host_memory::g_mu);
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  auto it = vk_host_memory::g_ranges.upper_bound(a);
  if (it == vk_host_memory::g_ranges.begin()) return 0;
  --it;
  return a >= it->first && a + bytes <= it->first + it->second.bytes ? it->second.serial : 0;
}

}  // namespace socd::vulkan
