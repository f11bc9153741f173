// OpenCL device discovery (every platform x device, platform-major order: the --device
// number) and the per-process runtime of one opened device: its context and its program.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/backend.h"
#include "backends/opencl/cl_api.h"
#include "backends/opencl/cl_program_cache.h"

namespace socd::opencl {

struct ClDeviceInfo {
  cl_platform_id platform = nullptr;
  cl_device_id device = nullptr;
  backends::DeviceDescription desc;
  std::string platform_name;
  std::string driver_version;  // CL_DRIVER_VERSION
  size_t base_align = 128;     // CL_DEVICE_MEM_BASE_ADDR_ALIGN in bytes (sub-buffer offsets)
  bool host_unified = false;   // CL_DEVICE_HOST_UNIFIED_MEMORY
  size_t max_work_group = 1;
  bool fp64 = false;  // cl_khr_fp64
};

// Every device of every platform; empty when no driver (ICD) is installed.
absl::StatusOr<std::vector<ClDeviceInfo>> EnumerateClDevices();

// One opened device, shared by the backend and its partitions (partitions keep it alive).
// Opened once per process and device index: socd-conformance creates a backend twice in
// every forked test, which must not pay driver start-up twice.
class ClRuntime {
 public:
  static absl::StatusOr<std::shared_ptr<ClRuntime>> Open(int index);
  ~ClRuntime();
  ClRuntime(const ClRuntime&) = delete;
  ClRuntime& operator=(const ClRuntime&) = delete;

  const ClDeviceInfo& info() const { return info_; }
  cl_context context() const { return context_; }
  cl_device_id device() const { return info_.device; }
  // Host memory is not the device's: buffers live on the device and every transfer is an
  // explicit staging copy. True on non-unified devices and with SOCD_CL_FORCE_STAGING=1.
  bool staging() const { return staging_; }
  // Alignment of arena offsets, sub-buffers and imported host memory.
  size_t alignment() const;
  // The program with every socd kernel, built (or loaded from the disk cache) on first use.
  absl::StatusOr<cl_program> Program();
  ProgramBuildStats build_stats() const;

 private:
  ClRuntime() = default;
  ClDeviceInfo info_;
  cl_context context_ = nullptr;
  bool staging_ = false;
  mutable std::mutex mu_;
  cl_program program_ = nullptr;
  ProgramBuildStats build_stats_;
};

}  // namespace socd::opencl
