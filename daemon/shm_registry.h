// Triton's system-shared-memory extension: clients register a POSIX shared-memory object
// (key = shm_open name) window {offset, byte_size}; requests then name the region instead of
// carrying tensor bytes. socd maps each region once; a request holds a reference, so
// unregistering a region that is in use only takes effect when the last request finishes.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace socd::daemon {

class ShmRegion {
 public:
  ~ShmRegion();
  const std::string& name() const { return name_; }
  const std::string& key() const { return key_; }
  uint64_t offset() const { return offset_; }
  uint64_t byte_size() const { return byte_size_; }
  // The region's bytes [offset, offset+byte_size) of the shared object.
  uint8_t* data() const { return base_ + (offset_ - map_offset_); }
  // A view of [off, off+size) inside the region, or an error naming the region and bounds.
  absl::StatusOr<uint8_t*> Slice(uint64_t off, uint64_t size) const;

 private:
  friend class ShmRegistry;
  std::string name_, key_;
  uint64_t offset_ = 0, byte_size_ = 0, map_offset_ = 0;
  uint8_t* base_ = nullptr;
  size_t map_len_ = 0;
};

class ShmRegistry {
 public:
  absl::Status Register(const std::string& name, const std::string& key, uint64_t offset,
                        uint64_t byte_size);
  // Empty name: all regions.
  absl::Status Unregister(const std::string& name);
  absl::StatusOr<std::shared_ptr<const ShmRegion>> Find(const std::string& name) const;
  std::vector<std::shared_ptr<const ShmRegion>> List() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const ShmRegion>> regions_;
};

}  // namespace socd::daemon
