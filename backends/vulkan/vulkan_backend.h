// The Vulkan backend. Placeholder: answers UNIMPLEMENTED until the backend lands.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "backends/backend.h"

namespace socd::vulkan {

// Opens device `device` (index among this API's devices) and returns the backend for it.
absl::StatusOr<std::unique_ptr<backends::Backend>> CreateVulkanBackend(int device, int threads);

}  // namespace socd::vulkan
