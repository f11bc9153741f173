// CPU kernels for Slice (a strided view, negative steps included) and Pad (per-axis source
// index maps: constant, reflect, edge, wrap; negative pads crop).
#include <array>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "backends/cpu/kernel.h"
#include "backends/cpu/kernels/tensor_copy.h"
#include "backends/cpu/kernels/tensor_kernels.h"
#include "graph/ops/tensor_params.h"

namespace socd::cpu {
namespace tensor_slice {

namespace tp = graph::tensor_params;

// Inputs [1, n) as views: the constant when known at creation, else the run-time tensor.
std::vector<const TensorView*> ParamViews(const std::vector<TensorView>& views) {
  std::vector<const TensorView*> v(views.size(), nullptr);
  for (size_t i = 1; i < views.size(); ++i)
    if (views[i].data != nullptr) v[i] = &views[i];
  return v;
}

// Whether every present parameter input (from index 1, except `skip`) is constant.
bool ParamsConstant(const KernelInfo& info, size_t skip = SIZE_MAX) {
  for (size_t i = 1; i < info.in_consts.size(); ++i) {
    if (i == skip || !info.has_input(i)) continue;
    if (info.in_consts[i].data == nullptr) return false;
  }
  return true;
}

struct SlicePlan {
  int64_t offset = 0;  // elements
  Shape dims;
  std::vector<int64_t> strides;
};

absl::StatusOr<SlicePlan> PlanSlice(const KernelInfo& info, const std::vector<TensorView>& views) {
  const Shape& in = info.in_shapes[0];
  auto ranges = tp::SliceFromNode(info.node, in, ParamViews(views));
  if (!ranges.ok()) return info.Error(ranges.status().message());
  std::vector<int64_t> st = tensor_copy::DenseStrides(in);
  SlicePlan p;
  for (size_t k = 0; k < in.size(); ++k) {
    const tp::SliceRange& r = (*ranges)[k];
    p.dims.push_back(r.count);
    p.strides.push_back(r.step * st[k]);
    if (r.count > 0) p.offset += r.start * st[k];
  }
  if (p.dims != info.out_shapes[0]) {
    return info.Error(absl::StrCat("slice gives shape ", graph::ShapeToString(p.dims), ", planned ",
                                   graph::ShapeToString(info.out_shapes[0])));
  }
  return p;
}

class SliceKernel : public Kernel {
 public:
  SliceKernel(const KernelInfo& info, size_t es) : info_(info), es_(es) {}
  absl::Status Init(const KernelInfo& info) {
    fixed_ = ParamsConstant(info);
    if (!fixed_) return absl::OkStatus();
    auto p = PlanSlice(info, info.in_consts);
    if (!p.ok()) return p.status();
    plan_ = *std::move(p);
    return absl::OkStatus();
  }
  absl::Status Run(const KernelIo& io) override {
    const SlicePlan* p = &plan_;
    SlicePlan dyn;
    if (!fixed_) {
      auto r = PlanSlice(info_, io.inputs);
      if (!r.ok()) return r.status();
      dyn = *std::move(r);
      p = &dyn;
    }
    if (graph::NumElements(p->dims) == 0) return absl::OkStatus();
    const uint8_t* src = io.inputs[0].as<const uint8_t>() + p->offset * static_cast<int64_t>(es_);
    tensor_copy::StridedCopy(io.outputs[0].data, src, p->dims, p->strides, es_, io.pool);
    return absl::OkStatus();
  }

