#include "backends/opencl/opencl_backend.h"

namespace socd::opencl {

absl::StatusOr<std::unique_ptr<backends::Backend>> CreateOpenClBackend(int device, int threads) {
  return absl::UnimplementedError("the opencl backend is not built yet");
}

absl::StatusOr<std::vector<backends::DeviceDescription>> ListOpenClDevices() {
  return std::vector<backends::DeviceDescription>{};
}

}  // namespace socd::opencl
