// What the GPU test binaries share: one backend of either kind, by name, so a test body is
// written once and instantiated for "vulkan" and "opencl". Attribute builders come from
// tests/cpu/node_runner.h.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "backends/backend.h"
#include "backends/opencl/opencl_backend.h"
#include "backends/vulkan/vulkan_backend.h"

namespace socd::gpu_test {

// Device 0 of the named backend with one host thread; nullptr (and a test failure) if absent.
inline std::unique_ptr<backends::Backend> MakeGpuBackend(const std::string& which) {
  auto b =
      which == "vulkan" ? vulkan::CreateVulkanBackend(0, 1) : opencl::CreateOpenClBackend(0, 1);
  EXPECT_TRUE(b.ok()) << b.status();
  return b.ok() ? *std::move(b) : nullptr;
}

}  // namespace socd::gpu_test
