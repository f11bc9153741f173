#include "scheduler/batcher.h"

#include "absl/strings/str_cat.h"
#include "backends/memory/copy.h"

namespace socd::scheduler {

namespace batcher_impl {
// FNV-1a: stable, cheap, and collisions only cost a failed batch (see RunBatch's fallback).
void Mix(uint64_t& h, uint64_t v) {
  for (int b = 0; b < 8; ++b) {
    h ^= (v >> (8 * b)) & 0xff;
    h *= 1099511628211ull;
  }
}
}  // namespace batcher_impl

uint64_t BatchKey(const std::vector<graph::TensorView>& inputs) {
  uint64_t h = 1469598103934665603ull;
  for (const auto& v : inputs) {
    batcher_impl::Mix(h, static_cast<uint64_t>(v.dtype));
    batcher_impl::Mix(h, v.shape.size());
    for (size_t d = 1; d < v.shape.size(); ++d)
      batcher_impl::Mix(h, static_cast<uint64_t>(v.shape[d]));
  }
  return h;
}

absl::StatusOr<uint32_t> BatchRows(const std::vector<graph::TensorView>& inputs,
                                   const std::vector<std::string>& names) {
  int64_t rows = -1;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string& name = i < names.size() ? names[i] : std::to_string(i);
    if (inputs[i].shape.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("input '", name, "' has no batch dimension (dim 0)"));
    }
    const int64_t r = inputs[i].shape[0];
    if (rows >= 0 && r != rows) {
      return absl::InvalidArgumentError(absl::StrCat("input '", name, "' has batch size ", r,
                                                     " but the other inputs have ", rows));
    }
    rows = r;
  }
  if (rows < 0 || rows > UINT32_MAX) return absl::InvalidArgumentError("invalid batch size");
  return static_cast<uint32_t>(rows);
}

std::vector<graph::Tensor> ConcatRows(const std::vector<std::vector<graph::TensorView>>& members) {
  std::vector<graph::Tensor> out;
  if (members.empty()) return out;
  for (size_t i = 0; i < members[0].size(); ++i) {
    graph::Shape shape = members[0][i].shape;
    shape[0] = 0;
    for (const auto& m : members) shape[0] += m[i].shape[0];
    graph::Tensor t(members[0][i].dtype, shape);
    auto* dst = static_cast<uint8_t*>(t.data());
    for (const auto& m : members) {
      const size_t n = m[i].bytes();
      if (n > 0) memory::CopyBytes(dst, m[i].data, n);
      dst += n;
    }
    out.push_back(std::move(t));
  }
  return out;
}

graph::TensorView RowSlice(const graph::TensorView& t, int64_t begin, int64_t rows) {
  graph::TensorView v = t;
  const int64_t total = t.shape.empty() ? 0 : t.shape[0];
  const size_t row_bytes = total > 0 ? t.bytes() / static_cast<size_t>(total) : 0;
  v.shape[0] = rows;
  v.data = static_cast<uint8_t*>(t.data) + static_cast<size_t>(begin) * row_bytes;
  return v;
}

}  // namespace socd::scheduler
