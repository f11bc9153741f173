#include "backends/opencl/cl_ops.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "graph/passes/fusion.h"

namespace socd::opencl {

ClDispatch Dispatch1D(const std::string& kernel, int64_t n) {
  constexpr size_t kGroup = 64;
  ClDispatch d;
  d.kernel = kernel;
  d.dims = 1;
  d.global = {(static_cast<size_t>(n) + kGroup - 1) / kGroup * kGroup, 1, 1};
  d.local = {kGroup, 1, 1};
  return d;
}

bool LowerCtx::has_in(size_t i) const {
  return i < step_.in_values.size() && step_.in_values[i] != graph::kNoValue;
}

const graph::Tensor* LowerCtx::in_const(size_t i) const {
  if (!has_in(i)) return nullptr;
  return vals_[in(i)].value.get();
}

absl::Status LowerCtx::Unimplemented(const std::string& why) const {
  return absl::UnimplementedError(absl::StrCat("opencl: ", node.Describe(), ": ", why));
}

absl::Status LowerCtx::RequireFloat32() const {
  for (size_t i = 0; i < num_in(); ++i) {
    if (has_in(i) && in_dtype(i) != graph::DType::kFloat32)
      return Unimplemented(absl::StrCat("input ", i, " is ", graph::DTypeName(in_dtype(i)),
                                        " (this backend's kernels are float32)"));
  }
  for (size_t i = 0; i < num_out(); ++i) {
    if (has_out(i) && out_dtype(i) != graph::DType::kFloat32)
      return Unimplemented(absl::StrCat("output ", i, " is ", graph::DTypeName(out_dtype(i)),
                                        " (this backend's kernels are float32)"));
  }
  return absl::OkStatus();
}

const ClOpTable& ClOps() {
  static const ClOpTable* table = [] {
    auto* t = new ClOpTable;
    RegisterElementwiseOps(*t);
    RegisterConvPoolOps(*t);
    RegisterGemmOps(*t);
    RegisterNormOps(*t);
    RegisterTensorOps(*t);
    RegisterTypedOps(*t);
    RegisterReduceOps(*t);
    return t;
  }();
  return *table;
}

absl::Status ReadFusedAct(const graph::Node& n, int* act, float* a, float* b) {
  const std::string name = n.GetString(graph::kFusedActAttr, "");
  *a = n.GetFloat(graph::kFusedAlphaAttr, 0);
  *b = n.GetFloat(graph::kFusedBetaAttr, 0);
  if (name.empty()) {
    *act = kActNone;
  } else if (name == "Relu") {
    *act = kActRelu;
  } else if (name == "Clip") {
    *act = kActClip;
    *a = n.GetFloat(graph::kFusedAlphaAttr, -std::numeric_limits<float>::infinity());
    *b = n.GetFloat(graph::kFusedBetaAttr, std::numeric_limits<float>::infinity());
  } else if (name == "Sigmoid") {
    *act = kActSigmoid;
  } else if (name == "SiLU") {
    *act = kActSilu;
  } else if (name == "LeakyRelu") {
    *act = kActLeaky;
    *a = n.GetFloat(graph::kFusedAlphaAttr, 0.01f);
  } else if (name == "HardSigmoid") {
    *act = kActHSigmoid;
    *a = n.GetFloat(graph::kFusedAlphaAttr, 0.2f);
    *b = n.GetFloat(graph::kFusedBetaAttr, 0.5f);
  } else if (name == "HardSwish") {
    *act = kActHSwish;
  } else if (name == "Gelu") {
    *act = kActGelu;
  } else if (name == "Tanh") {
    *act = kActTanh;
  } else {
    return absl::UnimplementedError(
        absl::StrCat("opencl: ", n.Describe(), ": fused activation '", name, "' not supported"));
  }
  return absl::OkStatus();
}

absl::Status CheckFusedAct(const graph::Node& n) {
  int act;
  float a, b;
  return ReadFusedAct(n, &act, &a, &b);
}

bool BroadcastStrides(const graph::Shape& out, const graph::Shape& in, std::array<int32_t, 8>* dims,
                      std::array<int32_t, 8>* strides) {
  if (out.size() > 8 || in.size() > out.size()) return false;
  dims->fill(1);
  strides->fill(0);
  const size_t off = 8 - out.size(), in_off = out.size() - in.size();
  int64_t s = 1;
  for (size_t d = out.size(); d-- > 0;) {
    (*dims)[off + d] = static_cast<int32_t>(out[d]);
    if (d >= in_off) {
      const int64_t id = in[d - in_off];
      (*strides)[off + d] = id == 1 && out[d] != 1 ? 0 : static_cast<int32_t>(s);
      s *= id;
    }
  }
  return true;
}

std::string SizeSuffix(graph::DType t) {
  switch (graph::DTypeSize(t)) {
    case 1:
      return "1";
    case 2:
      return "2";
    case 4:
      return "4";
    case 8:
      return "8";
    default:
      return "";
  }
}

bool FitsInt32(const graph::Shape& s) {
  const int64_t n = graph::NumElements(s);
  return n >= 0 && n < (int64_t{1} << 31) - 1024;
}

}  // namespace socd::opencl
