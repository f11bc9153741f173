// The Vulkan compute backend: GLSL compute shaders (SPIR-V embedded at build time) run on any
// Vulkan 1.1 device, with intermediates in host memory imported through
// VK_EXT_external_memory_host where the device shares memory with the CPU (zero copy), and
// device-local memory with counted staging copies where it does not.
//
// Environment: SOCD_VK_FP16=1 selects the fp16-storage shader variants (weights stored as
// fp16, math in fp32); SOCD_VK_FORCE_STAGING=1 takes the non-unified path on a unified device;
// SOCD_VK_VALIDATION=1 enables VK_LAYER_KHRONOS_validation with a debug-utils messenger;
// SOCD_VK_NO_FLOAT64=1 treats the device as lacking shaderFloat64 (the typed shaders' no-double
// variant, float64 tensors refused), to test that path on a device that has it.
#pragma once

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/backend.h"

namespace socd::vulkan {

// Opens device `device` (index among this API's devices) and returns the backend for it.
absl::StatusOr<std::unique_ptr<backends::Backend>> CreateVulkanBackend(int device, int threads);

// Every device this API offers on this machine (an empty list when there is no driver).
absl::StatusOr<std::vector<backends::DeviceDescription>> ListVulkanDevices();

// Zero-copy for caller memory: inputs and out_dest pointers inside a registered range (a
// UnifiedBuffer: page-aligned and mapped to a page boundary) are imported into Vulkan instead of
// copied, and the imports are cached across runs until the range is unregistered. Unregistered
// memory is imported only when its pointer and size are both multiples of the device's
// minImportedHostPointerAlignment.
void RegisterHostMemory(const void* base, size_t bytes);
void UnregisterHostMemory(const void* base);

}  // namespace socd::vulkan
