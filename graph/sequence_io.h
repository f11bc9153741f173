// Sequence and optional values in test data: the SequenceProto / OptionalProto files of ONNX's
// test_data_set folders (input_K.pb / output_K.pb), read as HandleObjects, and comparison of a
// handle output against such a reference. Used by the conformance runner and socd-run.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "graph/ir.h"
#include "graph/sequence_type.h"
#include "graph/tensor_compare.h"

namespace socd::graph {

// A value read from a file: for a container type, `tensor` is the kHandle scalar pointing at
// `object` (null for an empty optional), which must outlive every use of the handle.
struct DataValue {
  std::shared_ptr<Tensor> tensor;
  std::shared_ptr<const HandleObject> object;
};

// Reads a serialized TensorProto, or SequenceProto / OptionalProto when `declared` is a
// container type. `name` receives the proto's name if non-null.
absl::StatusOr<DataValue> ReadValueFile(const std::string& path, const TensorType& declared,
                                        std::string* name = nullptr);

// Compares handle `got` with `want` (null: an empty optional): presence, kind, length, then each
// element as CompareInto does.
void CompareHandleInto(const std::string& what, const TensorView& got, const HandleObject* want,
                       double rtol, double atol, CompareResult& r);

}  // namespace socd::graph
