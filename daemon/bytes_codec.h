// Triton BYTES tensors <-> socd string tensors (graph/string_store.h). On the wire (raw
// input/output contents and system shared memory) a BYTES tensor is its elements in row-major
// order, each a 4-byte little-endian length followed by that many bytes; typed requests use
// contents.bytes_contents, one entry per element.
//
// Decoding copies no characters: the elements of the returned tensor point into the caller's
// buffer (the request message or a held shared-memory region), which must outlive every use
// of the tensor and of the outputs computed from it (until the response is serialized).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/tensor.h"
#include "inference.pb.h"

namespace socd::daemon {

// Parses `payload` as exactly NumElements(shape) length-prefixed elements. Truncated prefixes,
// lengths past the end and trailing bytes are InvalidArgument naming `input_name` and the
// element index.
absl::StatusOr<std::shared_ptr<graph::Tensor>> DecodeBytesTensor(const std::string& input_name,
                                                                 const graph::Shape& shape,
                                                                 absl::string_view payload);

// contents.bytes_contents (one entry per element) as a string tensor viewing those entries.
absl::StatusOr<std::shared_ptr<graph::Tensor>> DecodeBytesContents(
    const std::string& input_name, const graph::Shape& shape,
    const inference::InferTensorContents& contents);

// Size of the wire form of a string view, and the wire form written to `out` (which must hold
// SerializedBytesSize(t) bytes).
size_t SerializedBytesSize(const graph::TensorView& t);
void SerializeBytes(const graph::TensorView& t, char* out);

}  // namespace socd::daemon
