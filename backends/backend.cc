#include "backends/backend.h"

#include "absl/strings/str_cat.h"

namespace socd::backends {

absl::string_view BackendKindName(BackendKind k) {
  switch (k) {
    case BackendKind::kCpu:
      return "cpu";
    case BackendKind::kVulkan:
      return "vulkan";
    case BackendKind::kOpenCL:
      return "opencl";
    case BackendKind::kNpu:
      return "npu";
  }
  return "unknown";
}

absl::Status CheckRunInputs(const graph::Graph& g, const std::vector<graph::TensorView>& inputs,
                            const std::string& who) {
  const std::string prefix = who.empty() ? "" : who + ": ";
  if (inputs.size() != g.inputs.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(prefix, "expected ", g.inputs.size(), " inputs, got ", inputs.size()));
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const graph::Value& v = g.values[g.inputs[i]];
    if (inputs[i].dtype != v.type.dtype) {
      return absl::InvalidArgumentError(absl::StrCat(prefix, "input '", v.name, "': expected ",
                                                     graph::DTypeName(v.type.dtype), ", got ",
                                                     graph::DTypeName(inputs[i].dtype)));
    }
    if (!inputs[i].data && inputs[i].numel() > 0) {
      return absl::InvalidArgumentError(absl::StrCat(prefix, "input '", v.name, "' has no data"));
    }
  }
  return absl::OkStatus();
}

}  // namespace socd::backends
