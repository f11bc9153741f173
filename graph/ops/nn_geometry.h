// Sliding-window geometry shared by the Conv/ConvTranspose/pooling schemas and their CPU
// kernels, so that shape inference and the kernels agree on padding and output sizes.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/ir.h"

namespace socd::graph {

struct WindowGeometry {
  int nd = 0;  // number of spatial dims
  std::vector<int64_t> in, kernel, strides, dilations, pad_begin, pad_end, out;
  // ConvTranspose only.
  std::vector<int64_t> output_padding;
};

// Conv and pooling windows. `in` are the input's spatial dims and `kernel` the window (from
// the weights for Conv, from kernel_shape for pools). `ceil_mode` rounds the output size up
// (pools), never letting the last window start in the end padding. Reads auto_pad, pads,
// strides and dilations from the node; errors name the node.
absl::StatusOr<WindowGeometry> ComputeWindow(const Node& n, const std::vector<int64_t>& in,
                                             const std::vector<int64_t>& kernel, bool ceil_mode);

// ConvTranspose: also reads output_padding and output_shape.
absl::StatusOr<WindowGeometry> ComputeTransposeWindow(const Node& n, const std::vector<int64_t>& in,
                                                      const std::vector<int64_t>& kernel);

}  // namespace socd::graph
