// What the GPU backends' typed kernels (Vulkan typed_*.comp, OpenCL typed.cl) agree on: which
// element types they load and store, the class an operator computes in, Cast's flags, the
// Reduce* op codes, dtype rules and axis merging of their reduce kernels, and training-mode
// Dropout's parameters. Shared so the two backends cannot drift; the numbers are part of the
// kernel sources' contract, so keep them in step with those files.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/dtype.h"
#include "graph/ir.h"

namespace socd::backends::gpu_typed {

// Compute classes as the kernel sources number them.
constexpr int kClassFloat = 0, kClassDouble = 1, kClassInt64 = 2, kClassUInt64 = 3;

// Element types the typed kernels compute on (not the sub-byte types, not strings).
bool Storable(graph::DType t);
// Storable or a sub-byte type (float8 x5, float4e2m1, int4/uint4/int2/uint2; one byte per
// element, graph/minifloat.h): what Cast/CastLike and pure data movement (copies, Where) load
// and store. Arithmetic on the sub-byte types stays refused: ONNX's ops on them are casts,
// and computing through float would round differently from the CPU reference.
bool Convertible(graph::DType t);
// Why an op that computes refuses t (e.g. "tensor type float8e4m3fn (sub-byte types: Cast,
// CastLike and data movement only)").
std::string RefusedTypeReason(graph::DType t);
// Cast/CastLike's attributes as the kernels take them: bit 0 saturate (default 1), bits 1-2
// the float8e8m0 round_mode (0 up, the default; 1 down; 2 nearest). An error names a bad
// round_mode.
absl::StatusOr<int> CastFlags(const graph::Node& node);
// Unsigned integers and bool: both operands of this kind compute in uint64.
bool IsUnsignedType(graph::DType t);
// The class that computes op(a, b) exactly enough: double if either is float64, float if either
// is another float, uint64 when both are unsigned, else int64.
int BinaryClass(graph::DType a, graph::DType b);
// The class a one-input op computes in (bool counts as signed: Not/Abs of bool are int64;
// float8/float4/e8m0 compute as float, int4/uint4/int2/uint2 as int64).
int UnaryClass(graph::DType t);

// ReduceSum .. ReduceSumSquare as the reduce kernels number them; -1 for other ops.
int ReduceCode(const std::string& op);
// Whether Reduce* op `code` takes non-float32 dtype t, as the CPU backend and the ONNX
// reference do (LogSum/LogSumExp floats only, bool only for Max/Min): OK, or the reason.
// Device features (fp64) are each backend's own check.
absl::Status CheckReduceType(int code, graph::DType t);

// Training-mode Dropout as both GPU backends run it: one workgroup walks numpy's MT19937
// stream for `seed`, keeping element i where its 53-bit draw k >= threshold.
struct DropoutTraining {
  uint32_t seed = 0;       // the node's seed, else one drawn per build (the CPU: per kernel)
  uint64_t threshold = 0;  // ceil(ratio * 2^53): u >= ratio tested exactly in integers
  float scale = 0;         // 1 / (1 - ratio); 0 when ratio is 1
};
// nullopt when the node computes as in inference (training off, or ratio 0 drops nothing);
// Unimplemented with the reason when training_mode or ratio are only known at run time or the
// ratio is outside [0, 1]. `constant(i)`: input i's plan-time contents, nullptr if unknown.
absl::StatusOr<std::optional<DropoutTraining>> PlanDropoutTraining(
    const graph::Node& n, const std::function<const graph::Tensor*(int)>& constant);
// A reduction's input split into kept and reduced axes (row-major strides), each list merged
// where contiguous so any axis set fits the kernels' fixed number of dims; count = elements
// reduced per output. Negative axes count from the end; no axes reduces all of them unless
// noop (noop_with_empty_axes), which reduces none.
struct ReduceLayout {
  std::vector<int64_t> kept_dims, kept_strides, reduced_dims, reduced_strides;
  int64_t count = 1;
};
ReduceLayout SplitReduceAxes(const std::vector<int64_t>& shape, const std::vector<int64_t>& axes,
                             bool noop);

}  // namespace socd::backends::gpu_typed
