#include "backends/backend.h"

namespace socd::backends {

absl::string_view BackendKindName(BackendKind k) {
  switch (k) {
    case BackendKind::kCpu: return "cpu";
    case BackendKind::kVulkan: return "vulkan";
    case BackendKind::kOpenCL: return "opencl";
    case BackendKind::kNpu: return "npu";
  }
  return "unknown";
}

}  // namespace socd::backends
