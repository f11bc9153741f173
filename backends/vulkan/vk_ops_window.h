// Sliding-window geometry shared by convolution (vk_ops_nn.cc) and pooling (vk_ops_pool.cc),
// and the pooling builders the Nn operator table lists.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/vulkan/vk_kernel.h"

namespace socd::vulkan {

// 1-D windows use only W; 2-D add H; 3-D add the depth D.
struct Window {
  int64_t H = 1, W = 1, OH = 1, OW = 1, kh = 1, kw = 1, sh = 1, sw = 1;
  int64_t pt = 0, pl = 0, pb = 0, pr = 0, dh = 1, dw = 1;
  int64_t D = 1, OD = 1, kd = 1, sd = 1, pf = 0, pk = 0, dd = 1;
};

// Spatial geometry of a 1-D to 3-D window op from its attributes (strides, dilations, pads,
// auto_pad) and its planned output shape.
absl::StatusOr<Window> WindowGeometry(const KernelContext& k, const graph::Shape& x,
                                      const graph::Shape& y, std::vector<int64_t> kernel);

// MaxPool (float32, float16, bfloat16, int8, uint8; optional Indices), AveragePool, LpPool.
absl::Status BuildPool(const KernelContext& k, std::vector<Dispatch>& out);
// GlobalAveragePool / GlobalMaxPool / GlobalLpPool.
absl::Status BuildGlobalPool(const KernelContext& k, std::vector<Dispatch>& out);

}  // namespace socd::vulkan
