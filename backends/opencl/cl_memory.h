// Host memory <-> OpenCL buffers. On host-unified devices socd's memory (UnifiedBuffers,
// caller buffers) is wrapped with CL_MEM_USE_HOST_PTR after socd's own alignment check, so the
// device works on the very bytes the host sees. Elsewhere buffers live on the device and
// every transfer is a staging copy through memory::CopyBytes (mapped device memory), so
// bytes_copied counts it.
#pragma once

#include <cstddef>

#include "absl/status/statusor.h"
#include "backends/opencl/cl_api.h"

namespace socd::opencl {

// OK if `p`/`bytes` can be wrapped zero-copy (memory::IsImportable with the device's
// alignment); otherwise INVALID_ARGUMENT naming the pointer, size and required alignment.
absl::Status CheckImportable(const void* p, size_t bytes, size_t alignment);

// Wraps host memory (CL_MEM_USE_HOST_PTR) after CheckImportable. The caller owns the cl_mem.
absl::StatusOr<cl_mem> WrapHostMemory(cl_context ctx, void* p, size_t bytes, size_t alignment,
                                      cl_mem_flags access = CL_MEM_READ_WRITE);

// The host pointer a buffer was created with (CL_MEM_HOST_PTR), null if none: lets a test
// show that a wrapped buffer is the host memory itself.
void* BufferHostPtr(cl_mem m);

// Staging copies into / out of a device buffer: map, memory::CopyBytes, unmap.
absl::Status StageIn(cl_command_queue q, cl_mem dst, size_t offset, const void* src, size_t bytes);
absl::Status StageOut(cl_command_queue q, cl_mem src, size_t offset, void* dst, size_t bytes);

// RAII for cl_mem.
class ClMem {
 public:
  ClMem() = default;
  explicit ClMem(cl_mem m) : m_(m) {}
  ~ClMem() { reset(); }
  ClMem(ClMem&& o) noexcept : m_(o.m_) { o.m_ = nullptr; }
  ClMem& operator=(ClMem&& o) noexcept {
    if (this != &o) {
      reset();
      m_ = o.m_;
      o.m_ = nullptr;
    }
    return *this;
  }
  ClMem(const ClMem&) = delete;
  ClMem& operator=(const ClMem&) = delete;
  cl_mem get() const { return m_; }
  void reset(cl_mem m = nullptr) {
    if (m_) clReleaseMemObject(m_);
    m_ = m;
  }

 private:
  cl_mem m_ = nullptr;
};

}  // namespace socd::opencl
