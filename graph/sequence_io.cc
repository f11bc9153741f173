#include "graph/sequence_io.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "graph/onnx_import.h"
#include "onnx/onnx-data_pb.h"
#include "onnx/onnx_pb.h"

namespace socd::graph {
namespace {

absl::StatusOr<std::shared_ptr<const Tensor>> TensorFromProto(const onnx::TensorProto& tp) {
  auto t = ParseTensorProto(tp.SerializeAsString());
  if (!t.ok()) return t.status();
  return std::shared_ptr<const Tensor>(*std::move(t));
}

absl::StatusOr<std::shared_ptr<const HandleObject>> SequenceFromProto(
    const onnx::SequenceProto& sp) {
  if (sp.elem_type() != onnx::SequenceProto::TENSOR && sp.tensor_values_size() == 0 &&
      sp.elem_type() != onnx::SequenceProto::UNDEFINED) {
    return absl::UnimplementedError("only sequences of tensors are supported");
  }
  auto h = std::make_shared<HandleObject>();
  h->kind = HandleObject::Kind::kSequence;
  for (const auto& tp : sp.tensor_values()) {
    auto t = TensorFromProto(tp);
    if (!t.ok()) return t.status();
    h->elem_dtype = (*t)->dtype();
    h->tensors.push_back(*std::move(t));
  }
  return std::shared_ptr<const HandleObject>(std::move(h));
}

}  // namespace

absl::StatusOr<DataValue> ReadValueFile(const std::string& path, const TensorType& declared,
                                        std::string* name) {
  DataValue out;
  if (!declared.container) {
    auto t = ReadTensorProtoFile(path, name);
    if (!t.ok()) return t.status();
    out.tensor = *std::move(t);
    return out;
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat("cannot open value file '", path, "'"));
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string bytes = ss.str();
  auto bad = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
  };
  absl::StatusOr<std::shared_ptr<const HandleObject>> obj;
  if (declared.container->kind == ContainerType::Kind::kSequence) {
    onnx::SequenceProto sp;
    if (!sp.ParseFromString(bytes)) return bad("not a SequenceProto");
    if (name) *name = sp.name();
    obj = SequenceFromProto(sp);
  } else {
    onnx::OptionalProto op;
    if (!op.ParseFromString(bytes)) return bad("not an OptionalProto");
    if (name) *name = op.name();
    if (op.has_tensor_value()) {
      auto t = TensorFromProto(op.tensor_value());
      if (!t.ok()) return t.status();
      auto h = std::make_shared<HandleObject>();
      h->kind = HandleObject::Kind::kTensor;
      h->elem_dtype = (*t)->dtype();
      h->tensors.push_back(*std::move(t));
      obj = std::shared_ptr<const HandleObject>(std::move(h));
    } else if (op.has_sequence_value()) {
      obj = SequenceFromProto(op.sequence_value());
    } else {
      obj = std::shared_ptr<const HandleObject>();  // an empty optional
    }
  }
  if (!obj.ok()) return bad(obj.status().message());
  out.object = *std::move(obj);
  out.tensor = std::make_shared<Tensor>(DType::kHandle, Shape{});
  WriteHandle(out.tensor->view(), out.object.get());
  return out;
}

void CompareHandleInto(const std::string& what, const TensorView& got, const HandleObject* want,
                       double rtol, double atol, CompareResult& r) {
  auto fail = [&](const std::string& msg) {
    if (r.passed) r.message = absl::StrCat(what, ": ", msg);
    r.passed = false;
  };
  if (got.dtype != DType::kHandle || got.numel() != 1) {
    return fail(absl::StrCat("expected a sequence/optional value, got ", DTypeName(got.dtype),
                             ShapeToString(got.shape)));
  }
  const HandleObject* h = ReadHandle(got);
  if (!want || !h) {
    if (want != h) fail(want ? "empty optional, expected a value" : "a value, expected none");
    return;
  }
  if (h->kind != want->kind) return fail("a sequence and a tensor optional differ");
  if (h->tensors.size() != want->tensors.size()) {
    return fail(absl::StrCat(h->tensors.size(), " elements, expected ", want->tensors.size()));
  }
  for (size_t i = 0; i < h->tensors.size(); ++i) {
    CompareInto(absl::StrCat(what, " element ", i), h->tensors[i]->view(), want->tensors[i]->view(),
                rtol, atol, r);
  }
}

}  // namespace socd::graph
