// The OpenCL backend: OpenCL C 1.2 kernels (backends/opencl/kernels) on any OpenCL device
// (PoCL on the CPU included), intermediates zero-copy in UnifiedBuffers on host-unified
// devices, staged through memory::CopyBytes elsewhere.
#pragma once

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/backend.h"

namespace socd::opencl {

// Opens device `device` (index among this API's devices: every platform's devices in order)
// and returns the backend for it.
absl::StatusOr<std::unique_ptr<backends::Backend>> CreateOpenClBackend(int device, int threads);

// Every device this API offers on this machine (an empty list when there is no driver).
absl::StatusOr<std::vector<backends::DeviceDescription>> ListOpenClDevices();

}  // namespace socd::opencl
