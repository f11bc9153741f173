// CPU kernels for the tensor operator group: the shape-relabelling ops (which the memory
// planner usually aliases to their input, leaving nothing to do), Dropout at inference, Shape
// and Size. The other tensor kernels are in tensor_*.cc.
#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "backends/cpu/kernel.h"
#include "backends/cpu/kernels/tensor_copy.h"
#include "backends/cpu/kernels/tensor_kernels.h"
#include "backends/memory/copy.h"
#include "graph/ops/tensor_params.h"

namespace socd::cpu {
namespace tensor_kernels {

// Output 0 = input 0 reinterpreted: nothing to do when the planner aliased them.
void CopyIfNotAliased(const KernelIo& io) {
  const TensorView& in = io.inputs[0];
  const TensorView& out = io.outputs[0];
  if (out.data != in.data && out.bytes() > 0) memory::CopyBytes(out.data, in.data, out.bytes());
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateAliasCopy(const KernelInfo& info) {
  if (info.in_dtypes.empty() || graph::DTypeSize(info.in_dtypes[0]) == 0) {
    return info.Unsupported("element type");
  }
  if (info.out_shapes.empty() ||
      graph::NumElements(info.out_shapes[0]) != graph::NumElements(info.in_shapes[0])) {
    return info.Error("output and input sizes differ");
  }
  return MakeFnKernel([](const KernelIo& io) {
    CopyIfNotAliased(io);
    return absl::OkStatus();
  });
}

// Training-mode Dropout draws its keep-mask from the stream numpy's legacy RandomState produces
// for `seed` (MT19937 seeded by init_genrand, 53-bit doubles from two draws), the generator of
// ONNX's reference implementation, so a seeded model gives the reference's mask exactly. Each
// run restarts the stream: a seeded node is deterministic, as ONNX's reference is.
class NumpyUniform {
 public:
  explicit NumpyUniform(uint32_t seed) : mt_(seed) {}
  double Next() {
    const uint32_t a = mt_() >> 5, b = mt_() >> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
  }

 private:
  std::mt19937 mt_;
};

// Writes y = keep ? x / (1 - ratio) : 0 and the keep-mask (when wanted); returns false for an
// element type it cannot encode.
bool DropoutTraining(const KernelIo& io, double ratio, uint32_t seed) {
  const TensorView& x = io.inputs[0];
  const TensorView& y = io.outputs[0];
  const bool want_mask = io.outputs.size() > 1 && io.outputs[1].data != nullptr;
  const size_t es = graph::DTypeSize(y.dtype);
  const size_t mask_es = want_mask ? graph::DTypeSize(io.outputs[1].dtype) : 0;
  const double scale = ratio < 1 ? 1.0 / (1.0 - ratio) : 0.0;
  NumpyUniform uniform(seed);
  for (int64_t i = 0; i < x.numel(); ++i) {
    const bool keep = uniform.Next() >= ratio;
    const double v = keep ? graph::ReadFloat(x, i) * scale : 0.0;
    if (!tensor_copy::EncodeScalar(y.dtype, v, static_cast<uint8_t*>(y.data) + i * es)) {
      return false;
    }
    if (want_mask &&
        !tensor_copy::EncodeScalar(io.outputs[1].dtype, keep ? 1.0 : 0.0,
                                   static_cast<uint8_t*>(io.outputs[1].data) + i * mask_es)) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateDropout(const KernelInfo& info) {
  if (info.in_dtypes.empty() || graph::DTypeSize(info.in_dtypes[0]) == 0) {
    return info.Unsupported("element type");
  }
  const int opset = info.node.opset;
  uint8_t one[8] = {};
  if (info.out_dtypes.size() > 1 && info.out_dtypes[1] != DType::kUndefined &&
      !tensor_copy::EncodeScalar(info.out_dtypes[1], 1.0, one)) {
    return info.Unsupported("mask element type");
  }
  const size_t mask_es = info.out_dtypes.size() > 1 ? graph::DTypeSize(info.out_dtypes[1]) : 0;
  // Without a seed attribute ONNX leaves the stream to the implementation: one per kernel.
  const uint32_t seed = info.node.HasAttr("seed")
                            ? static_cast<uint32_t>(info.node.GetInt("seed", 0))
                            : std::random_device{}();
  std::string bad_type = graph::UnsupportedMessage(info.node, "training mode on this element type");
  std::string bad_ratio = info.node.Describe() + ": ratio ";
  return MakeFnKernel([=](const KernelIo& io) -> absl::Status {
    if (opset >= 12 && io.inputs.size() > 2 && io.inputs[2].data != nullptr &&
        io.inputs[2].numel() == 1 && graph::ReadInt(io.inputs[2], 0) != 0) {
      const double ratio =
          io.inputs.size() > 1 && io.inputs[1].data != nullptr && io.inputs[1].numel() == 1
              ? graph::ReadFloat(io.inputs[1], 0)
              : 0.5;
      if (!(ratio >= 0 && ratio <= 1)) {
        return absl::InvalidArgumentError(absl::StrCat(bad_ratio, ratio, " is outside [0, 1]"));
      }
      if (ratio != 0) {
        if (!graph::IsFloat(io.inputs[0].dtype) || !DropoutTraining(io, ratio, seed)) {
          return absl::UnimplementedError(bad_type);
        }
        return absl::OkStatus();
      }
    }
    CopyIfNotAliased(io);
    if (io.outputs.size() > 1 && io.outputs[1].data != nullptr) {
      tensor_copy::FillElements(io.outputs[1].data, io.outputs[1].numel(), one, mask_es);
    }
    return absl::OkStatus();
  });
}

// Shape and Size depend on the input's shape only; their values are fixed at creation.
absl::StatusOr<std::unique_ptr<Kernel>> CreateShapeOf(const KernelInfo& info) {
  std::vector<int64_t> vals;
  const Shape& in = info.in_shapes[0];
  if (info.node.op_type == "Size") {
    vals.push_back(graph::NumElements(in));
  } else {
    int64_t r = static_cast<int64_t>(in.size()), b = 0, e = r;
    if (info.node.opset >= 15) {
      std::optional<int64_t> end;
      if (info.node.HasAttr("end")) end = info.node.GetInt("end", r);
      graph::tensor_params::ShapeRange(r, info.node.GetInt("start", 0), end, &b, &e);
    }
    vals.assign(in.begin() + b, in.begin() + e);
  }
  if (info.out_dtypes[0] != DType::kInt64 ||
      graph::NumElements(info.out_shapes[0]) != static_cast<int64_t>(vals.size())) {
    return info.Error("unexpected output type or shape");
  }
  return MakeFnKernel([vals](const KernelIo& io) {
    std::copy(vals.begin(), vals.end(), io.outputs[0].as<int64_t>());
    return absl::OkStatus();
  });
}

}  // namespace tensor_kernels

void RegisterTensorKernels(KernelRegistry& r) {
  using tensor_kernels::CreateAliasCopy;
  for (const char* op : {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity"}) {
    r.Add({"", op, 1, 1000, CreateAliasCopy});
  }
  r.Add({"", "Dropout", 1, 1000, tensor_kernels::CreateDropout});
  r.Add({"", "Shape", 1, 1000, tensor_kernels::CreateShapeOf});
  r.Add({"", "Size", 1, 1000, tensor_kernels::CreateShapeOf});
  RegisterTensorMovementKernels(r);
  RegisterTensorSliceKernels(r);
  RegisterTensorGatherKernels(r);
  RegisterTensorCreateKernels(r);
  RegisterTensorResizeKernels(r);
}

}  // namespace socd::cpu
