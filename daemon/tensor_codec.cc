#include "daemon/tensor_codec.h"

#include "absl/strings/str_cat.h"

namespace socd::daemon {

using graph::DType;

namespace {
struct WireType {
  const char* name;
  DType dt;
  inference::DataType config;
};
constexpr WireType kWireTypes[] = {
    {"BOOL", DType::kBool, inference::TYPE_BOOL},
    {"UINT8", DType::kUInt8, inference::TYPE_UINT8},
    {"UINT16", DType::kUInt16, inference::TYPE_UINT16},
    {"UINT32", DType::kUInt32, inference::TYPE_UINT32},
    {"UINT64", DType::kUInt64, inference::TYPE_UINT64},
    {"INT8", DType::kInt8, inference::TYPE_INT8},
    {"INT16", DType::kInt16, inference::TYPE_INT16},
    {"INT32", DType::kInt32, inference::TYPE_INT32},
    {"INT64", DType::kInt64, inference::TYPE_INT64},
    {"FP16", DType::kFloat16, inference::TYPE_FP16},
    {"FP32", DType::kFloat32, inference::TYPE_FP32},
    {"FP64", DType::kFloat64, inference::TYPE_FP64},
    {"BF16", DType::kBFloat16, inference::TYPE_BF16},
    {"BYTES", DType::kString, inference::TYPE_STRING},  // daemon/bytes_codec.h
};
}  // namespace

absl::StatusOr<DType> DTypeFromWire(const std::string& datatype) {
  for (const auto& w : kWireTypes)
    if (datatype == w.name) return w.dt;
  return absl::InvalidArgumentError(absl::StrCat("unknown datatype '", datatype, "'"));
}

const char* WireName(DType dt) {
  for (const auto& w : kWireTypes)
    if (dt == w.dt) return w.name;
  return "INVALID";
}

inference::DataType ConfigDataType(DType dt) {
  for (const auto& w : kWireTypes)
    if (dt == w.dt) return w.config;
  return inference::TYPE_INVALID;
}

absl::StatusOr<DType> DTypeFromConfig(inference::DataType dt) {
  for (const auto& w : kWireTypes)
    if (dt == w.config) return w.dt;
  return absl::InvalidArgumentError(
      absl::StrCat("data type ", inference::DataType_Name(dt), " is not supported"));
}

namespace {
template <typename T, typename Field>
absl::Status Fill(const Field& f, int64_t n, const std::string& name, const char* field,
                  graph::Tensor& t) {
  if (f.size() != n) {
    return absl::InvalidArgumentError(absl::StrCat("input '", name, "': contents.", field, " has ",
                                                   f.size(), " values, shape needs ", n));
  }
  T* out = t.as<T>();
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(f.Get(static_cast<int>(i)));
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<std::shared_ptr<graph::Tensor>> DecodeContents(
    const std::string& name, DType dt, const graph::Shape& shape,
    const inference::InferTensorContents& c) {
  int64_t n = graph::NumElements(shape);
  if (n < 0) return absl::InvalidArgumentError(absl::StrCat("input '", name, "': bad shape"));
  auto t = std::make_shared<graph::Tensor>(dt, shape);
  absl::Status s;
  switch (dt) {
    case DType::kBool:
      s = Fill<uint8_t>(c.bool_contents(), n, name, "bool_contents", *t);
      break;
    case DType::kInt8:
      s = Fill<int8_t>(c.int_contents(), n, name, "int_contents", *t);
      break;
    case DType::kInt16:
      s = Fill<int16_t>(c.int_contents(), n, name, "int_contents", *t);
      break;
    case DType::kInt32:
      s = Fill<int32_t>(c.int_contents(), n, name, "int_contents", *t);
      break;
    case DType::kInt64:
      s = Fill<int64_t>(c.int64_contents(), n, name, "int64_contents", *t);
      break;
    case DType::kUInt8:
      s = Fill<uint8_t>(c.uint_contents(), n, name, "uint_contents", *t);
      break;
    case DType::kUInt16:
      s = Fill<uint16_t>(c.uint_contents(), n, name, "uint_contents", *t);
      break;
    case DType::kUInt32:
      s = Fill<uint32_t>(c.uint_contents(), n, name, "uint_contents", *t);
      break;
    case DType::kUInt64:
      s = Fill<uint64_t>(c.uint64_contents(), n, name, "uint64_contents", *t);
      break;
    case DType::kFloat32:
      s = Fill<float>(c.fp32_contents(), n, name, "fp32_contents", *t);
      break;
    case DType::kFloat64:
      s = Fill<double>(c.fp64_contents(), n, name, "fp64_contents", *t);
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "input '", name, "': datatype ", WireName(dt),
          " can only be sent as raw_input_contents (the protocol has no typed field for it)"));
  }
  if (!s.ok()) return s;
  return t;
}

}  // namespace socd::daemon
