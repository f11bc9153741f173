#include "graph/op_schema.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "graph/sequence_type.h"

namespace socd::graph {
namespace {
constexpr absl::string_view kNeedsValue = "socd:needs-value:";
}

absl::StatusOr<const TensorView*> InferContext::RequireValue(size_t i) const {
  if (!has_input(i)) return Error(absl::StrCat("input ", i, " is required"));
  if (in_values_[i] == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(kNeedsValue, node_.Describe(), " needs the value of input ", i));
  }
  return in_values_[i];
}

absl::Status NeedsRunError(const Node& node, absl::string_view why) {
  return absl::FailedPreconditionError(absl::StrCat(
      kNeedsValue, node.Describe(), ": output shapes are known only by running (", why, ")"));
}

bool IsNeedsValue(const absl::Status& s) {
  return s.code() == absl::StatusCode::kFailedPrecondition &&
         absl::StartsWith(s.message(), kNeedsValue);
}

absl::Status InferContext::Error(absl::string_view msg) const {
  return absl::InvalidArgumentError(absl::StrCat(node_.Describe(), ": ", msg));
}

absl::Status InferContext::Unsupported(absl::string_view why) const {
  return absl::UnimplementedError(UnsupportedMessage(node_, why));
}

std::string UnsupportedMessage(const Node& node, absl::string_view why) {
  return absl::StrCat("unsupported operator ", node.domain.empty() ? "ai.onnx" : node.domain, ".",
                      node.op_type, " (opset ", node.opset, ") at node '", node.name, "'",
                      why.empty() ? "" : ": ", why);
}

void OpRegistry::Add(OpSchema s) { schemas_.push_back(std::move(s)); }

absl::StatusOr<const OpSchema*> OpRegistry::Find(const Node& node) const {
  bool known_op = false;
  for (const auto& s : schemas_) {
    if (s.op_type != node.op_type || s.domain != node.domain) continue;
    known_op = true;
    if (node.opset >= s.min_opset && node.opset <= s.max_opset) return &s;
  }
  return absl::UnimplementedError(UnsupportedMessage(
      node, known_op ? "this opset version is not implemented" : "socd does not implement it"));
}

const OpRegistry& OpRegistry::Get() {
  static const OpRegistry* reg = [] {
    auto* r = new OpRegistry;
    RegisterControlFlowOps(*r);
    RegisterElementwiseOps(*r);
    RegisterNnOps(*r);
    RegisterTensorOps(*r);
    RegisterReduceOps(*r);
    RegisterQuantOps(*r);
    RegisterStringOps(*r);
    RegisterSequenceOps(*r);
    return r;
  }();
  return *reg;
}

absl::StatusOr<Shape> BroadcastShapes(const Shape& a, const Shape& b) {
  size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da == db || db == 1)
      out[i] = da;
    else if (da == 1)
      out[i] = db;
    else {
      return absl::InvalidArgumentError(absl::StrCat("shapes ", ShapeToString(a), " and ",
                                                     ShapeToString(b), " do not broadcast"));
    }
  }
  return out;
}

absl::StatusOr<int64_t> NormalizeAxis(int64_t axis, int64_t rank, const InferContext& ctx) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1)) {
    return ctx.Error(absl::StrCat("axis ", axis, " is out of range for rank ", rank));
  }
  return axis < 0 ? axis + rank : axis;
}

}  // namespace socd::graph
