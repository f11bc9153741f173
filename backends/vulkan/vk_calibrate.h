// Backend::info() numbers for the cost model, measured with short shaders at first use and
// cached on disk (CacheDir("vulkan"), keyed by pipelineCacheUUID + driver version).
#pragma once

#include "absl/status/statusor.h"
#include "backends/vulkan/vk_context.h"

namespace socd::vulkan {

struct Calibration {
  double gflops_fp32 = 0;         // FMA throughput (2 flops per FMA)
  double gflops_fp16 = 0;         // f16vec2 FMA throughput; 0 without shaderFloat16
  double bandwidth_gbps = 0;      // read + write bytes of a large buffer copy per second
  double launch_overhead_us = 0;  // cost of one more dispatch in a batched command buffer
  bool from_cache = false;
};

absl::StatusOr<Calibration> Calibrate(Context& ctx);

}  // namespace socd::vulkan
