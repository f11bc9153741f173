// Sequence and optional values (ONNX's sequence(T) and optional(T)). In the IR such a value is
// a scalar of DType::kHandle whose TensorType::container says what it holds; at run time its
// one 8-byte element points at a HandleObject, so these values are planned, aliased, copied
// (Identity, Loop-carried, If outputs) and returned exactly like any other scalar tensor.
//
// Ownership follows string views (graph/string_store.h): a kernel that makes a new object puts
// it in the run's pool (KernelIo::strings->Keep), so a handle output of CompiledPartition::Run
// is valid until the next Run or Prepare of that partition and as long as the caller's handle
// inputs stay alive (Identity passes the caller's object through). The caller owns the objects
// behind handle inputs. Objects are immutable once published; element tensors own their bytes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/ir.h"
#include "graph/tensor.h"

namespace socd::graph {

// sequence(elem) or optional(elem); elem is a tensor type or (optional only) a sequence type.
struct ContainerType {
  enum class Kind { kSequence, kOptional };
  Kind kind = Kind::kSequence;
  TensorType elem;  // elem.container set when the element is itself a container
  std::string ToString() const;
};

// The IR type of a container value: a kHandle scalar carrying `c`.
TensorType HandleType(ContainerType c);

// What a non-null handle points at. A sequence is kSequence (the optional holding a sequence is
// that same object); an optional holding a tensor is kTensor with exactly one element. A null
// handle is an empty optional.
struct HandleObject {
  enum class Kind { kSequence, kTensor };
  Kind kind = Kind::kSequence;
  DType elem_dtype = DType::kUndefined;  // kSequence: element type (empty sequences keep it)
  std::vector<std::shared_ptr<const Tensor>> tensors;
};

// ConcatFromSequence's output shape: the elements joined along `axis` (stacked along a new
// axis when new_axis). InvalidArgument on an empty sequence or mismatched shapes.
absl::StatusOr<Shape> ConcatFromSequenceShape(const HandleObject* h, int64_t axis, bool new_axis);

class OpRegistry;
// Sequence*/Optional* schemas (graph/ops/sequence.cc).
void RegisterSequenceOps(OpRegistry& r);

inline const HandleObject* ReadHandle(const TensorView& v) {
  return v.data ? *static_cast<const HandleObject* const*>(v.data) : nullptr;
}
inline void WriteHandle(const TensorView& v, const HandleObject* h) {
  *static_cast<const HandleObject**>(v.data) = h;
}
}  // namespace socd::graph
