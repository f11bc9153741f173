// ONNX model files -> socd's IR. Parsing uses Debian's libonnx protobuf classes only; all
// checking and shape inference is socd's own (libonnx's checker stops at opset 17).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "graph/ir.h"

namespace socd::graph {

struct ImportOptions {
  // Directory that external-data `location`s are relative to (the model's folder).
  std::string external_data_dir;
  // Refuse models whose file exceeds this (protects the daemon from absurd inputs).
  size_t max_model_bytes = size_t{2} << 30;
};

// Imports a serialized ModelProto. Errors name what was wrong: truncated or corrupt protobuf,
// unsupported IR version, bad tensor data, unknown dtype, duplicate or dangling value names,
// cycles. Constant nodes become constant values.
absl::StatusOr<Graph> ImportOnnx(const std::string& bytes, const ImportOptions& opts = {});
absl::StatusOr<Graph> ImportOnnxFile(const std::string& path);

// A serialized onnx.TensorProto (the test_data_set input_K.pb / output_K.pb files). `name`
// receives the tensor's name if non-null.
absl::StatusOr<std::shared_ptr<Tensor>> ParseTensorProto(const std::string& bytes,
                                                         std::string* name = nullptr);
absl::StatusOr<std::shared_ptr<Tensor>> ReadTensorProtoFile(const std::string& path,
                                                            std::string* name = nullptr);

}  // namespace socd::graph
