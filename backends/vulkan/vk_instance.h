// The process's VkInstance (shared by every opened device) and physical-device discovery.
#pragma once

#include <vulkan/vulkan.h>

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/vulkan/vk_context.h"

namespace socd::vulkan {

struct Instance {
  VkInstance instance = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
  uint32_t api_version = VK_API_VERSION_1_1;
  ~Instance();
};

// The live instance, or a new one (validation layer + messenger when SOCD_VK_VALIDATION=1).
absl::StatusOr<std::shared_ptr<Instance>> AcquireInstance();

absl::StatusOr<std::vector<VkPhysicalDevice>> PhysicalDevices(VkInstance inst);

// Capabilities of one physical device (name, type, driver, unified memory decided from memory
// flags and VK_EXT_external_memory_host, fp16/int8, subgroup size, limits).
DeviceCaps DescribeDevice(VkPhysicalDevice pd, int index, uint32_t instance_api);

}  // namespace socd::vulkan
