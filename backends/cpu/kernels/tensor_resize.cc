// CPU kernel for Resize (10+) and Upsample (7, 9). Nearest is a per-axis index map over bytes
// (any dtype); linear and cubic run one axis at a time on float (double for float64) buffers,
// each pass a vectorizable weighted sum of whole rows, except along the innermost axis.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "backends/cpu/kernel.h"
#include "backends/cpu/kernels/tensor_copy.h"
#include "backends/cpu/kernels/tensor_kernels.h"
#include "backends/cpu/kernels/tensor_resize_taps.h"
#include "backends/cpu/simd.h"

namespace socd::cpu {
namespace tensor_resize {

namespace tp = graph::tensor_params;

// out[o, j, :] = sum_k w[j, k] * in[o, idx[j, k], :] for rows [b, e) of (o, j); `extrap`
// (null when no position extrapolates) marks positions that take extrap_value.
template <typename A>
SOCD_HOT_LOOP void AxisPass(const A* in, A* out, int64_t b, int64_t e, int64_t in_n, int64_t out_n,
                            int64_t inner, int n, const int64_t* idx, const A* w,
                            const uint8_t* extrap, A extrap_value) {
  int64_t o = b / out_n, j0 = b % out_n;
  for (int64_t row = b; row < e; ++o, j0 = 0) {
    const int64_t j1 = std::min(out_n, j0 + (e - row));
    row += j1 - j0;
    const A* base = in + o * in_n * inner;
    A* dst = out + o * out_n * inner;
    if (inner == 1) {
      // Along the innermost axis every output is a short dot product of gathered inputs.
      if (n == 2) {
        for (int64_t j = j0; j < j1; ++j) {
          dst[j] = w[2 * j] * base[idx[2 * j]] + w[2 * j + 1] * base[idx[2 * j + 1]];
        }
      } else {
        for (int64_t j = j0; j < j1; ++j) {
          A acc = 0;
          for (int k = 0; k < n; ++k) acc += w[j * n + k] * base[idx[j * n + k]];
          dst[j] = acc;
        }
      }
      if (extrap) {
        for (int64_t j = j0; j < j1; ++j)
          if (extrap[j]) dst[j] = extrap_value;
      }
      continue;
    }
    for (int64_t j = j0; j < j1; ++j) {
      A* d = dst + j * inner;
      if (extrap && extrap[j]) {
        for (int64_t i = 0; i < inner; ++i) d[i] = extrap_value;
        continue;
      }
      const int64_t* ix = idx + j * n;
      const A* wj = w + j * n;
      const A* s0 = base + ix[0] * inner;
      const A w0 = wj[0];
      for (int64_t i = 0; i < inner; ++i) d[i] = w0 * s0[i];
      for (int k = 1; k < n; ++k) {
        if (wj[k] == 0) continue;
        const A* sk = base + ix[k] * inner;
        const A wk = wj[k];
        for (int64_t i = 0; i < inner; ++i) d[i] += wk * sk[i];
      }
    }
  }
}

struct Plan {
  std::vector<AxisTaps> axes;
  std::vector<std::vector<int64_t>> maps;  // nearest: per axis index map (-1: extrapolate)
};

class ResizeKernel : public Kernel {
 public:
  ResizeKernel(const KernelInfo& info, tp::ResizeAttrs a) : info_(info), a_(std::move(a)) {}

  absl::Status Init() {
    dt_ = info_.in_dtypes[0];
    es_ = graph::DTypeSize(dt_);
    if (!tensor_copy::SupportedElemSize(es_)) return info_.Unsupported("element type");
    if (a_.mode != tp::ResizeMode::kNearest && !graph::IsFloat(dt_) && !graph::IsInteger(dt_)) {
      return info_.Unsupported("linear/cubic resize of a non-numeric tensor");
    }
    if (!tensor_copy::EncodeScalar(dt_, a_.extrapolation_value, fill_)) {
      return info_.Unsupported("element type");
    }
    fixed_ = true;
    for (int i : {a_.roi_input, a_.scales_input, a_.sizes_input}) {
      if (i >= 0 && info_.has_input(i) && info_.in_consts[i].data == nullptr) fixed_ = false;
    }
    if (!fixed_) return absl::OkStatus();
    return MakePlan(info_.in_consts, plan_);
  }

  absl::Status Run(const KernelIo& io) override {
    Plan dyn;
    const Plan* p = &plan_;
    if (!fixed_) {
      if (auto s = MakePlan(io.inputs, dyn); !s.ok()) return s;
      p = &dyn;
    }
    const Shape& in = info_.in_shapes[0];
    const Shape& out = info_.out_shapes[0];
    if (graph::NumElements(out) == 0) return absl::OkStatus();
    if (a_.mode == tp::ResizeMode::kNearest) {
      tensor_copy::MapCopy(io.outputs[0].data, io.inputs[0].data, in, out, p->maps, es_, fill_,
                           io.pool);
      return absl::OkStatus();
    }
    if (dt_ == DType::kFloat64) return Interpolate<double>(*p, io);
    return Interpolate<float>(*p, io);
  }

