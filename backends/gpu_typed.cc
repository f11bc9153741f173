#include "backends/gpu_typed.h"

#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "graph/minifloat.h"

namespace socd::backends::gpu_typed {

using graph::DType;

bool Storable(DType t) {
  switch (t) {
    case DType::kFloat32:
    case DType::kUInt8:
    case DType::kInt8:
    case DType::kUInt16:
    case DType::kInt16:
    case DType::kInt32:
    case DType::kInt64:
    case DType::kBool:
    case DType::kFloat16:
    case DType::kFloat64:
    case DType::kUInt32:
    case DType::kUInt64:
    case DType::kBFloat16:
      return true;
    default:
      return false;
  }
}

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

}  // namespace socd::backends::gpu_typed
