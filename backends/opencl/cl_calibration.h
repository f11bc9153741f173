// The numbers Backend::info() gives the cost model, measured on the device by short kernels
// (FMA peak, streaming bandwidth, launch overhead) the first time and cached on disk in
// CacheDir("opencl"), keyed by device and driver.
#pragma once

#include "absl/status/statusor.h"
#include "backends/opencl/cl_device.h"

namespace socd::opencl {

struct ClCalibration {
  double peak_gflops_fp32 = 0;
  double peak_gflops_fp16 = 0;  // half2 FMA peak; 0 without cl_khr_fp16
  double bandwidth_gbps = 0;
  double launch_overhead_us = 0;
  bool from_cache = false;
};

absl::StatusOr<ClCalibration> LoadOrCalibrate(ClRuntime& rt);
// Always measures (and refreshes the cache).
absl::StatusOr<ClCalibration> Calibrate(ClRuntime& rt);

}  // namespace socd::opencl
