// CPU kernels for sequence and optional values (graph/sequence_type.h). A container value is
// one handle element; a kernel that makes a new container publishes an immutable HandleObject
// in the run's pool (KernelIo::strings->Keep) and writes its address. Element tensors are
// shared between objects (SequenceInsert keeps the input's elements) and own their bytes, so
// they outlive the arena slots they were copied from.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "backends/cpu/kernel.h"
#include "backends/memory/copy.h"
#include "graph/sequence_type.h"

namespace socd::cpu {
namespace sequence_kernels {

using graph::HandleObject;

std::shared_ptr<const graph::Tensor> OwnedCopy(const TensorView& v) {
  auto t = std::make_shared<graph::Tensor>(v.dtype, v.shape);
  memory::CopyBytes(t->data(), v.data, v.bytes());
  if (v.dtype == DType::kString) t->OwnStrings();  // the characters may be the run's or caller's
  return t;
}

absl::Status Publish(const KernelIo& io, std::shared_ptr<HandleObject> h) {
  if (!io.strings) return absl::InternalError("no run pool for a sequence/optional value");
  graph::WriteHandle(io.outputs[0], io.strings->Keep(std::shared_ptr<const HandleObject>(h)));
  return absl::OkStatus();
}

const HandleObject* SequenceIn(const KernelIo& io, size_t i) {
  const HandleObject* h = graph::ReadHandle(io.inputs[i]);
  return h && h->kind == HandleObject::Kind::kSequence ? h : nullptr;
}

absl::Status NotSequence(const graph::Node& n) {
  return absl::InvalidArgumentError(absl::StrCat(n.Describe(), ": input 0 is not a sequence"));
}

// Position input i (int32/int64 scalar), normalized against n (+1 when `end_ok`: insertion).
absl::StatusOr<int64_t> Position(const graph::Node& node, const KernelIo& io, size_t i, int64_t n,
                                 bool end_ok, int64_t def) {
  if (i >= io.inputs.size() || !io.inputs[i].data) return def;
  const int64_t p0 = graph::ReadInt(io.inputs[i], 0);
  const int64_t p = p0 < 0 ? p0 + n : p0;
  if (p < 0 || p > n || (p == n && !end_ok)) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": position ", p0, " is out of range for ", n, " elements"));
  }
  return p;
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateSequenceEmpty(const KernelInfo& info) {
  const DType dt = static_cast<DType>(info.node.GetInt("dtype", 1));
  return MakeFnKernel([dt](const KernelIo& io) {
    auto h = std::make_shared<HandleObject>();
    h->elem_dtype = dt;
    return Publish(io, std::move(h));
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateSequenceConstruct(const KernelInfo& info) {
  return MakeFnKernel([](const KernelIo& io) {
    auto h = std::make_shared<HandleObject>();
    h->elem_dtype = io.inputs[0].dtype;
    for (const TensorView& v : io.inputs) h->tensors.push_back(OwnedCopy(v));
    return Publish(io, std::move(h));
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateSequenceInsert(const KernelInfo& info) {
  const graph::Node& node = info.node;
  return MakeFnKernel([&node](const KernelIo& io) -> absl::Status {
    const HandleObject* in = SequenceIn(io, 0);
    if (!in) return NotSequence(node);
    const int64_t n = static_cast<int64_t>(in->tensors.size());
    auto p = Position(node, io, 2, n, true, n);
    if (!p.ok()) return p.status();
    if (!in->tensors.empty() && io.inputs[1].dtype != in->elem_dtype) {
      return absl::InvalidArgumentError(
          absl::StrCat(node.Describe(), ": a ", graph::DTypeName(io.inputs[1].dtype),
                       " tensor cannot join a sequence of ", graph::DTypeName(in->elem_dtype)));
    }
    auto h = std::make_shared<HandleObject>(*in);
    h->elem_dtype = io.inputs[1].dtype;
    h->tensors.insert(h->tensors.begin() + *p, OwnedCopy(io.inputs[1]));
    return Publish(io, std::move(h));
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateSequenceErase(const KernelInfo& info) {
  const graph::Node& node = info.node;
  return MakeFnKernel([&node](const KernelIo& io) -> absl::Status {
    const HandleObject* in = SequenceIn(io, 0);
    if (!in) return NotSequence(node);
    const int64_t n = static_cast<int64_t>(in->tensors.size());
    auto p = Position(node, io, 1, n, false, n - 1);
    if (!p.ok()) return p.status();
    auto h = std::make_shared<HandleObject>(*in);
    h->tensors.erase(h->tensors.begin() + *p);
    return Publish(io, std::move(h));
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateSequenceLength(const KernelInfo& info) {
  const graph::Node& node = info.node;
  return MakeFnKernel([&node](const KernelIo& io) -> absl::Status {
    const HandleObject* in = SequenceIn(io, 0);
    if (!in) return NotSequence(node);
    *io.outputs[0].as<int64_t>() = static_cast<int64_t>(in->tensors.size());
    return absl::OkStatus();
  });
}

// Copies tensor t into output 0, whose dtype and shape were inferred from the same object.
absl::Status CopyOut(const graph::Node& node, const KernelIo& io, const graph::Tensor& t) {
  const TensorView& o = io.outputs[0];
  if (o.dtype != t.dtype() || o.shape != t.shape()) {
    return absl::InternalError(
        absl::StrCat(node.Describe(), ": element is ", graph::DTypeName(t.dtype()),
                     graph::ShapeToString(t.shape()), ", planned ", graph::DTypeName(o.dtype),
                     graph::ShapeToString(o.shape)));
  }
  memory::CopyBytes(o.data, t.data(), t.bytes());
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateSequenceAt(const KernelInfo& info) {
  const graph::Node& node = info.node;
  return MakeFnKernel([&node](const KernelIo& io) -> absl::Status {
    const HandleObject* in = SequenceIn(io, 0);
    if (!in) return NotSequence(node);
    auto p = Position(node, io, 1, static_cast<int64_t>(in->tensors.size()), false, 0);
    if (!p.ok()) return p.status();
    return CopyOut(node, io, *in->tensors[*p]);
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateSplitToSequence(const KernelInfo& info) {
  const graph::Node& node = info.node;
  const Shape& in_shape = info.in_shapes[0];
  const int64_t rank = static_cast<int64_t>(in_shape.size());
  int64_t axis = node.GetInt("axis", 0);
  if (axis < -rank || axis >= rank) return info.Error("axis is out of range");
  if (axis < 0) axis += rank;
  const bool keepdims = node.GetInt("keepdims", 1) != 0;
  return MakeFnKernel([&node, axis, keepdims](const KernelIo& io) -> absl::Status {
    const TensorView& x = io.inputs[0];
    const int64_t len = x.shape[axis];
    std::vector<int64_t> sizes;
    const bool has_split = io.inputs.size() > 1 && io.inputs[1].data;
    if (!has_split) {
      sizes.assign(len, 1);
    } else if (io.inputs[1].shape.empty()) {
      const int64_t c = graph::ReadInt(io.inputs[1], 0);
      if (c <= 0) return absl::InvalidArgumentError(node.Describe() + ": split must be positive");
      for (int64_t at = 0; at < len; at += c) sizes.push_back(std::min(c, len - at));
    } else {
      int64_t total = 0;
      for (int64_t i = 0; i < io.inputs[1].numel(); ++i) {
        sizes.push_back(graph::ReadInt(io.inputs[1], i));
        if (sizes.back() < 0)
          return absl::InvalidArgumentError(node.Describe() + ": negative split");
        total += sizes.back();
      }
      if (total != len)
        return absl::InvalidArgumentError(
            absl::StrCat(node.Describe(), ": split sizes add up to ", total, ", not ", len));
    }
    int64_t outer = 1;
    size_t inner = graph::DTypeSize(x.dtype);
    for (int64_t d = 0; d < axis; ++d) outer *= x.shape[d];
    for (size_t d = static_cast<size_t>(axis) + 1; d < x.shape.size(); ++d) inner *= x.shape[d];
    auto h = std::make_shared<HandleObject>();
    h->elem_dtype = x.dtype;
    const uint8_t* src = static_cast<const uint8_t*>(x.data);
    int64_t at = 0;
    for (int64_t s : sizes) {
      Shape shape = x.shape;
      shape[axis] = s;
      auto t = std::make_shared<graph::Tensor>(x.dtype, shape);
      uint8_t* dst = static_cast<uint8_t*>(t->data());
      for (int64_t o = 0; o < outer; ++o)
        memory::CopyBytes(dst + o * s * inner, src + (o * len + at) * inner, s * inner);
      at += s;
      if (!has_split && !keepdims) shape.erase(shape.begin() + axis);
      std::shared_ptr<graph::Tensor> out = t;
      if (shape != t->shape()) {  // same bytes, the split axis dropped
        out = std::make_shared<graph::Tensor>(x.dtype, shape);
        memory::CopyBytes(out->data(), t->data(), t->bytes());
      }
      if (x.dtype == DType::kString) out->OwnStrings();
      h->tensors.push_back(std::move(out));
    }
    return Publish(io, std::move(h));
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateConcatFromSequence(const KernelInfo& info) {
  const graph::Node& node = info.node;
  const int64_t axis_attr = node.GetInt("axis", 0);
  const bool new_axis = node.GetInt("new_axis", 0) != 0;
  return MakeFnKernel([&node, axis_attr, new_axis](const KernelIo& io) -> absl::Status {
    const HandleObject* in = SequenceIn(io, 0);
    auto shape = graph::ConcatFromSequenceShape(in, axis_attr, new_axis);
    if (!shape.ok())
      return absl::InvalidArgumentError(node.Describe() + ": " +
                                        std::string(shape.status().message()));
    const TensorView& o = io.outputs[0];
    if (o.shape != *shape) return absl::InternalError(node.Describe() + ": output shape changed");
    const int64_t rank = static_cast<int64_t>(shape->size());
    const int64_t axis = axis_attr < 0 ? axis_attr + rank : axis_attr;
    int64_t outer = 1;
    size_t inner = graph::DTypeSize(o.dtype);
    for (int64_t d = 0; d < axis; ++d) outer *= (*shape)[d];
    for (int64_t d = axis + 1; d < rank; ++d) inner *= (*shape)[d];
    const int64_t len = (*shape)[axis];
    uint8_t* dst = static_cast<uint8_t*>(o.data);
    int64_t at = 0;
    for (const auto& t : in->tensors) {
      const int64_t s = new_axis ? 1 : t->shape()[axis];
      const uint8_t* src = static_cast<const uint8_t*>(t->data());
      for (int64_t b = 0; b < outer; ++b)
        memory::CopyBytes(dst + (b * len + at) * inner, src + b * s * inner, s * inner);
      at += s;
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateOptional(const KernelInfo& info) {
  return MakeFnKernel([](const KernelIo& io) -> absl::Status {
    if (io.inputs.empty() || !io.inputs[0].data) {  // no input: an empty optional
      graph::WriteHandle(io.outputs[0], nullptr);
      return absl::OkStatus();
    }
    if (io.inputs[0].dtype == DType::kHandle) {  // optional(sequence): the sequence itself
      graph::WriteHandle(io.outputs[0], graph::ReadHandle(io.inputs[0]));
      return absl::OkStatus();
    }
    auto h = std::make_shared<HandleObject>();
    h->kind = HandleObject::Kind::kTensor;
    h->elem_dtype = io.inputs[0].dtype;
    h->tensors.push_back(OwnedCopy(io.inputs[0]));
    return Publish(io, std::move(h));
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateOptionalHasElement(const KernelInfo& info) {
  return MakeFnKernel([](const KernelIo& io) -> absl::Status {
    bool has = !io.inputs.empty() && io.inputs[0].data;
    if (has && io.inputs[0].dtype == DType::kHandle) has = graph::ReadHandle(io.inputs[0]);
    *io.outputs[0].as<bool>() = has;
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateOptionalGetElement(const KernelInfo& info) {
  const graph::Node& node = info.node;
  return MakeFnKernel([&node](const KernelIo& io) -> absl::Status {
    const TensorView& in = io.inputs[0];
    if (in.dtype != DType::kHandle) {
      memory::CopyBytes(io.outputs[0].data, in.data, in.bytes());
      return absl::OkStatus();
    }
    const HandleObject* h = graph::ReadHandle(in);
    if (!h) return absl::InvalidArgumentError(node.Describe() + ": the optional input is empty");
    if (h->kind == HandleObject::Kind::kSequence) {
      graph::WriteHandle(io.outputs[0], h);
      return absl::OkStatus();
    }
    return CopyOut(node, io, *h->tensors[0]);
  });
}

}  // namespace sequence_kernels

void RegisterSequenceMapKernel(KernelRegistry& r);  // sequence_map.cc

void RegisterSequenceKernels(KernelRegistry& r) {
  using namespace sequence_kernels;  // NOLINT: registration table only
  RegisterSequenceMapKernel(r);
  r.Add({"", "SequenceEmpty", 11, 1000, CreateSequenceEmpty});
  r.Add({"", "SequenceConstruct", 11, 1000, CreateSequenceConstruct});
  r.Add({"", "SequenceInsert", 11, 1000, CreateSequenceInsert});
  r.Add({"", "SequenceErase", 11, 1000, CreateSequenceErase});
  r.Add({"", "SequenceLength", 11, 1000, CreateSequenceLength});
  r.Add({"", "SequenceAt", 11, 1000, CreateSequenceAt});
  r.Add({"", "SplitToSequence", 11, 1000, CreateSplitToSequence});
  r.Add({"", "ConcatFromSequence", 11, 1000, CreateConcatFromSequence});
  r.Add({"", "Optional", 15, 1000, CreateOptional});
  r.Add({"", "OptionalHasElement", 15, 1000, CreateOptionalHasElement});
  r.Add({"", "OptionalGetElement", 15, 1000, CreateOptionalGetElement});
}

}  // namespace socd::cpu
