#include "graph/ops/tensor_params.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"

namespace socd::graph::tensor_params {

std::vector<int64_t> ReadInts(const TensorView& v) {
  std::vector<int64_t> out(static_cast<size_t>(std::max<int64_t>(v.numel(), 0)));
  for (size_t i = 0; i < out.size(); ++i) out[i] = ReadInt(v, static_cast<int64_t>(i));
  return out;
}

std::vector<double> ReadDoubles(const TensorView& v) {
  std::vector<double> out(static_cast<size_t>(std::max<int64_t>(v.numel(), 0)));
  for (size_t i = 0; i < out.size(); ++i) out[i] = ReadFloat(v, static_cast<int64_t>(i));
  return out;
}

absl::StatusOr<std::optional<std::vector<int64_t>>> InputInts(const InferContext& ctx, size_t i) {
  if (!ctx.has_input(i)) return std::optional<std::vector<int64_t>>();
  auto v = ctx.RequireValue(i);
  if (!v.ok()) return v.status();
  if (!IsInteger((*v)->dtype)) {
    return ctx.Error(
        absl::StrCat("input ", i, " must be an integer tensor, got ", DTypeName((*v)->dtype)));
  }
  return std::optional<std::vector<int64_t>>(ReadInts(**v));
}

absl::StatusOr<std::vector<int64_t>> NormalizeAxes(const std::vector<int64_t>& axes, int64_t rank) {
  std::vector<int64_t> out;
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (int64_t a : axes) {
    if (a < -rank || a >= rank) {
      return absl::InvalidArgumentError(
          absl::StrCat("axis ", a, " is out of range for rank ", rank));
    }
    int64_t n = a < 0 ? a + rank : a;
    if (seen[n]) return absl::InvalidArgumentError(absl::StrCat("axis ", a, " is repeated"));
    seen[n] = true;
    out.push_back(n);
  }
  return out;
}

absl::StatusOr<Shape> ReshapeOutput(const Shape& in, const std::vector<int64_t>& spec,
                                    bool allowzero) {
  Shape out(spec.size());
  int infer_at = -1;
  int64_t known = 1;
  bool has_zero = false;
  for (size_t i = 0; i < spec.size(); ++i) {
    int64_t d = spec[i];
    if (d == -1) {
      if (infer_at >= 0) return absl::InvalidArgumentError("shape has more than one -1");
      infer_at = static_cast<int>(i);
      continue;
    }
    if (d < -1) return absl::InvalidArgumentError(absl::StrCat("shape has invalid size ", d));
    if (d == 0 && !allowzero) {
      if (i >= in.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("shape entry ", i,
                         " is 0 (copy the input dimension) but the input has rank ", in.size()));
      }
      d = in[i];
    }
    if (d == 0) has_zero = true;
    out[i] = d;
    if (d != 0 && known > std::numeric_limits<int64_t>::max() / d) {
      return absl::InvalidArgumentError("shape is too large");
    }
    known *= d;
  }
  int64_t total = NumElements(in);
  if (infer_at >= 0) {
    if (has_zero || known == 0) {
      // As ONNX Runtime: the size of -1 is undefined next to a 0 dimension.
      return absl::InvalidArgumentError(absl::StrCat("cannot infer the -1 dimension of ",
                                                     ShapeToString(spec), " for input ",
                                                     ShapeToString(in), " next to a 0"));
    }
    if (total % known != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot reshape ", ShapeToString(in), " to ", ShapeToString(spec)));
    }
    out[infer_at] = total / known;
  } else if (known != total) {
    return absl::InvalidArgumentError(absl::StrCat("cannot reshape ", ShapeToString(in), " (",
                                                   total, " elements) to ", ShapeToString(out)));
  }
  return out;
}

