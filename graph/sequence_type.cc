#include "graph/sequence_type.h"

#include "absl/strings/str_cat.h"

namespace socd::graph {

std::string ContainerType::ToString() const {
  return absl::StrCat(kind == Kind::kSequence ? "sequence(" : "optional(", elem.ToString(), ")");
}

TensorType HandleType(ContainerType c) {
  TensorType t;
  t.dtype = DType::kHandle;
  t.has_shape = true;  // a scalar: the handle
  t.container = std::make_shared<const ContainerType>(std::move(c));
  return t;
}

absl::StatusOr<Shape> ConcatFromSequenceShape(const HandleObject* h, int64_t axis, bool new_axis) {
  if (!h || h->kind != HandleObject::Kind::kSequence || h->tensors.empty())
    return absl::InvalidArgumentError("the input sequence is empty");
  const Shape& first = h->tensors[0]->shape();
  const int64_t rank = static_cast<int64_t>(first.size()) + (new_axis ? 1 : 0);
  if (axis < -rank || axis >= rank)
    return absl::InvalidArgumentError(absl::StrCat("axis ", axis, " is out of range"));
  if (axis < 0) axis += rank;
  Shape out = first;
  if (new_axis) {
    out.insert(out.begin() + axis, static_cast<int64_t>(h->tensors.size()));
  } else {
    out[axis] = 0;
  }
  for (const auto& t : h->tensors) {
    const Shape& s = t->shape();
    bool same = s.size() == first.size() && t->dtype() == h->tensors[0]->dtype();
    for (size_t d = 0; same && d < s.size(); ++d)
      if ((new_axis || static_cast<int64_t>(d) != axis) && s[d] != first[d]) same = false;
    if (!same) {
      return absl::InvalidArgumentError(absl::StrCat("element ", DTypeName(t->dtype()),
                                                     ShapeToString(s), " does not match ",
                                                     ShapeToString(first)));
    }
    if (!new_axis) out[axis] += s[axis];
  }
  return out;
}

}  // namespace socd::graph
