// CPU kernels for the elementwise operator group.
#include <algorithm>

#include "backends/cpu/kernel.h"

namespace socd::cpu {
namespace {

absl::StatusOr<std::unique_ptr<Kernel>> CreateRelu(const KernelInfo& info) {
  if (info.in_dtypes[0] != DType::kFloat32) return info.Unsupported("only float32");
  return MakeFnKernel([](const KernelIo& io) {
    const float* x = io.inputs[0].as<float>();
    float* y = io.outputs[0].as<float>();
    int64_t n = io.outputs[0].numel();
    io.pool->ParallelFor(n, 16384, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) y[i] = std::max(x[i], 0.f);
    });
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateAdd(const KernelInfo& info) {
  if (info.in_dtypes[0] != DType::kFloat32) return info.Unsupported("only float32");
  if (info.in_shapes[0] != info.in_shapes[1]) return info.Unsupported("broadcast not yet");
  return MakeFnKernel([](const KernelIo& io) {
    const float* a = io.inputs[0].as<float>();
    const float* b = io.inputs[1].as<float>();
    float* y = io.outputs[0].as<float>();
    int64_t n = io.outputs[0].numel();
    for (int64_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
    return absl::OkStatus();
  });
}

}  // namespace

void RegisterElementwiseKernels(KernelRegistry& r) {
  r.Add({"", "Relu", 6, 1000, CreateRelu});
  r.Add({"", "Add", 7, 1000, CreateAdd});
}

}  // namespace socd::cpu
