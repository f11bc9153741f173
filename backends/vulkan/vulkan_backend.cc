#include "backends/vulkan/vulkan_backend.h"

namespace socd::vulkan {

absl::StatusOr<std::unique_ptr<backends::Backend>> CreateVulkanBackend(int device, int threads) {
  return absl::UnimplementedError("the vulkan backend is not built yet");
}

absl::StatusOr<std::vector<backends::DeviceDescription>> ListVulkanDevices() {
  return std::vector<backends::DeviceDescription>{};
}

}  // namespace socd::vulkan
