#include "backends/memory/unified_buffer.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace socd::memory {

absl::StatusOr<std::unique_ptr<UnifiedBuffer>> UnifiedBuffer::Allocate(size_t bytes,
                                                                       const std::string& name) {
  size_t mapped = (std::max<size_t>(bytes, 1) + kPageSize - 1) / kPageSize * kPageSize;
  int fd = memfd_create(name.c_str(), MFD_CLOEXEC);
  if (fd < 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("memfd_create('", name, "') failed: ", std::strerror(errno)));
  }
  if (ftruncate(fd, static_cast<off_t>(mapped)) != 0) {
    int e = errno;
    close(fd);
    return absl::ResourceExhaustedError(absl::StrCat("cannot size unified buffer '", name, "' to ",
                                                     mapped, " bytes: ", std::strerror(e)));
  }
  void* p = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    int e = errno;
    close(fd);
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot map unified buffer '", name, "': ", std::strerror(e)));
  }
  return std::unique_ptr<UnifiedBuffer>(new UnifiedBuffer(p, bytes, mapped, fd));
}

UnifiedBuffer::~UnifiedBuffer() {
  munmap(data_, mapped_);
  close(fd_);
}

bool IsImportable(const void* p, size_t bytes, size_t alignment) {
  if (alignment == 0) return true;
  return reinterpret_cast<uintptr_t>(p) % alignment == 0 && bytes % alignment == 0;
}

}  // namespace socd::memory