absl::StatusOr<Shape> FlattenOutput(const Shape& in, int64_t axis) {
  int64_t r = static_cast<int64_t>(in.size());
  if (axis < -r || axis > r) {
    return absl::InvalidArgumentError(absl::StrCat("axis ", axis, " is out of range for rank ", r));
  }
  if (axis < 0) axis += r;
  Shape lo(in.begin(), in.begin() + axis), hi(in.begin() + axis, in.end());
  return Shape{NumElements(lo), NumElements(hi)};
}

absl::StatusOr<Shape> SqueezeOutput(const Shape& in,
                                    const std::optional<std::vector<int64_t>>& axes) {
  int64_t r = static_cast<int64_t>(in.size());
  std::vector<bool> drop(in.size(), false);
  if (axes) {
    auto ax = NormalizeAxes(*axes, r);
    if (!ax.ok()) return ax.status();
    for (int64_t a : *ax) {
      if (in[a] != 1) {
        return absl::InvalidArgumentError(absl::StrCat("cannot squeeze axis ", a, " of shape ",
                                                       ShapeToString(in), ": it is not 1"));
      }
      drop[a] = true;
    }
  } else {
    for (size_t i = 0; i < in.size(); ++i) drop[i] = in[i] == 1;
  }
  Shape out;
  for (size_t i = 0; i < in.size(); ++i)
    if (!drop[i]) out.push_back(in[i]);
  return out;
}

absl::StatusOr<Shape> UnsqueezeOutput(const Shape& in, const std::vector<int64_t>& axes) {
  int64_t r = static_cast<int64_t>(in.size() + axes.size());
  auto ax = NormalizeAxes(axes, r);
  if (!ax.ok()) return ax.status();
  std::vector<bool> is_new(static_cast<size_t>(r), false);
  for (int64_t a : *ax) is_new[a] = true;
  Shape out;
  size_t k = 0;
  for (int64_t i = 0; i < r; ++i) out.push_back(is_new[i] ? 1 : in[k++]);
  return out;
}

absl::StatusOr<std::vector<SliceRange>> ComputeSlice(const Shape& in,
                                                     const std::vector<int64_t>& starts,
                                                     const std::vector<int64_t>& ends,
                                                     const std::vector<int64_t>& axes,
                                                     const std::vector<int64_t>& steps) {
  const int64_t r = static_cast<int64_t>(in.size());
  if (starts.size() != ends.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("starts has ", starts.size(), " entries but ends has ", ends.size()));
  }
  if (!axes.empty() && axes.size() != starts.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("axes has ", axes.size(), " entries but starts has ", starts.size()));
  }
  if (!steps.empty() && steps.size() != starts.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("steps has ", steps.size(), " entries but starts has ", starts.size()));
  }
  std::vector<int64_t> ax_in = axes;
  if (ax_in.empty())
    for (size_t i = 0; i < starts.size(); ++i) ax_in.push_back(static_cast<int64_t>(i));
  auto ax = NormalizeAxes(ax_in, r);
  if (!ax.ok()) return ax.status();
  std::vector<SliceRange> out(in.size());
  for (size_t i = 0; i < in.size(); ++i) out[i] = {0, 1, in[i]};
  for (size_t i = 0; i < ax->size(); ++i) {
    const int64_t d = in[(*ax)[i]];
    const int64_t step = steps.empty() ? 1 : steps[i];
    if (step == 0) return absl::InvalidArgumentError("slice step is 0");
    int64_t st = starts[i], en = ends[i];
    if (st < 0) st += d;  // cannot overflow: st < 0 <= d
    if (en < 0) en += d;
    SliceRange& s = out[(*ax)[i]];
    s.step = step;
    if (step > 0) {
      st = std::clamp<int64_t>(st, 0, d);
      en = std::clamp<int64_t>(en, 0, d);
      s.start = st;
      s.count = en > st ? (en - st - 1) / step + 1 : 0;
    } else {
      if (d == 0) {
        s.start = 0;
        s.count = 0;
        continue;
      }
      st = std::clamp<int64_t>(st, 0, d - 1);
      en = std::clamp<int64_t>(en, -1, d - 1);
      s.start = st;
      // -step overflows for INT64_MIN; such a step takes one element at most.
      s.count = st > en
                    ? (step == std::numeric_limits<int64_t>::min() ? 1 : (st - en - 1) / -step + 1)
                    : 0;
    }
  }
  return out;
}

