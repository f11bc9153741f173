// Parameter arithmetic of the tensor operator group (Reshape's target shape, Slice's clamped
// ranges, Pad's per-axis amounts, Resize's output geometry...), shared by the schemas in
// graph/ops/tensor*.cc and the CPU kernels so the shapes planned and the data moved agree.
// Functions return plain messages; callers prefix the node (ctx.Error / info.Error).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/ir.h"
#include "graph/op_schema.h"

namespace socd::graph {

// Schema registration of the tensor group, split by file (RegisterTensorOps calls them).
void RegisterTensorShapeOps(OpRegistry& r);   // tensor.cc: Reshape, Squeeze, Shape...
void RegisterTensorIndexOps(OpRegistry& r);   // tensor_index.cc: Slice, Gather, Concat, Pad...
void RegisterTensorCreateOps(OpRegistry& r);  // tensor_create.cc: Range, OneHot, Trilu...
void RegisterTensorResizeOps(OpRegistry& r);  // tensor_resize.cc: Resize, Upsample

namespace tensor_params {

// Contents of an integer (or bool) tensor as int64s; floats are truncated.
std::vector<int64_t> ReadInts(const TensorView& v);
// Contents of a numeric tensor as doubles.
std::vector<double> ReadDoubles(const TensorView& v);

// Input i's integer contents, or nullopt when the input is omitted. Needs the value at plan
// time (NeedsValue status otherwise), as every shape-determining input does.
absl::StatusOr<std::optional<std::vector<int64_t>>> InputInts(const InferContext& ctx, size_t i);

// Normalizes axes against `rank` (negative count from the end); error on out-of-range or
// repeated axes.
absl::StatusOr<std::vector<int64_t>> NormalizeAxes(const std::vector<int64_t>& axes, int64_t rank);

absl::StatusOr<Shape> ReshapeOutput(const Shape& in, const std::vector<int64_t>& spec,
                                    bool allowzero);
absl::StatusOr<Shape> FlattenOutput(const Shape& in, int64_t axis);
// No axes: drops every dimension of size 1.
absl::StatusOr<Shape> SqueezeOutput(const Shape& in,
                                    const std::optional<std::vector<int64_t>>& axes);
absl::StatusOr<Shape> UnsqueezeOutput(const Shape& in, const std::vector<int64_t>& axes);

// Slice: for every input dimension, the first index taken, the step and how many are taken.
struct SliceRange {
  int64_t start = 0;
  int64_t step = 1;
  int64_t count = 0;
};
absl::StatusOr<std::vector<SliceRange>> ComputeSlice(const Shape& in,
                                                     const std::vector<int64_t>& starts,
                                                     const std::vector<int64_t>& ends,
                                                     const std::vector<int64_t>& axes,
                                                     const std::vector<int64_t>& steps);

// Split: the sizes along the axis. `split` given, or `num_outputs` (opset 18, last chunk may
// be smaller), or else equal parts for `outputs` outputs.
absl::StatusOr<std::vector<int64_t>> SplitSizes(int64_t dim,
                                                const std::optional<std::vector<int64_t>>& split,
                                                int64_t num_outputs, int64_t outputs);

// Pad: per input dimension, how much is added before and after (negative crops).
struct PadAmounts {
  std::vector<int64_t> begin, end;
};
absl::StatusOr<PadAmounts> ComputePads(const Shape& in, const std::vector<int64_t>& pads,
                                       const std::optional<std::vector<int64_t>>& axes);
enum class PadMode { kConstant, kReflect, kEdge, kWrap };
// A Pad node's amounts from its attributes (opset < 11) or inputs; `inputs[i]` is input i's
// contents or null when omitted.
absl::StatusOr<PadAmounts> PadsFromNode(const Node& n, const Shape& in,
                                        const std::vector<const TensorView*>& inputs);
// A Slice node's ranges from its attributes (opset < 10) or inputs 1..4.
absl::StatusOr<std::vector<SliceRange>> SliceFromNode(const Node& n, const Shape& in,
                                                      const std::vector<const TensorView*>& inputs);
absl::StatusOr<PadMode> ParsePadMode(const std::string& s);
// The input index an output position along one axis reads (x = position - pad_begin), or -1
// for the constant value. Requires dim > 0 unless mode is constant.
int64_t PadSourceIndex(int64_t x, int64_t dim, PadMode mode);

// Shape's slice of dimensions [start, end) after clamping (opset 15).
void ShapeRange(int64_t rank, int64_t start, std::optional<int64_t> end, int64_t* begin_out,
                int64_t* end_out);

// Range: number of elements of [start, limit) by delta.
absl::StatusOr<int64_t> RangeCount(const TensorView& start, const TensorView& limit,
                                   const TensorView& delta);

// ---- Resize / Upsample ----
enum class ResizeMode { kNearest, kLinear, kCubic };
enum class CoordMode {
  kHalfPixel,
  kAsymmetric,
  kAlignCorners,
  kPytorchHalfPixel,
  kTfCropAndResize,
  kHalfPixelSymmetric,
  kTfHalfPixelForNn,  // Resize-11 only
};
// kSimple: Upsample / Resize-10 (floor when enlarging, ceil when shrinking, as ONNX Runtime).
enum class NearestMode { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil, kSimple };
enum class AspectPolicy { kStretch, kNotLarger, kNotSmaller };

struct ResizeAttrs {
  ResizeMode mode = ResizeMode::kNearest;
  CoordMode coord = CoordMode::kHalfPixel;
  NearestMode nearest = NearestMode::kRoundPreferFloor;
  double cubic_a = -0.75;
  bool exclude_outside = false;
  double extrapolation_value = 0;
  bool antialias = false;
  std::vector<int64_t> axes;  // empty: all
  AspectPolicy policy = AspectPolicy::kStretch;
  // Which inputs hold roi / scales / sizes (-1: none); Upsample-7 has scales in attrs.
  int roi_input = -1, scales_input = -1, sizes_input = -1;
  std::vector<float> scales_attr;
};
// Attributes and input layout of a Resize (10+) or Upsample (7, 9) node, validated.
absl::StatusOr<ResizeAttrs> ParseResizeAttrs(const Node& n);

struct ResizeGeometry {
  Shape out;
  std::vector<double> scales;  // per dimension, what coordinates are transformed with
  std::vector<double> roi;     // 2 * rank: starts then ends (tf_crop_and_resize), else empty
};
// `roi`, `scales`, `sizes` are the inputs' contents (empty when absent or empty tensors).
absl::StatusOr<ResizeGeometry> ComputeResizeGeometry(const ResizeAttrs& a, const Shape& in,
                                                     const std::vector<double>& roi,
                                                     const std::vector<double>& scales,
                                                     const std::vector<int64_t>& sizes);

}  // namespace tensor_params
}  // namespace socd::graph
