// String tensors. A string element in socd memory is a fixed-size view (StringElem: pointer +
// length, 16 bytes), so string tensors live in the same arena and static plan as every other
// tensor, and the data-movement kernels (Identity, Reshape, Gather, Concat, Slice, Transpose,
// Expand, Where, ...) move 16-byte elements without knowing they are strings. The characters
// live elsewhere, in one of three owners:
//
//   - constants: an owning graph::Tensor keeps its own StringPool (Tensor::SetString);
//   - a run's pool: kernels that make new strings (Cast to string, StringConcat, ...) put the
//     characters in KernelIo::strings, owned by the run's context (the CPU partition clears it
//     when the next Run starts; EvaluateNode's pool lives until its next call on that thread);
//   - the caller's memory: a graph input's elements point wherever the caller says (the daemon
//     points them into the client's request buffer, copying nothing).
//
// Lifetime rule: a string output of CompiledPartition::Run is valid until the next Run or
// Prepare of that partition AND as long as the caller's string inputs of that run stay alive
// (an Identity output points at the input's characters). Callers serialize string outputs
// before releasing either. A Tensor that must outlive the run it was computed in (a folded
// constant, a plan-time value) calls Tensor::OwnStrings() to copy the characters it refers to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/strings/string_view.h"
#include "graph/tensor.h"

namespace socd::graph {

// One string element. {nullptr, 0} (zeroed memory) is the empty string.
struct StringElem {
  const char* data = nullptr;
  uint64_t size = 0;
  absl::string_view view() const {
    return size ? absl::string_view(data, static_cast<size_t>(size)) : absl::string_view();
  }
};
static_assert(sizeof(StringElem) == 16, "string elements are 16 bytes (DTypeSize(kString))");

inline bool operator==(const StringElem& a, const StringElem& b) { return a.view() == b.view(); }
inline bool operator!=(const StringElem& a, const StringElem& b) { return !(a == b); }

// Append-only character store: Add copies the bytes and returns an element that stays valid
// until Clear() or destruction. Blocks never move, so earlier elements survive later Adds. Not
// thread-safe: kernels that create strings add them from one thread.
class StringPool {
 public:
  StringPool() = default;
  StringPool(const StringPool&) = delete;
  StringPool& operator=(const StringPool&) = delete;

  StringElem Add(absl::string_view s);
  // Keeps an object alive until Clear(): the run-time form of sequence/optional values
  // (graph/sequence_type.h), whose handles obey the same lifetime rule as string views.
  template <typename T>
  const T* Keep(std::shared_ptr<const T> obj) {
    objects_.push_back(obj);
    return obj.get();
  }
  void Clear();
  size_t bytes() const { return bytes_; }  // characters held

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t used_ = 0;  // bytes used in blocks_.back()
  size_t cap_ = 0;   // capacity of blocks_.back()
  size_t bytes_ = 0;
  std::vector<std::shared_ptr<const void>> objects_;  // Keep
};

// Element access on a string view (dtype kString).
inline const StringElem* StringElems(const TensorView& v) {
  return static_cast<const StringElem*>(v.data);
}
inline StringElem* MutableStringElems(const TensorView& v) {
  return static_cast<StringElem*>(v.data);
}
inline absl::string_view StringAt(const TensorView& v, int64_t i) {
  return StringElems(v)[i].view();
}

}  // namespace socd::graph
