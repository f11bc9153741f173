#include "backends/opencl/cl_program_cache.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "backends/cache_dir.h"
#include "spdlog/spdlog.h"

namespace socd::opencl {

uint64_t StableHash(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

namespace cl_program_cache_impl {

std::string BuildLog(cl_program p, cl_device_id dev) {
  size_t n = 0;
  if (clGetProgramBuildInfo(p, dev, CL_PROGRAM_BUILD_LOG, 0, nullptr, &n) != CL_SUCCESS) return "";
  std::string log(n, '\0');
  if (clGetProgramBuildInfo(p, dev, CL_PROGRAM_BUILD_LOG, n, log.data(), nullptr) != CL_SUCCESS)
    return "";
  return log.substr(0, 4000);
}

absl::StatusOr<cl_program> FromBinary(cl_context ctx, cl_device_id dev, const std::string& bin,
                                      const std::string& options) {
  const unsigned char* data = reinterpret_cast<const unsigned char*>(bin.data());
  const size_t size = bin.size();
  cl_int bin_status = CL_SUCCESS, err = CL_SUCCESS;
  cl_program p = clCreateProgramWithBinary(ctx, 1, &dev, &size, &data, &bin_status, &err);
  if (err != CL_SUCCESS) return ClError("clCreateProgramWithBinary", err);
  if (bin_status != CL_SUCCESS) {
    clReleaseProgram(p);
    return ClError("clCreateProgramWithBinary (binary status)", bin_status);
  }
  err = clBuildProgram(p, 1, &dev, options.c_str(), nullptr, nullptr);
  if (err != CL_SUCCESS) {
    clReleaseProgram(p);
    return ClError("clBuildProgram (cached binary)", err);
  }
  return p;
}

// Writes through a temporary file and rename(), so concurrent processes (ctest -j) never see a
// half-written binary.
void StoreBinary(cl_program p, const std::string& path) {
  size_t size = 0;
  if (clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof size, &size, nullptr) != CL_SUCCESS ||
      size == 0) {
    spdlog::warn("opencl: the driver offers no program binary; nothing cached");
    return;
  }
  std::vector<unsigned char> bin(size);
  unsigned char* ptr = bin.data();
  if (clGetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof ptr, &ptr, nullptr) != CL_SUCCESS) return;
  const std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  {
    std::ofstream f(tmp, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bin.data()), static_cast<std::streamsize>(size));
    if (!f) {
      std::remove(tmp.c_str());
      return;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) std::remove(tmp.c_str());
}

}  // namespace cl_program_cache_impl

absl::StatusOr<cl_program> BuildCachedProgram(cl_context ctx, cl_device_id dev,
                                              const std::string& device_key,
                                              const std::string& source, const std::string& options,
                                              ProgramBuildStats* stats) {
  namespace impl = cl_program_cache_impl;
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed_ms = [&] {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  };
  ProgramBuildStats st;
  auto dir = backends::CacheDir("opencl");
  if (dir.ok()) {
    const uint64_t key = StableHash(absl::StrCat(device_key, "\n", options, "\n", source));
    st.cache_file = absl::StrCat(*dir, "/program-", absl::StrFormat("%016x", key), ".bin");
    std::ifstream f(st.cache_file, std::ios::binary);
    if (f) {
      std::string bin((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      auto p = impl::FromBinary(ctx, dev, bin, options);
      if (p.ok()) {
        st.cache_hit = true;
        st.build_ms = elapsed_ms();
        if (stats) *stats = st;
        return p;
      }
      spdlog::warn("opencl: cached program {} unusable ({}); rebuilding", st.cache_file,
                   std::string(p.status().message()));
    }
  } else {
    spdlog::warn("opencl: no cache directory ({}); the program is rebuilt in every process",
                 std::string(dir.status().message()));
  }
  const char* text = source.c_str();
  const size_t len = source.size();
  cl_int err = CL_SUCCESS;
  cl_program p = clCreateProgramWithSource(ctx, 1, &text, &len, &err);
  if (err != CL_SUCCESS) return ClError("clCreateProgramWithSource", err);
  err = clBuildProgram(p, 1, &dev, options.c_str(), nullptr, nullptr);
  if (err != CL_SUCCESS) {
    std::string log = impl::BuildLog(p, dev);
    clReleaseProgram(p);
    return absl::InternalError(
        absl::StrCat("opencl: clBuildProgram failed: ", ClErrorName(err), "\n", log));
  }
  st.build_ms = elapsed_ms();
  if (!st.cache_file.empty()) impl::StoreBinary(p, st.cache_file);
  spdlog::debug("opencl: program built from source in {:.0f} ms", st.build_ms);
  if (stats) *stats = st;
  return p;
}

}  // namespace socd::opencl
