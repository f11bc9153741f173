// Row-wise normalizations: Softmax / LogSoftmax (both axis conventions), LayerNormalization
// (with its optional Mean / InvStdDev outputs), LRN.
#include "absl/strings/str_cat.h"
#include "backends/opencl/cl_ops.h"

namespace socd::opencl {

namespace cl_ops_norm {

int64_t Prod(const graph::Shape& s, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to && i < s.size(); ++i) p *= s[i];
  return p;
}

absl::StatusOr<std::vector<ClDispatch>> LowerSoftmax(const LowerCtx& c) {
  if (auto s = c.RequireFloat32(); !s.ok()) return s;
  const graph::Shape& xs = c.in_shape(0);
  if (!FitsInt32(xs)) return c.Unimplemented("more than 2^31 elements");
  const int64_t rank = static_cast<int64_t>(xs.size());
  const bool legacy = c.node.opset < 13;  // coerced to 2-D at `axis`
  int64_t axis = c.node.GetInt("axis", legacy ? 1 : -1);
  if (axis < 0) axis += rank;
  if (rank == 0) axis = 0;
  if (axis < 0 || axis > std::max<int64_t>(rank - 1, 0))
    return c.Unimplemented("axis out of range");
  int64_t outer = Prod(xs, 0, axis), len, inner;
  if (legacy) {
    len = Prod(xs, axis, xs.size());
    inner = 1;
  } else {
    len = rank == 0 ? 1 : xs[axis];
    inner = Prod(xs, axis + 1, xs.size());
  }
  ClDispatch d = Dispatch1D("softmax_f32", outer * inner);
  d.args = {ClArg::Value(c.in(0)), ClArg::Value(c.out()),
            ClArg::Int(outer),     ClArg::Int(len),
            ClArg::Int(inner),     ClArg::Int(c.node.op_type == "LogSoftmax")};
  return std::vector<ClDispatch>{d};
}

absl::StatusOr<std::vector<ClDispatch>> LowerLayerNorm(const LowerCtx& c) {
  if (auto s = c.RequireFloat32(); !s.ok()) return s;
  const graph::Shape& xs = c.in_shape(0);
  if (!FitsInt32(xs)) return c.Unimplemented("more than 2^31 elements");
  const int64_t rank = static_cast<int64_t>(xs.size());
  int64_t axis = c.node.GetInt("axis", -1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return c.Unimplemented("axis out of range");
  const int64_t rows = Prod(xs, 0, axis), len = Prod(xs, axis, xs.size());
  // Scale/bias repeat along the normalized dims: their shape must be a suffix of those dims
  // (after dropping leading 1s), so element k of a row reads k % size.
  auto suffix_len = [&](size_t i) -> int64_t {
    const graph::Shape& s = c.in_shape(i);
    size_t lead = 0;
    while (lead < s.size() && s[lead] == 1 && s.size() - lead > 0) ++lead;
    const size_t n = s.size() - lead;
    if (n > static_cast<size_t>(rank - axis)) return -1;
    for (size_t k = 0; k < n; ++k)
      if (s[lead + k] != xs[xs.size() - n + k]) return -1;
    return Prod(s, lead, s.size());
  };
  const int64_t slen = suffix_len(1);
  const int64_t blen = c.has_in(2) ? suffix_len(2) : 1;
  if (slen <= 0 || blen <= 0) return c.Unimplemented("scale/bias do not repeat along the row");
  int flags = 0;
  if (c.has_in(2)) flags |= 1;
  if (c.has_out(1)) flags |= 2;
  if (c.has_out(2)) flags |= 4;
  ClDispatch d = Dispatch1D("layernorm_f32", rows);
  d.args = {ClArg::Value(c.in(0)),
            ClArg::Value(c.in(1)),
            flags & 1 ? ClArg::Value(c.in(2)) : ClArg::Null(),
            ClArg::Value(c.out()),
            flags & 2 ? ClArg::Value(c.out(1)) : ClArg::Null(),
            flags & 4 ? ClArg::Value(c.out(2)) : ClArg::Null(),
            ClArg::Int(rows),
            ClArg::Int(len),
            ClArg::Int(slen),
            ClArg::Int(blen),
            ClArg::Float(c.node.GetFloat("epsilon", 1e-5f)),
            ClArg::Int(flags)};
  return std::vector<ClDispatch>{d};
}

absl::StatusOr<std::vector<ClDispatch>> LowerLrn(const LowerCtx& c) {
  if (auto s = c.RequireFloat32(); !s.ok()) return s;
  const graph::Shape& xs = c.in_shape(0);
  if (xs.size() < 2 || !FitsInt32(xs)) return c.Unimplemented("input rank below 2");
  const int64_t size = c.node.GetInt("size", 0);
  if (size <= 0) return c.Unimplemented("size must be positive");
  const int64_t total = graph::NumElements(xs);
  ClDispatch d = Dispatch1D("lrn_f32", total);
  d.args = {ClArg::Value(c.in(0)),
            ClArg::Value(c.out()),
            ClArg::Int(total),
            ClArg::Int(xs[1]),
            ClArg::Int(Prod(xs, 2, xs.size())),
            ClArg::Int(size),
            ClArg::Float(c.node.GetFloat("alpha", 1e-4f)),
            ClArg::Float(c.node.GetFloat("beta", 0.75f)),
            ClArg::Float(c.node.GetFloat("bias", 1.0f))};
  return std::vector<ClDispatch>{d};
}

}  // namespace cl_ops_norm

void RegisterNormOps(ClOpTable& t) {
  namespace n = cl_ops_norm;
  t["Softmax"] = {n::LowerSoftmax, nullptr};
  t["LogSoftmax"] = {n::LowerSoftmax, nullptr};
  t["LayerNormalization"] = {n::LowerLayerNorm, nullptr};
  t["LRN"] = {n::LowerLrn, nullptr};
}

}  // namespace socd::opencl
