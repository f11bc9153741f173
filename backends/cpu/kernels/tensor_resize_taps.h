// Resize is separable: along each resized axis, every output position is a weighted sum of a
// few input positions ("taps"). This computes the taps of one axis exactly as the ONNX
// reference does (coordinate transformation, nearest rounding, linear/cubic/antialiased
// kernels, exclude_outside, tf_crop_and_resize extrapolation).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/ops/tensor_params.h"
#include "graph/tensor.h"

namespace socd::cpu::tensor_resize {

struct AxisTaps {
  int64_t in = 0, out = 0;
  int n = 0;                    // taps per output position (1 for nearest)
  std::vector<int64_t> idx;     // out * n input indices, clamped into [0, in)
  std::vector<double> w;        // out * n weights
  std::vector<uint8_t> extrap;  // out: position takes extrapolation_value
  bool identity = false;        // the axis is left as it is
  bool any_extrap = false;
};

// `roi` holds this axis' [start, end] when coordinate mode is tf_crop_and_resize.
AxisTaps ComputeAxisTaps(const graph::tensor_params::ResizeAttrs& a, int64_t in, int64_t out,
                         double scale, const double* roi);

// The taps of the two innermost axes as flat tables, for kernels that gather (the GPU
// backends): y[p, oh, ow] = sum_a sum_b hw[oh*nh+a] * ww[ow*nw+b] * x[p, hidx[..], widx[..]].
// Computed here in double so every backend shares the CPU's coordinate arithmetic.
struct Resize2DTables {
  int64_t planes = 0, in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  int nh = 0, nw = 0;               // taps per output row / column
  std::vector<int32_t> hidx, widx;  // out_h * nh, out_w * nw; -1: the position extrapolates
  std::vector<float> hw, ww;
  float extrapolation_value = 0;
};
// `input(i)`: node input i's plan-time contents (nullptr when omitted, an error when only known
// at run time). Fails with the reason for a resize of other than the two innermost axes.
absl::StatusOr<Resize2DTables> PlanResize2D(
    const graph::Node& n, const graph::Shape& xs, const graph::Shape& ys,
    const std::function<absl::StatusOr<const graph::Tensor*>(int)>& input);

}  // namespace socd::cpu::tensor_resize
