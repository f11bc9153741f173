// Builds the socd program for a device, caching the driver's binary (CL_PROGRAM_BINARIES) in
// CacheDir("opencl"). PoCL spends seconds in its compiler per program; a cached binary loads
// in milliseconds, which is what keeps every forked conformance test and every model load cheap.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "backends/opencl/cl_api.h"

namespace socd::opencl {

struct ProgramBuildStats {
  bool cache_hit = false;
  double build_ms = 0;     // create + build (from binary on a hit, from source otherwise)
  std::string cache_file;  // empty when no cache directory is usable
};

// `device_key` names the device and driver (name, driver version): binaries are only valid
// for the exact device and driver that produced them.
absl::StatusOr<cl_program> BuildCachedProgram(cl_context ctx, cl_device_id dev,
                                              const std::string& device_key,
                                              const std::string& source, const std::string& options,
                                              ProgramBuildStats* stats);

// FNV-1a 64: a stable hash for cache keys (std::hash is not guaranteed stable across builds).
uint64_t StableHash(const std::string& s);

}  // namespace socd::opencl