 private:
  absl::Status MakePlan(const std::vector<TensorView>& views, Plan& plan) const {
    auto get = [&](int i) -> const TensorView* {
      return i >= 0 && static_cast<size_t>(i) < views.size() && views[i].data != nullptr ? &views[i]
                                                                                         : nullptr;
    };
    std::vector<double> roi, scales;
    std::vector<int64_t> sizes;
    if (a_.coord == tp::CoordMode::kTfCropAndResize && get(a_.roi_input)) {
      roi = tp::ReadDoubles(*get(a_.roi_input));
    }
    if (get(a_.scales_input)) scales = tp::ReadDoubles(*get(a_.scales_input));
    if (get(a_.sizes_input)) sizes = tp::ReadInts(*get(a_.sizes_input));
    const Shape& in = info_.in_shapes[0];
    auto g = tp::ComputeResizeGeometry(a_, in, roi, scales, sizes);
    if (!g.ok()) return info_.Error(g.status().message());
    if (g->out != info_.out_shapes[0])
      return info_.Error("resize parameters disagree with the planned shape");
    const size_t r = in.size();
    plan.axes.clear();
    plan.maps.assign(r, {});
    for (size_t k = 0; k < r; ++k) {
      const double* roi_k = nullptr;
      double roi_pair[2] = {0, 1};
      if (!g->roi.empty()) {
        roi_pair[0] = g->roi[k];
        roi_pair[1] = g->roi[r + k];
      }
      roi_k = roi_pair;
      AxisTaps t = ComputeAxisTaps(a_, in[k], g->out[k], g->scales[k], roi_k);
      if (a_.mode == tp::ResizeMode::kNearest && !t.identity) {
        plan.maps[k] = t.idx;
        for (int64_t y = 0; y < t.out; ++y)
          if (t.extrap[y]) plan.maps[k][y] = -1;
      }
      plan.axes.push_back(std::move(t));
    }
    return absl::OkStatus();
  }

  template <typename A>
  absl::Status Interpolate(const Plan& p, const KernelIo& io) {
    const Shape& in = info_.in_shapes[0];
    Shape cur = in;
    const bool direct = graph::DTypeOf<A>::value == dt_;
    std::vector<A>& b0 = Buffer<A>(0);
    const A* src;
    if (direct) {
      src = io.inputs[0].as<const A>();
    } else {
      b0.resize(static_cast<size_t>(graph::NumElements(in)));
      for (size_t i = 0; i < b0.size(); ++i)
        b0[i] = static_cast<A>(graph::ReadFloat(io.inputs[0], static_cast<int64_t>(i)));
      src = b0.data();
    }
    // Shrinking axes first keeps the passes small; the innermost axis (a per-element gather)
    // before the others when enlarging.
    std::vector<size_t> order;
    for (size_t k = 0; k < in.size(); ++k)
      if (!p.axes[k].identity) order.push_back(k);
    std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
      double rx = static_cast<double>(p.axes[x].out) / std::max<int64_t>(p.axes[x].in, 1);
      double ry = static_cast<double>(p.axes[y].out) / std::max<int64_t>(p.axes[y].in, 1);
      return rx != ry ? rx < ry : x > y;
    });
    const A ev = static_cast<A>(a_.extrapolation_value);
    std::vector<A> w;
    int src_buf = direct ? -1 : 0;  // which scratch buffer holds src (-1: the input)
    for (size_t step = 0; step < order.size(); ++step) {
      const size_t k = order[step];
      const AxisTaps& t = p.axes[k];
      int64_t outer = 1, inner = 1;
      for (size_t d = 0; d < k; ++d) outer *= cur[d];
      for (size_t d = k + 1; d < cur.size(); ++d) inner *= cur[d];
      const bool last = step + 1 == order.size();
      const int dst_buf = src_buf == 0 ? 1 : 0;
      A* dst;
      if (last && direct) {
        dst = io.outputs[0].as<A>();
      } else {
        std::vector<A>& target = Buffer<A>(dst_buf);
        target.resize(static_cast<size_t>(outer * t.out * inner));
        dst = target.data();
      }
      w.assign(t.w.begin(), t.w.end());
      const int64_t rows = outer * t.out;
      auto run = [&](int64_t b, int64_t e) {
        AxisPass<A>(src, dst, b, e, t.in, t.out, inner, t.n, t.idx.data(), w.data(),
                    t.any_extrap ? t.extrap.data() : nullptr, ev);
      };
      const int64_t work = rows * inner * t.n;
      if (io.pool && io.pool->size() > 1 && work > (1 << 15) && rows > 1) {
        io.pool->ParallelFor(
            rows, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(inner * t.n, 1)), run);
      } else {
        run(0, rows);
      }
      cur[k] = t.out;
      src = dst;
      src_buf = dst_buf;
    }
    if (order.empty() && direct) {
      std::memcpy(io.outputs[0].data, io.inputs[0].data, io.inputs[0].bytes());
      return absl::OkStatus();
    }
    if (!direct) {
      uint8_t* o = io.outputs[0].as<uint8_t>();
      const int64_t n = io.outputs[0].numel();
      for (int64_t i = 0; i < n; ++i)
        tensor_copy::EncodeScalar(dt_, static_cast<double>(src[i]), o + i * es_);
    }
    return absl::OkStatus();
  }

  template <typename A>
  std::vector<A>& Buffer(int i) {
    if constexpr (std::is_same_v<A, double>)
      return dbuf_[i];
    else
      return fbuf_[i];
  }

  KernelInfo info_;  // its node is the graph's, which outlives the kernel
  tp::ResizeAttrs a_;
  DType dt_ = DType::kUndefined;
  size_t es_ = 0;
  uint8_t fill_[8] = {};
  bool fixed_ = false;
  Plan plan_;
  std::vector<float> fbuf_[2];
  std::vector<double> dbuf_[2];
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateResize(const KernelInfo& info) {
  auto a = tp::ParseResizeAttrs(info.node);
  if (!a.ok()) return info.Error(a.status().message());
  auto k = std::make_unique<ResizeKernel>(info, *std::move(a));
  if (auto s = k->Init(); !s.ok()) return s;
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace tensor_resize

void RegisterTensorResizeKernels(KernelRegistry& r) {
  r.Add({"", "Resize", 10, 1000, tensor_resize::CreateResize});
  r.Add({"", "Upsample", 7, 9, tensor_resize::CreateResize});
}

}  // namespace socd::cpu
