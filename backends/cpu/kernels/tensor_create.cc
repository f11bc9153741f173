// CPU kernels for the tensor ops that create values: Range, ConstantOfShape, EyeLike, OneHot,
// Trilu, NonZero.
#include <algorithm>
#include <array>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "backends/cpu/kernel.h"
#include "backends/cpu/kernels/tensor_copy.h"
#include "backends/cpu/kernels/tensor_kernels.h"

namespace socd::cpu {
namespace tensor_create {

template <typename T>
void RangeInts(const KernelIo& io) {
  const int64_t s = graph::ReadInt(io.inputs[0], 0), d = graph::ReadInt(io.inputs[2], 0);
  T* o = io.outputs[0].as<T>();
  for (int64_t i = 0, n = io.outputs[0].numel(); i < n; ++i) o[i] = static_cast<T>(s + i * d);
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateRange(const KernelInfo& info) {
  const DType t = info.out_dtypes[0];
  const size_t es = graph::DTypeSize(t);
  auto fn = [t, es](const KernelIo& io) -> absl::Status {
    switch (t) {
      case DType::kInt16:
        RangeInts<int16_t>(io);
        return absl::OkStatus();
      case DType::kInt32:
        RangeInts<int32_t>(io);
        return absl::OkStatus();
      case DType::kInt64:
        RangeInts<int64_t>(io);
        return absl::OkStatus();
      default:
        break;
    }
    const double s = graph::ReadFloat(io.inputs[0], 0), d = graph::ReadFloat(io.inputs[2], 0);
    uint8_t* o = io.outputs[0].as<uint8_t>();
    for (int64_t i = 0, n = io.outputs[0].numel(); i < n; ++i) {
      tensor_copy::EncodeScalar(t, s + static_cast<double>(i) * d, o + i * es);
    }
    return absl::OkStatus();
  };
  uint8_t probe[8];
  if (!tensor_copy::EncodeScalar(t, 0, probe) || t == DType::kBool)
    return info.Unsupported("element type");
  return MakeFnKernel(fn);
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateConstantOfShape(const KernelInfo& info) {
  std::array<uint8_t, 8> value{};
  auto it = info.node.attrs.find("value");
  if (it != info.node.attrs.end() && it->second.t) {
    const graph::Tensor& t = *it->second.t;
    if (t.numel() != 1 || t.dtype() != info.out_dtypes[0] || t.bytes() > value.size()) {
      return info.Error("attribute 'value' must be one element of the output's type");
    }
    std::memcpy(value.data(), t.data(), t.bytes());
  }
  const size_t es = graph::DTypeSize(info.out_dtypes[0]);
  if (!tensor_copy::SupportedElemSize(es)) return info.Unsupported("element type");
  return MakeFnKernel([value, es](const KernelIo& io) {
    tensor_copy::FillElements(io.outputs[0].data, io.outputs[0].numel(), value.data(), es);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateEyeLike(const KernelInfo& info) {
  const DType t = info.out_dtypes[0];
  const size_t es = graph::DTypeSize(t);
  std::array<uint8_t, 8> one{};
  if (!tensor_copy::EncodeScalar(t, 1.0, one.data())) return info.Unsupported("element type");
  if (info.out_shapes[0].size() != 2) return info.Error("output must be 2-D");
  const int64_t rows = info.out_shapes[0][0], cols = info.out_shapes[0][1];
  const int64_t k = info.node.GetInt("k", 0);
  return MakeFnKernel([one, es, rows, cols, k](const KernelIo& io) {
    uint8_t* o = io.outputs[0].as<uint8_t>();
    std::memset(o, 0, io.outputs[0].bytes());
    for (int64_t i = 0; i < rows; ++i) {
      int64_t j = i + k;
      if (j >= 0 && j < cols) std::memcpy(o + (i * cols + j) * es, one.data(), es);
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateOneHot(const KernelInfo& info) {
  const Shape& out = info.out_shapes[0];
  const int64_t r = static_cast<int64_t>(out.size());
  int64_t axis = info.node.GetInt("axis", -1);
  if (axis < -r || axis >= r) return info.Error("axis is out of range");
  if (axis < 0) axis += r;
  const size_t es = graph::DTypeSize(info.out_dtypes[0]);
  if (!tensor_copy::SupportedElemSize(es) || info.in_dtypes[2] != info.out_dtypes[0]) {
    return info.Unsupported("element type");
  }
  int64_t outer = 1, inner = 1;
  for (int64_t k = 0; k < axis; ++k) outer *= out[k];
  for (int64_t k = axis + 1; k < r; ++k) inner *= out[k];
  const int64_t depth = out[axis];
  return MakeFnKernel([es, outer, inner, depth](const KernelIo& io) {
    const uint8_t* values = io.inputs[2].as<const uint8_t>();  // [off, on]
    uint8_t* o = io.outputs[0].as<uint8_t>();
    tensor_copy::FillElements(o, io.outputs[0].numel(), values, es);
    const TensorView& idx = io.inputs[0];
    const bool is_float = graph::IsFloat(idx.dtype);
    for (int64_t a = 0; a < outer; ++a) {
      for (int64_t i = 0; i < inner; ++i) {
        int64_t p = a * inner + i;
        int64_t v =
            is_float ? static_cast<int64_t>(graph::ReadFloat(idx, p)) : graph::ReadInt(idx, p);
        if (v < 0) v += depth;
        if (v < 0 || v >= depth) continue;  // out of range: the row stays all "off"
        std::memcpy(o + ((a * depth + v) * inner + i) * es, values + es, es);
      }
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateTrilu(const KernelInfo& info) {
  const size_t es = graph::DTypeSize(info.in_dtypes[0]);
  const Shape& s = info.in_shapes[0];
  if (es == 0 || s.size() < 2) return info.Error("needs a numeric input of rank >= 2");
  const bool upper = info.node.GetInt("upper", 1) != 0;
  const int64_t n = s[s.size() - 2], m = s[s.size() - 1];
  const int64_t mats = n * m == 0 ? 0 : graph::NumElements(s) / (n * m);
  return MakeFnKernel([es, upper, n, m, mats](const KernelIo& io) {
    int64_t k = 0;
    if (io.inputs.size() > 1 && io.inputs[1].data != nullptr && io.inputs[1].numel() == 1) {
      k = graph::ReadInt(io.inputs[1], 0);
    }
    const uint8_t* src = io.inputs[0].as<const uint8_t>();
    uint8_t* dst = io.outputs[0].as<uint8_t>();
    const int64_t e = static_cast<int64_t>(es);
    for (int64_t b = 0; b < mats; ++b) {
      for (int64_t i = 0; i < n; ++i) {
        const int64_t row = (b * n + i) * m * e;
        // Columns kept: j >= i + k (upper) or j <= i + k (lower); the rest become 0.
        int64_t edge = std::clamp<int64_t>(upper ? i + k : i + k + 1, 0, m);
        int64_t keep0 = upper ? edge : 0, keep1 = upper ? m : edge;
        std::memset(dst + row, 0, static_cast<size_t>(m * e));
        if (keep1 > keep0) {
          std::memcpy(dst + row + keep0 * e, src + row + keep0 * e,
                      static_cast<size_t>((keep1 - keep0) * e));
        }
      }
    }
    return absl::OkStatus();
  });
}

bool IsNonZero(const uint8_t* p, size_t es, DType t) {
  if (t == DType::kString) {  // numpy's truth of a string: non-empty
    graph::StringElem e;
    std::memcpy(&e, p, sizeof e);
    return e.size != 0;
  }
  if (t == DType::kFloat16 || t == DType::kBFloat16) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return (h & 0x7fff) != 0;
  }
  if (t == DType::kFloat32) {
    float f;
    std::memcpy(&f, p, 4);
    return f != 0;
  }
  if (t == DType::kFloat64) {
    double f;
    std::memcpy(&f, p, 8);
    return f != 0;
  }
  for (size_t b = 0; b < es; ++b)
    if (p[b] != 0) return true;
  return false;
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateNonZero(const KernelInfo& info) {
  const DType t = info.in_dtypes[0];
  const size_t es = graph::DTypeSize(t);
  if (es == 0) return info.Unsupported("element type");
  const Shape in = info.in_shapes[0];
  return MakeFnKernel([info, t, es, in](const KernelIo& io) -> absl::Status {
    const int64_t total = graph::NumElements(in), r = static_cast<int64_t>(in.size());
    const int64_t nnz = io.outputs[0].shape.size() == 2 ? io.outputs[0].shape[1] : -1;
    const uint8_t* p = io.inputs[0].as<const uint8_t>();
    int64_t* o = io.outputs[0].as<int64_t>();
    std::vector<int64_t> pos(static_cast<size_t>(r), 0);
    int64_t c = 0;
    for (int64_t i = 0; i < total; ++i) {
      if (IsNonZero(p + i * es, es, t)) {
        if (c >= nnz) return info.Error("more non-zero elements than planned");
        for (int64_t d = 0; d < r; ++d) o[d * nnz + c] = pos[d];
        ++c;
      }
      for (int64_t d = r - 1; d >= 0; --d) {
        if (++pos[d] < in[d]) break;
        pos[d] = 0;
      }
    }
    if (c != nnz) return info.Error("fewer non-zero elements than planned");
    return absl::OkStatus();
  });
}

}  // namespace tensor_create

void RegisterTensorCreateKernels(KernelRegistry& r) {
  using namespace tensor_create;  // NOLINT: registration table only
  r.Add({"", "Range", 11, 1000, CreateRange});
  r.Add({"", "ConstantOfShape", 9, 1000, CreateConstantOfShape});
  r.Add({"", "EyeLike", 9, 1000, CreateEyeLike});
  r.Add({"", "OneHot", 9, 1000, CreateOneHot});
  r.Add({"", "Trilu", 14, 1000, CreateTrilu});
  r.Add({"", "NonZero", 9, 1000, CreateNonZero});
}

}  // namespace socd::cpu
