// KServe v2 tensors <-> socd tensors: datatype names, typed `contents` decoding, byte-size
// checks. Raw inputs are used in place (no copy); typed contents are decoded into owned storage.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "graph/tensor.h"
#include "inference.pb.h"

namespace socd::daemon {

// "FP32" <-> DType::kFloat32 ... ; "BYTES" <-> DType::kString (encoding: daemon/bytes_codec.h).
absl::StatusOr<graph::DType> DTypeFromWire(const std::string& datatype);
const char* WireName(graph::DType dt);
// Triton's model_config DataType enum (TYPE_FP32 ...).
inference::DataType ConfigDataType(graph::DType dt);
absl::StatusOr<graph::DType> DTypeFromConfig(inference::DataType dt);

// Decodes typed contents (the field matching `dt`) into a tensor of `shape`, checking the count.
// Not for BYTES (DecodeBytesContents).
absl::StatusOr<std::shared_ptr<graph::Tensor>> DecodeContents(
    const std::string& input_name, graph::DType dt, const graph::Shape& shape,
    const inference::InferTensorContents& contents);

}  // namespace socd::daemon