absl::StatusOr<std::vector<int64_t>> SplitSizes(int64_t dim,
                                                const std::optional<std::vector<int64_t>>& split,
                                                int64_t num_outputs, int64_t outputs) {
  if (split) {
    if (static_cast<int64_t>(split->size()) != outputs) {
      return absl::InvalidArgumentError(
          absl::StrCat("split has ", split->size(), " entries for ", outputs, " outputs"));
    }
    int64_t sum = 0;
    for (int64_t s : *split) {
      if (s < 0) return absl::InvalidArgumentError(absl::StrCat("split size ", s, " is negative"));
      sum += s;
    }
    if (sum != dim) {
      return absl::InvalidArgumentError(
          absl::StrCat("split sizes add up to ", sum, " but the axis has ", dim));
    }
    return *split;
  }
  if (outputs <= 0) return absl::InvalidArgumentError("no outputs");
  if (num_outputs > 0) {
    if (num_outputs != outputs) {
      return absl::InvalidArgumentError(
          absl::StrCat("num_outputs is ", num_outputs, " but the node has ", outputs, " outputs"));
    }
    int64_t chunk = (dim + outputs - 1) / outputs;
    int64_t last = dim - chunk * (outputs - 1);
    if (last < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot split ", dim, " into ", outputs, " chunks"));
    }
    std::vector<int64_t> out(static_cast<size_t>(outputs), chunk);
    out.back() = last;
    return out;
  }
  if (dim % outputs != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("axis of size ", dim, " does not split evenly into ", outputs, " outputs"));
  }
  return std::vector<int64_t>(static_cast<size_t>(outputs), dim / outputs);
}

absl::StatusOr<PadAmounts> ComputePads(const Shape& in, const std::vector<int64_t>& pads,
                                       const std::optional<std::vector<int64_t>>& axes) {
  const int64_t r = static_cast<int64_t>(in.size());
  std::vector<int64_t> ax;
  if (axes) {
    auto n = NormalizeAxes(*axes, r);
    if (!n.ok()) return n.status();
    ax = *n;
  } else {
    for (int64_t i = 0; i < r; ++i) ax.push_back(i);
  }
  if (pads.size() != 2 * ax.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("pads has ", pads.size(), " entries, expected ", 2 * ax.size()));
  }
  PadAmounts p{std::vector<int64_t>(in.size(), 0), std::vector<int64_t>(in.size(), 0)};
  for (size_t i = 0; i < ax.size(); ++i) {
    p.begin[ax[i]] = pads[i];
    p.end[ax[i]] = pads[i + ax.size()];
    int64_t d = in[ax[i]] + pads[i] + pads[i + ax.size()];
    if (d < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("pads make dimension ", ax[i], " negative (", d, ")"));
    }
  }
  return p;
}

absl::StatusOr<PadAmounts> PadsFromNode(const Node& n, const Shape& in,
                                        const std::vector<const TensorView*>& inputs) {
  std::vector<int64_t> pads;
  std::optional<std::vector<int64_t>> axes;
  if (n.opset < 11) {
    const char* name = n.opset < 2 ? "paddings" : "pads";
    if (!n.HasAttr(name))
      return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' is required"));
    pads = n.GetInts(name);
  } else {
    if (inputs.size() < 2 || inputs[1] == nullptr) {
      return absl::InvalidArgumentError("input 1 (pads) is required");
    }
    pads = ReadInts(*inputs[1]);
    if (n.opset >= 18 && inputs.size() > 3 && inputs[3] != nullptr) axes = ReadInts(*inputs[3]);
  }
  return ComputePads(in, pads, axes);
}

