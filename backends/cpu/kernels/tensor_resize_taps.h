// Resize is separable: along each resized axis, every output position is a weighted sum of a
// few input positions ("taps"). This computes the taps of one axis exactly as the ONNX
// reference does (coordinate transformation, nearest rounding, linear/cubic/antialiased
// kernels, exclude_outside, tf_crop_and_resize extrapolation).
#pragma once

#include <cstdint>
#include <vector>

#include "graph/ops/tensor_params.h"

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

}  // namespace socd::cpu::tensor_resize
