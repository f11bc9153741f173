// What the GPU backends' typed kernels (Vulkan typed_*.comp, OpenCL typed.cl) agree on: which
// element types they load and store, the class an operator computes in, and the Reduce* op
// codes and axis merging of their reduce kernels. Shared so the two backends cannot drift; the
// numbers are part of the kernel sources' contract, so keep them in step with those files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/dtype.h"

namespace socd::backends::gpu_typed {

// Compute classes as the kernel sources number them.
constexpr int kClassFloat = 0, kClassDouble = 1, kClassInt64 = 2, kClassUInt64 = 3;

// Element types the typed kernels can load and store (not the minifloats, not strings).
bool Storable(graph::DType t);
// Unsigned integers and bool: both operands of this kind compute in uint64.
bool IsUnsignedType(graph::DType t);
// The class that computes op(a, b) exactly enough: double if either is float64, float if either
// is another float, uint64 when both are unsigned, else int64.
int BinaryClass(graph::DType a, graph::DType b);
// The class a one-input op computes in (bool counts as signed: Not/Abs of bool are int64).
int UnaryClass(graph::DType t);

// ReduceSum .. ReduceSumSquare as the reduce kernels number them; -1 for other ops.
int ReduceCode(const std::string& op);
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