absl::StatusOr<std::vector<SliceRange>> SliceFromNode(
    const Node& n, const Shape& in, const std::vector<const TensorView*>& inputs) {
  if (n.opset < 10) {
    if (!n.HasAttr("starts") || !n.HasAttr("ends")) {
      return absl::InvalidArgumentError("attributes 'starts' and 'ends' are required");
    }
    return ComputeSlice(in, n.GetInts("starts"), n.GetInts("ends"), n.GetInts("axes"), {});
  }
  auto get = [&](size_t i) {
    return i < inputs.size() && inputs[i] != nullptr ? ReadInts(*inputs[i])
                                                     : std::vector<int64_t>();
  };
  if (inputs.size() < 3 || inputs[1] == nullptr || inputs[2] == nullptr) {
    return absl::InvalidArgumentError("inputs 1 (starts) and 2 (ends) are required");
  }
  return ComputeSlice(in, get(1), get(2), get(3), get(4));
}

absl::StatusOr<PadMode> ParsePadMode(const std::string& s) {
  if (s == "constant") return PadMode::kConstant;
  if (s == "reflect") return PadMode::kReflect;
  if (s == "edge") return PadMode::kEdge;
  if (s == "wrap") return PadMode::kWrap;
  return absl::InvalidArgumentError(absl::StrCat("unknown pad mode '", s, "'"));
}

int64_t PadSourceIndex(int64_t x, int64_t dim, PadMode mode) {
  if (x >= 0 && x < dim) return x;
  switch (mode) {
    case PadMode::kConstant:
      return -1;
    case PadMode::kEdge:
      return x < 0 ? 0 : dim - 1;
    case PadMode::kWrap:
      return ((x % dim) + dim) % dim;
    case PadMode::kReflect: {
      if (dim == 1) return 0;
      // Repeated reflection is periodic with period 2 * (dim - 1).
      int64_t p = 2 * (dim - 1);
      int64_t m = ((x % p) + p) % p;
      return m < dim ? m : p - m;
    }
  }
  return -1;
}

void ShapeRange(int64_t rank, int64_t start, std::optional<int64_t> end, int64_t* begin_out,
                int64_t* end_out) {
  int64_t e = end ? *end : rank;
  if (start < 0) start += rank;
  if (e < 0) e += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  e = std::clamp<int64_t>(e, 0, rank);
  *begin_out = start;
  *end_out = std::max(start, e);
}

absl::StatusOr<int64_t> RangeCount(const TensorView& start, const TensorView& limit,
                                   const TensorView& delta) {
  if (start.numel() != 1 || limit.numel() != 1 || delta.numel() != 1) {
    return absl::InvalidArgumentError("start, limit and delta must be scalars");
  }
  int64_t n = 0;
  if (IsInteger(start.dtype)) {
    int64_t s = ReadInt(start, 0), l = ReadInt(limit, 0), d = ReadInt(delta, 0);
    if (d == 0) return absl::InvalidArgumentError("delta is 0");
    __int128 span = static_cast<__int128>(l) - s;
    __int128 c = d > 0 ? (span > 0 ? (span + d - 1) / d : 0)
                       : (span < 0 ? (-span - d - 1) / -static_cast<__int128>(d) : 0);
    if (c > (int64_t{1} << 40)) return absl::InvalidArgumentError("range is too long");
    n = static_cast<int64_t>(c);
  } else {
    double s = ReadFloat(start, 0), l = ReadFloat(limit, 0), d = ReadFloat(delta, 0);
    if (d == 0) return absl::InvalidArgumentError("delta is 0");
    double c = std::ceil((l - s) / d);
    if (!(c < static_cast<double>(int64_t{1} << 40))) {
      if (std::isnan(c)) return absl::InvalidArgumentError("range length is NaN");
      if (c > 0) return absl::InvalidArgumentError("range is too long");
    }
    n = c > 0 ? static_cast<int64_t>(c) : 0;
  }
  return n;
}

}  // namespace socd::graph::tensor_params
