#include "backends/gpu_typed.h"

#include <cmath>
#include <random>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "graph/minifloat.h"

namespace socd::backends::gpu_typed {

using graph::DType;

bool Storable(DType t) { return graph::IsFloat(t) || graph::IsInteger(t) || t == DType::kBool; }

bool Convertible(DType t) { return Storable(t) || graph::IsSubByte(t); }

std::string RefusedTypeReason(DType t) {
  if (graph::IsSubByte(t))
    return absl::StrCat("tensor type ", graph::DTypeName(t),
                        " (sub-byte types: Cast, CastLike and data movement only)");
  return absl::StrCat("tensor type ", graph::DTypeName(t));
}

absl::StatusOr<int> CastFlags(const graph::Node& node) {
  graph::E8M0Round round;
  const std::string mode = node.GetString("round_mode", "up");
  if (!graph::ParseE8M0Round(mode, round))
    return absl::InvalidArgumentError(
        absl::StrCat("round_mode '", mode, "' (expected up, down or nearest)"));
  // The kernels' numbering, independent of the enum's order.
  const int r = round == graph::E8M0Round::kUp ? 0 : round == graph::E8M0Round::kDown ? 1 : 2;
  return (node.GetInt("saturate", 1) != 0 ? 1 : 0) | r << 1;
}

bool IsUnsignedType(DType t) {
  return t == DType::kUInt8 || t == DType::kUInt16 || t == DType::kUInt32 || t == DType::kUInt64 ||
         t == DType::kBool;
}

int BinaryClass(DType a, DType b) {
  if (a == DType::kFloat64 || b == DType::kFloat64) return kClassDouble;
  if (graph::IsFloat(a) || graph::IsFloat(b)) return kClassFloat;
  if (IsUnsignedType(a) && IsUnsignedType(b)) return kClassUInt64;
  return kClassInt64;
}

int UnaryClass(DType t) {
  if (t == DType::kFloat64) return kClassDouble;
  if (graph::IsFloat(t) || graph::IsMiniFloat(t) || t == DType::kFloat8E8M0) return kClassFloat;
  return IsUnsignedType(t) && t != DType::kBool ? kClassUInt64 : kClassInt64;
}

int ReduceCode(const std::string& op) {
  static const std::pair<const char*, int> kCodes[] = {
      {"ReduceSum", 0},       {"ReduceMean", 1},     {"ReduceMax", 2}, {"ReduceMin", 3},
      {"ReduceProd", 4},      {"ReduceL1", 5},       {"ReduceL2", 6},  {"ReduceLogSum", 7},
      {"ReduceLogSumExp", 8}, {"ReduceSumSquare", 9}};
  for (const auto& [name, code] : kCodes)
    if (op == name) return code;
  return -1;
}

namespace {

// Appends (dim, stride), merging with the previous entry when contiguous with it.
void PushMergedDim(std::vector<int64_t>& dims, std::vector<int64_t>& strides, int64_t d,
                   int64_t s) {
  if (d == 1) return;
  if (!dims.empty() && strides.back() == s * d) {
    dims.back() *= d;
    strides.back() = s;
    return;
  }
  dims.push_back(d);
  strides.push_back(s);
}

}  // namespace

ReduceLayout SplitReduceAxes(const std::vector<int64_t>& shape, const std::vector<int64_t>& axes,
                             bool noop) {
  const int rank = static_cast<int>(shape.size());
  std::set<int> reduced;
  for (int64_t a : axes) reduced.insert(static_cast<int>(a < 0 ? a + rank : a));
  if (axes.empty() && !noop)
    for (int d = 0; d < rank; ++d) reduced.insert(d);
  std::vector<int64_t> stride(rank, 1);
  for (int d = rank - 2; d >= 0; --d) stride[d] = stride[d + 1] * shape[d + 1];
  ReduceLayout l;
  for (int d = 0; d < rank; ++d) {
    if (reduced.count(d)) {
      PushMergedDim(l.reduced_dims, l.reduced_strides, shape[d], stride[d]);
      l.count *= shape[d];
    } else {
      PushMergedDim(l.kept_dims, l.kept_strides, shape[d], stride[d]);
    }
  }
  return l;
}

absl::Status CheckReduceType(int code, DType t) {
  if (!Storable(t)) return absl::UnimplementedError(RefusedTypeReason(t));
  if (t == DType::kBool && code != 2 && code != 3)
    return absl::UnimplementedError("bool input (only ReduceMax/ReduceMin take bool)");
  if ((code == 7 || code == 8) && !graph::IsFloat(t))
    return absl::UnimplementedError(
        absl::StrCat(graph::DTypeName(t), " input (the ONNX reference takes floats only here)"));
  return absl::OkStatus();
}

absl::StatusOr<std::optional<DropoutTraining>> PlanDropoutTraining(
    const graph::Node& n, const std::function<const graph::Tensor*(int)>& constant) {
  if (!n.has_input(2)) return std::nullopt;
  const graph::Tensor* mode = constant(2);
  if (!mode || mode->numel() != 1)
    return absl::UnimplementedError("training_mode known only at run time");
  if (mode->IntAt(0) == 0) return std::nullopt;
  const graph::Tensor* r = n.has_input(1) ? constant(1) : nullptr;
  if (n.has_input(1) && !r) return absl::UnimplementedError("ratio known only at run time");
  const double ratio = r && r->numel() == 1 ? r->FloatAt(0) : 0.5;
  if (ratio == 0.0) return std::nullopt;  // drops nothing: the inference path is exact
  if (!(ratio >= 0 && ratio <= 1)) return absl::UnimplementedError("ratio outside [0, 1]");
  DropoutTraining d;
  d.seed = n.HasAttr("seed") ? static_cast<uint32_t>(n.GetInt("seed", 0)) : std::random_device{}();
  d.threshold = static_cast<uint64_t>(std::ceil(ratio * 9007199254740992.0));
  d.scale = ratio < 1 ? static_cast<float>(1.0 / (1.0 - ratio)) : 0.0f;
  return d;
}

}  // namespace socd::backends::gpu_typed
