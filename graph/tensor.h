// Host tensors: an owning Tensor for constants (initializers, folded values) and a
// non-owning TensorView that kernels read and write (arena slices, client buffers).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "graph/dtype.h"

namespace socd::graph {

class StringPool;  // graph/string_store.h

using Shape = std::vector<int64_t>;

// Product of dims (1 for a scalar); -1 if any dim is negative or the product overflows.
int64_t NumElements(const Shape& s);
std::string ShapeToString(const Shape& s);

struct TensorView {
  DType dtype = DType::kUndefined;
  Shape shape;
  void* data = nullptr;

  int64_t numel() const { return NumElements(shape); }
  size_t bytes() const { return static_cast<size_t>(numel()) * DTypeSize(dtype); }
  template <typename T>
  T* as() const {
    return static_cast<T*>(data);
  }
};

// Owning, immutable-after-construction tensor with 64-byte aligned storage.
class Tensor {
 public:
  Tensor() = default;
  // Allocates zeroed storage for dtype/shape. Caller must have validated NumElements >= 0.
  Tensor(DType dtype, Shape shape);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t numel() const { return NumElements(shape_); }
  size_t bytes() const { return bytes_; }
  void* data() { return data_.get(); }
  const void* data() const { return data_.get(); }
  template <typename T>
  T* as() {
    return static_cast<T*>(data());
  }
  template <typename T>
  const T* as() const {
    return static_cast<const T*>(data());
  }
  TensorView view() const { return {dtype_, shape_, const_cast<void*>(data())}; }

  // Reads element i of an integer tensor as int64 (int8..uint64, bool). For shape-like inputs.
  int64_t IntAt(int64_t i) const;
  // Reads an integer tensor as int64s (empty vector if not an integer tensor).
  std::vector<int64_t> ToInt64s() const;
  // Float element i of a float32/float64/float16 tensor.
  double FloatAt(int64_t i) const;

  // String tensors (graph/string_store.h): element i, and setting it to a copy of s held by
  // this tensor's own store (shared by copies of the Tensor, as its bytes are).
  absl::string_view StringAt(int64_t i) const;
  void SetString(int64_t i, absl::string_view s);
  // Copies the characters every element refers to into this tensor's own store, so it no longer
  // depends on where a kernel wrote them from (a run's pool, another tensor's store).
  void OwnStrings();

 private:
  DType dtype_ = DType::kUndefined;
  Shape shape_;
  size_t bytes_ = 0;
  std::shared_ptr<uint8_t> data_;
  std::shared_ptr<StringPool> strings_;  // kString only: the characters elements point to
};

// Reads an integer TensorView element as int64 (shared by Tensor::IntAt and kernels).
int64_t ReadInt(const TensorView& v, int64_t i);
double ReadFloat(const TensorView& v, int64_t i);

// IEEE half <-> float conversions (round-to-nearest-even), used at the edges for fp16 data.
float HalfToFloat(uint16_t h);
uint16_t FloatToHalf(float f);
float BFloat16ToFloat(uint16_t h);
uint16_t FloatToBFloat16(float f);

}  // namespace socd::graph