 private:
  KernelInfo info_;  // its node is the graph's, which outlives the kernel
  size_t es_;
  bool fixed_ = false;
  SlicePlan plan_;
};

absl::StatusOr<size_t> ElemSize(const KernelInfo& info) {
  size_t es = info.in_dtypes.empty() ? 0 : graph::DTypeSize(info.in_dtypes[0]);
  if (!tensor_copy::SupportedElemSize(es)) return info.Unsupported("element type");
  return es;
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateSlice(const KernelInfo& info) {
  auto es = ElemSize(info);
  if (!es.ok()) return es.status();
  auto k = std::make_unique<SliceKernel>(info, *es);
  if (auto s = k->Init(info); !s.ok()) return s;
  return std::unique_ptr<Kernel>(std::move(k));
}

absl::StatusOr<std::vector<std::vector<int64_t>>> PadMaps(const KernelInfo& info, tp::PadMode mode,
                                                          const std::vector<TensorView>& views) {
  const Shape& in = info.in_shapes[0];
  const Shape& out = info.out_shapes[0];
  auto p = tp::PadsFromNode(info.node, in, ParamViews(views));
  if (!p.ok()) return info.Error(p.status().message());
  std::vector<std::vector<int64_t>> maps(in.size());
  for (size_t k = 0; k < in.size(); ++k) {
    if (in[k] + p->begin[k] + p->end[k] != out[k])
      return info.Error("pads disagree with the planned shape");
    if (p->begin[k] == 0 && p->end[k] == 0) continue;
    if (in[k] == 0 && out[k] > 0 && mode != tp::PadMode::kConstant) {
      return info.Error(absl::StrCat("cannot pad empty dimension ", k, " in this mode"));
    }
    maps[k].resize(static_cast<size_t>(out[k]));
    for (int64_t j = 0; j < out[k]; ++j) {
      maps[k][j] = in[k] == 0 ? -1 : tp::PadSourceIndex(j - p->begin[k], in[k], mode);
    }
  }
  return maps;
}

absl::StatusOr<std::unique_ptr<Kernel>> CreatePad(const KernelInfo& info) {
  auto es = ElemSize(info);
  if (!es.ok()) return es.status();
  auto mode = tp::ParsePadMode(info.node.GetString("mode", "constant"));
  if (!mode.ok()) return info.Error(mode.status().message());
  const DType dt = info.in_dtypes[0];
  std::array<uint8_t, 8> fill{};
  if (info.node.opset < 11) {
    if (!tensor_copy::EncodeScalar(dt, info.node.GetFloat("value", 0.f), fill.data())) {
      return info.Unsupported("element type");
    }
  } else if (info.has_input(2) && info.in_dtypes[2] != dt) {
    return info.Error("constant_value's type differs from the data's");
  }
  const bool fixed = ParamsConstant(info, 2);
  std::vector<std::vector<int64_t>> maps;
  if (fixed) {
    auto m = PadMaps(info, *mode, info.in_consts);
    if (!m.ok()) return m.status();
    maps = *std::move(m);
  }
  return MakeFnKernel(
      [info, fixed, maps, mode = *mode, es = *es, fill](const KernelIo& io) -> absl::Status {
        std::vector<std::vector<int64_t>> dyn;
        const std::vector<std::vector<int64_t>>* m = &maps;
        if (!fixed) {
          auto r = PadMaps(info, mode, io.inputs);
          if (!r.ok()) return r.status();
          dyn = *std::move(r);
          m = &dyn;
        }
        std::array<uint8_t, 8> value = fill;
        if (info.node.opset >= 11 && io.inputs.size() > 2 && io.inputs[2].data != nullptr) {
          if (io.inputs[2].numel() != 1) return info.Error("constant_value must have one element");
          std::memcpy(value.data(), io.inputs[2].data, es);
        }
        tensor_copy::MapCopy(io.outputs[0].data, io.inputs[0].data, io.inputs[0].shape,
                             io.outputs[0].shape, *m, es, value.data(), io.pool);
        return absl::OkStatus();
      });
}

}  // namespace tensor_slice

void RegisterTensorSliceKernels(KernelRegistry& r) {
  r.Add({"", "Slice", 1, 1000, tensor_slice::CreateSlice});
  r.Add({"", "Pad", 1, 1000, tensor_slice::CreatePad});
}

}  // namespace socd::cpu
