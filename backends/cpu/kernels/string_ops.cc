// CPU kernels of the string operators: StringConcat (broadcasting), RegexFullMatch (RE2, the
// syntax ONNX specifies), StringSplit and StringNormalizer (string_params.h, shared with their
// schemas). New strings go to the run's pool; pieces of an input (StringSplit) are views into
// the input's characters, which live as long as the input does.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/cpu/kernels/string_kernels.h"
#include "graph/op_schema.h"
#include "graph/ops/string_params.h"
#include "re2/re2.h"

namespace socd::cpu {
namespace string_kernels {
namespace {

using graph::StringElem;

absl::Status NeedPool(const KernelIo& io) {
  return io.strings ? absl::OkStatus() : absl::InternalError("string kernel run without a pool");
}

// Element offsets into `in` for every position of `out` under numpy broadcasting.
std::vector<int64_t> BroadcastOffsets(const Shape& in, const Shape& out) {
  const size_t r = out.size();
  std::vector<int64_t> stride(r, 0);
  int64_t s = 1;
  for (size_t k = 0; k < in.size(); ++k) {
    const size_t ko = r - 1 - k, ki = in.size() - 1 - k;
    stride[ko] = in[ki] == 1 ? 0 : s;
    s *= in[ki];
  }
  std::vector<int64_t> offs(static_cast<size_t>(graph::NumElements(out)));
  std::vector<int64_t> idx(r, 0);
  int64_t off = 0;
  for (size_t i = 0; i < offs.size(); ++i) {
    offs[i] = off;
    for (size_t k = r; k-- > 0;) {
      off += stride[k];
      if (++idx[k] < out[k]) break;
      off -= stride[k] * out[k];
      idx[k] = 0;
    }
  }
  return offs;
}

absl::Status CheckStringInputs(const KernelInfo& info, size_t n) {
  if (info.in_dtypes.size() < n || info.out_dtypes.empty())
    return info.Error(absl::StrCat("expects ", n, " inputs"));
  for (size_t i = 0; i < n; ++i)
    if (info.in_dtypes[i] != DType::kString)
      return info.Error(absl::StrCat("input ", i, " must be a string tensor"));
  return absl::OkStatus();
}

constexpr uint64_t kMaxConcatBytes = uint64_t{1} << 30;

absl::StatusOr<std::unique_ptr<Kernel>> CreateStringConcat(const KernelInfo& info) {
  if (auto s = CheckStringInputs(info, 2); !s.ok()) return s;
  auto a = BroadcastOffsets(info.in_shapes[0], info.out_shapes[0]);
  auto b = BroadcastOffsets(info.in_shapes[1], info.out_shapes[0]);
  return MakeFnKernel([a = std::move(a), b = std::move(b)](const KernelIo& io) -> absl::Status {
    if (auto s = NeedPool(io); !s.ok()) return s;
    const StringElem* x = graph::StringElems(io.inputs[0]);
    const StringElem* y = graph::StringElems(io.inputs[1]);
    StringElem* out = graph::MutableStringElems(io.outputs[0]);
    // Broadcasting repeats characters the plan never sees (the arena holds only views): a
    // 1 MB constant joined to a client's [1e6] input would be a terabyte. Refuse before writing.
    uint64_t total = 0;
    for (size_t i = 0; i < a.size(); ++i) total += x[a[i]].size + y[b[i]].size;
    if (total > kMaxConcatBytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "StringConcat would create ", total, " bytes of strings (limit ", kMaxConcatBytes, ")"));
    }
    std::string joined;
    for (size_t i = 0; i < a.size(); ++i) {
      joined.assign(x[a[i]].view().data(), x[a[i]].view().size());
      joined.append(y[b[i]].view().data(), y[b[i]].view().size());
      out[i] = io.strings->Add(joined);
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateRegexFullMatch(const KernelInfo& info) {
  if (auto s = CheckStringInputs(info, 1); !s.ok()) return s;
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<const RE2>(info.node.GetString("pattern", ""), opts);
  if (!re->ok()) return info.Error(absl::StrCat("invalid RE2 pattern: ", re->error()));
  return MakeFnKernel([re](const KernelIo& io) -> absl::Status {
    const StringElem* x = graph::StringElems(io.inputs[0]);
    uint8_t* out = io.outputs[0].as<uint8_t>();
    for (int64_t i = 0; i < io.outputs[0].numel(); ++i) {
      const absl::string_view s = x[i].view();
      out[i] = RE2::FullMatch(re2::StringPiece(s.data(), s.size()), *re);
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateStringSplit(const KernelInfo& info) {
  if (auto s = CheckStringInputs(info, 1); !s.ok()) return s;
  if (info.out_shapes[0].empty()) return info.Error("output Y must have the input's rank + 1");
  const std::string delim = info.node.GetString("delimiter", "");
  const int64_t maxsplit = info.node.GetInt("maxsplit", -1);
  const int64_t width = info.out_shapes[0].back();
  const std::string who = info.node.Describe();
  return MakeFnKernel([delim, maxsplit, width, who](const KernelIo& io) -> absl::Status {
    const TensorView& x = io.inputs[0];
    StringElem* y = graph::MutableStringElems(io.outputs[0]);
    int64_t* z =
        io.outputs.size() > 1 && io.outputs[1].data ? io.outputs[1].as<int64_t>() : nullptr;
    for (int64_t i = 0; i < x.numel(); ++i) {
      // Pieces view into the input's characters: no copy, same lifetime as the input.
      auto pieces = graph::string_params::SplitLikePython(graph::StringAt(x, i), delim, maxsplit);
      if (static_cast<int64_t>(pieces.size()) > width)
        return absl::InternalError(absl::StrCat(who, ": more pieces than the planned width"));
      for (int64_t k = 0; k < width; ++k) {
        // Empty pieces are {nullptr, 0}, as every other empty string element.
        y[i * width + k] = k < static_cast<int64_t>(pieces.size()) && !pieces[k].empty()
                               ? StringElem{pieces[k].data(), pieces[k].size()}
                               : StringElem{};
      }
      if (z) z[i] = static_cast<int64_t>(pieces.size());
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateStringNormalizer(const KernelInfo& info) {
  if (auto s = CheckStringInputs(info, 1); !s.ok()) return s;
  auto norm = graph::string_params::Normalizer::FromNode(info.node);
  if (!norm.ok()) {
    return norm.status().code() == absl::StatusCode::kUnimplemented
               ? info.Unsupported(norm.status().message())
               : info.Error(norm.status().message());
  }
  const Shape want = info.out_shapes[0];
  return MakeFnKernel([norm = *std::move(norm), want,
                       info_node = info.node.Describe()](const KernelIo& io) -> absl::Status {
    if (auto s = NeedPool(io); !s.ok()) return s;
    std::vector<std::string> res;
    auto shape = graph::string_params::NormalizedShape(norm, io.inputs[0], nullptr, &res);
    if (!shape.ok())
      return absl::Status(shape.status().code(),
                          absl::StrCat(info_node, ": ", shape.status().message()));
    if (*shape != io.outputs[0].shape)
      return absl::InternalError(absl::StrCat(info_node, ": output shape differs from the plan"));
    StringElem* out = graph::MutableStringElems(io.outputs[0]);
    for (size_t i = 0; i < res.size(); ++i) out[i] = io.strings->Add(res[i]);
    return absl::OkStatus();
  });
}

}  // namespace
}  // namespace string_kernels

void RegisterStringKernels(KernelRegistry& r) {
  namespace s = string_kernels;
  r.Add({"", "StringConcat", 20, 1000, s::CreateStringConcat});
  r.Add({"", "RegexFullMatch", 20, 1000, s::CreateRegexFullMatch});
  r.Add({"", "StringSplit", 20, 1000, s::CreateStringSplit});
  r.Add({"", "StringNormalizer", 10, 1000, s::CreateStringNormalizer});
}

}  // namespace socd::cpu
