// The registry behind RegisterHostMemory (vulkan_backend.h): caller memory socd may import by
// more than its tensor's exact size (whole UnifiedBuffers, mapped to a page boundary).
#pragma once

#include <cstddef>
#include <cstdint>

namespace socd::vulkan {

// The serial number of the registration whose range holds [p, p + bytes), or 0. A range
// registered again (even at the same address) gets a new serial, so cached imports keyed by it
// never outlive the memory they were made from.
uint64_t RegisteredHostMemory(const void* p, size_t bytes);

}  // namespace socd::vulkan
