// The OpenCl backend. Placeholder: answers UNIMPLEMENTED until the backend lands.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "backends/backend.h"

namespace socd::opencl {

// Opens device `device` (index among this API's devices) and returns the backend for it.
absl::StatusOr<std::unique_ptr<backends::Backend>> CreateOpenClBackend(int device, int threads);

}  // namespace socd::opencl
