// CPU kernels on string tensors (graph/string_store.h): Cast to and from strings
// (string_cast.cc) and the string operators StringConcat, StringSplit, RegexFullMatch and
// StringNormalizer (string_ops.cc). Kernels that make new strings put their characters in the
// run's pool (KernelIo::strings).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "backends/cpu/kernel.h"

namespace socd::cpu::string_kernels {

// Cast / CastLike where the source or the target is string.
absl::StatusOr<std::unique_ptr<Kernel>> CreateStringCast(const KernelInfo& info);

// numpy's str() of a float (what ONNX's reference Cast to string produces): the shortest
// digits that round-trip at the value's own precision (`bits` 16, 32 or 64 for half, float,
// double; bfloat16 formats as float), positional for 1e-4 <= |v| < 1e3 / 1e6 / 1e16 (half /
// float / double: "1.5", "100.0"), scientific otherwise ("1e-05", "1e+06"); "nan", "inf".
std::string FormatFloatLikeNumpy(double v, int bits);

}  // namespace socd::cpu::string_kernels

namespace socd::cpu {
void RegisterStringKernels(KernelRegistry& r);
}  // namespace socd::cpu
