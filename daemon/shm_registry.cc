#include "daemon/shm_registry.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace socd::daemon {

ShmRegion::~ShmRegion() {
  if (base_) munmap(base_, map_len_);
}

absl::StatusOr<uint8_t*> ShmRegion::Slice(uint64_t off, uint64_t size) const {
  if (off > byte_size_ || size > byte_size_ - off) {
    return absl::InvalidArgumentError(absl::StrCat("shared memory region '", name_, "': offset ",
                                                   off, " + byte_size ", size,
                                                   " exceeds the region's ", byte_size_, " bytes"));
  }
  return data() + off;
}

absl::Status ShmRegistry::Register(const std::string& name, const std::string& key, uint64_t offset,
                                   uint64_t byte_size) {
  if (name.empty()) return absl::InvalidArgumentError("shared memory region name is empty");
  if (key.empty() || key.find('/', 1) != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("shared memory key '", key, "' must be a POSIX shm name like /region"));
  }
  if (byte_size == 0) return absl::InvalidArgumentError("shared memory byte_size is 0");
  {
    std::lock_guard<std::mutex> l(mu_);
    if (regions_.count(name)) {
      return absl::AlreadyExistsError(
          absl::StrCat("shared memory region '", name, "' is already registered"));
    }
  }
  int fd = shm_open(key.c_str(), O_RDWR, 0);
  if (fd < 0) {
    return absl::NotFoundError(
        absl::StrCat("cannot open shared memory key '", key, "': ", std::strerror(errno)));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || offset > static_cast<uint64_t>(st.st_size) ||
      byte_size > static_cast<uint64_t>(st.st_size) - offset) {
    close(fd);
    return absl::InvalidArgumentError(absl::StrCat("shared memory key '", key, "' is ", st.st_size,
                                                   " bytes; region [", offset, ", ",
                                                   offset + byte_size, ") does not fit"));
  }
  auto r = std::make_shared<ShmRegion>();
  r->name_ = name;
  r->key_ = key;
  r->offset_ = offset;
  r->byte_size_ = byte_size;
  long page = sysconf(_SC_PAGESIZE);
  r->map_offset_ = offset / page * page;
  r->map_len_ = offset + byte_size - r->map_offset_;
  void* p = mmap(nullptr, r->map_len_, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                 static_cast<off_t>(r->map_offset_));
  close(fd);
  if (p == MAP_FAILED) {
    return absl::InternalError(
        absl::StrCat("cannot map shared memory key '", key, "': ", std::strerror(errno)));
  }
  r->base_ = static_cast<uint8_t*>(p);
  std::lock_guard<std::mutex> l(mu_);
  auto [it, inserted] = regions_.emplace(name, std::move(r));
  if (!inserted) {
    return absl::AlreadyExistsError(
        absl::StrCat("shared memory region '", name, "' is already registered"));
  }
  return absl::OkStatus();
}

absl::Status ShmRegistry::Unregister(const std::string& name) {
  std::lock_guard<std::mutex> l(mu_);
  if (name.empty()) {
    regions_.clear();
    return absl::OkStatus();
  }
  if (regions_.erase(name) == 0) {
    return absl::NotFoundError(absl::StrCat("shared memory region '", name, "' is not registered"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const ShmRegion>> ShmRegistry::Find(const std::string& name) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = regions_.find(name);
  if (it == regions_.end()) {
    return absl::NotFoundError(absl::StrCat("shared memory region '", name, "' is not registered"));
  }
  return it->second;
}

std::vector<std::shared_ptr<const ShmRegion>> ShmRegistry::List() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::shared_ptr<const ShmRegion>> v;
  for (const auto& [n, r] : regions_) v.push_back(r);
  return v;
}

}  // namespace socd::daemon
