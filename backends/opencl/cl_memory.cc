#include "backends/opencl/cl_memory.h"

#include "absl/strings/str_format.h"
#include "backends/memory/copy.h"
#include "backends/memory/unified_buffer.h"

namespace socd::opencl {

absl::Status CheckImportable(const void* p, size_t bytes, size_t alignment) {
  if (p && memory::IsImportable(p, bytes, alignment)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrFormat(
      "opencl: cannot import host memory %p (%u bytes) zero-copy: pointer and size must be "
      "multiples of %u bytes (CL_DEVICE_MEM_BASE_ADDR_ALIGN)",
      p, bytes, alignment));
}

absl::StatusOr<cl_mem> WrapHostMemory(cl_context ctx, void* p, size_t bytes, size_t alignment,
                                      cl_mem_flags access) {
  if (auto s = CheckImportable(p, bytes, alignment); !s.ok()) return s;
  cl_int err = CL_SUCCESS;
  cl_mem m = clCreateBuffer(ctx, access | CL_MEM_USE_HOST_PTR, bytes, p, &err);
  if (err != CL_SUCCESS) return ClError("clCreateBuffer(CL_MEM_USE_HOST_PTR)", err);
  return m;
}

void* BufferHostPtr(cl_mem m) {
  void* p = nullptr;
  if (clGetMemObjectInfo(m, CL_MEM_HOST_PTR, sizeof p, &p, nullptr) != CL_SUCCESS) return nullptr;
  return p;
}

absl::Status StageIn(cl_command_queue q, cl_mem dst, size_t offset, const void* src, size_t bytes) {
  if (bytes == 0) return absl::OkStatus();
  cl_int err = CL_SUCCESS;
  void* p = clEnqueueMapBuffer(q, dst, CL_TRUE, CL_MAP_WRITE_INVALIDATE_REGION, offset, bytes, 0,
                               nullptr, nullptr, &err);
  if (err != CL_SUCCESS) return ClError("clEnqueueMapBuffer(write)", err);
  memory::CopyBytes(p, src, bytes);
  SOCD_CL_RETURN_IF_ERROR(clEnqueueUnmapMemObject(q, dst, p, 0, nullptr, nullptr));
  return absl::OkStatus();
}

absl::Status StageOut(cl_command_queue q, cl_mem src, size_t offset, void* dst, size_t bytes) {
  if (bytes == 0) return absl::OkStatus();
  cl_int err = CL_SUCCESS;
  void* p =
      clEnqueueMapBuffer(q, src, CL_TRUE, CL_MAP_READ, offset, bytes, 0, nullptr, nullptr, &err);
  if (err != CL_SUCCESS) return ClError("clEnqueueMapBuffer(read)", err);
  memory::CopyBytes(dst, p, bytes);
  SOCD_CL_RETURN_IF_ERROR(clEnqueueUnmapMemObject(q, src, p, 0, nullptr, nullptr));
  return absl::OkStatus();
}

}  // namespace socd::opencl
