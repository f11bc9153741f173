#include "graph/tensor_compare.h"

#include "graph/minifloat.h"
#include "graph/string_store.h"

#include <cmath>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace socd::graph {

void CompareInto(const std::string& what, const TensorView& got, const TensorView& want,
                 double rtol, double atol, CompareResult& r) {
  auto fail = [&](std::string m) {
    if (r.passed) r.message = absl::StrCat(what, ": ", m);
    r.passed = false;
  };
  if (got.dtype != want.dtype) {
    return fail(absl::StrCat("dtype ", DTypeName(got.dtype), ", expected ", DTypeName(want.dtype)));
  }
  if (got.shape != want.shape) {
    // Scalars stored as [1] (or vice versa) are the same data; anything else is a mismatch.
    if (got.numel() != want.numel() || got.numel() != 1) {
      return fail(absl::StrCat("shape ", ShapeToString(got.shape), ", expected ",
                               ShapeToString(want.shape)));
    }
  }
  if (got.dtype == DType::kString) {  // exactly, byte for byte
    for (int64_t i = 0; i < want.numel(); ++i) {
      if (StringAt(got, i) != StringAt(want, i)) {
        return fail(absl::StrCat("element ", i, " is \"", absl::CEscape(StringAt(got, i)),
                                 "\", expected \"", absl::CEscape(StringAt(want, i)), "\""));
      }
    }
    return;
  }
  // float8/float4 compare by value (NaN matches NaN), which for codes this coarse is exact.
  const bool is_float =
      IsFloat(got.dtype) || IsMiniFloat(got.dtype) || got.dtype == DType::kFloat8E8M0;
  for (int64_t i = 0; i < want.numel(); ++i) {
    if (is_float) {
      double g = ReadFloat(got, i), w = ReadFloat(want, i);
      if (std::isnan(w) && std::isnan(g)) continue;
      if (std::isinf(w) && g == w) continue;
      double err = std::fabs(g - w);
      if (std::isnan(err)) err = INFINITY;
      r.max_abs_err = std::max(r.max_abs_err, err);
      if (!(err <= atol + rtol * std::fabs(w))) {
        fail(absl::StrCat("element ", i, " is ", g, ", expected ", w));
      }
    } else {
      int64_t g = ReadInt(got, i), w = ReadInt(want, i);
      if (got.dtype == DType::kUInt64) {
        g = static_cast<const int64_t*>(got.data)[i];
        w = static_cast<const int64_t*>(want.data)[i];
      }
      if (g != w) {
        r.max_abs_err = std::max(r.max_abs_err, std::fabs(static_cast<double>(g - w)));
        fail(absl::StrCat("element ", i, " is ", g, ", expected ", w));
      }
    }
  }
}

}  // namespace socd::graph
