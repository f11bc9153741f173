// Host memory every backend can import without copying: page-aligned, memfd-backed (so it can
// be mapped by a client or handed to a GPU driver as host memory). On unified-memory SoCs this
// is where every tensor lives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace socd::memory {

constexpr size_t kPageSize = 4096;

class UnifiedBuffer {
 public:
  // Allocates `bytes` (rounded up to whole pages), zero-filled. `name` labels the memfd
  // (visible in /proc/PID/fd) for debugging.
  static absl::StatusOr<std::unique_ptr<UnifiedBuffer>> Allocate(size_t bytes,
                                                                 const std::string& name);
  ~UnifiedBuffer();
  UnifiedBuffer(const UnifiedBuffer&) = delete;
  UnifiedBuffer& operator=(const UnifiedBuffer&) = delete;

  void* data() const { return data_; }
  size_t size() const { return size_; }           // requested bytes
  size_t mapped_size() const { return mapped_; }  // page-rounded
  int fd() const { return fd_; }                  // memfd, owned by the buffer

 private:
  UnifiedBuffer(void* data, size_t size, size_t mapped, int fd)
      : data_(data), size_(size), mapped_(mapped), fd_(fd) {}
  void* data_;
  size_t size_;
  size_t mapped_;
  int fd_;
};

// True if `p` and `bytes` meet a device's import requirements (alignment of both pointer and
// size). Backends call this before importing and refuse with a clear error otherwise.
bool IsImportable(const void* p, size_t bytes, size_t alignment);

}  // namespace socd::memory
