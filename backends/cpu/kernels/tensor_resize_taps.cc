#include "backends/cpu/kernels/tensor_resize_taps.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"

namespace socd::cpu::tensor_resize {

namespace tp = graph::tensor_params;

// Output position y -> input coordinate, as in the ONNX reference (which uses the real-valued
// output width scale * in, not the rounded one, in align_corners and friends).
double SourceCoord(const tp::ResizeAttrs& a, double y, int64_t in, int64_t out, double scale,
                   const double* roi) {
  const double out_w = scale * static_cast<double>(in);
  switch (a.coord) {
    case tp::CoordMode::kAlignCorners:
      return out_w == 1 ? 0.0 : y * static_cast<double>(in - 1) / (out_w - 1);
    case tp::CoordMode::kAsymmetric:
      return y / scale;
    case tp::CoordMode::kTfCropAndResize: {
      double x = out_w == 1 ? (roi[1] - roi[0]) * static_cast<double>(in - 1) / 2
                            : y * (roi[1] - roi[0]) * static_cast<double>(in - 1) / (out_w - 1);
      return x + roi[0] * static_cast<double>(in - 1);
    }
    case tp::CoordMode::kPytorchHalfPixel:
      return out_w == 1 ? -0.5 : (y + 0.5) / scale - 0.5;
    case tp::CoordMode::kHalfPixelSymmetric: {
      double adjustment = static_cast<double>(out) / out_w;
      double center = static_cast<double>(in) / 2;
      return center * (1 - adjustment) + (y + 0.5) / scale - 0.5;
    }
    case tp::CoordMode::kTfHalfPixelForNn:
      return (y + 0.5) / scale;
    case tp::CoordMode::kHalfPixel:
      break;
  }
  return (y + 0.5) / scale - 0.5;
}

int64_t NearestIndex(tp::NearestMode m, double x, double scale) {
  const double f = std::floor(x);
  const double frac = x - f;
  switch (m) {
    case tp::NearestMode::kRoundPreferFloor:
      return static_cast<int64_t>(frac <= 0.5 ? f : f + 1);
    case tp::NearestMode::kRoundPreferCeil:
      return static_cast<int64_t>(frac < 0.5 ? f : f + 1);
    case tp::NearestMode::kFloor:
      return static_cast<int64_t>(f);
    case tp::NearestMode::kCeil:
      return static_cast<int64_t>(std::ceil(x));
    case tp::NearestMode::kSimple:
      return scale < 1 ? static_cast<int64_t>(std::ceil(x)) : static_cast<int64_t>(std::trunc(x));
  }
  return static_cast<int64_t>(f);
}

double CubicWeight(double x, double A) {
  x = std::fabs(x);
  if (x <= 1) return ((A + 2) * x - (A + 3)) * x * x + 1;
  if (x < 2) return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return 0;
}

// Weights of the taps around a coordinate whose distance past its left neighbour is `ratio`
// (in (0, 1]); the taps are consecutive input positions.
std::vector<double> Coeffs(const tp::ResizeAttrs& a, double ratio, double scale) {
  if (!a.antialias) {
    if (a.mode == tp::ResizeMode::kLinear) return {1 - ratio, ratio};
    std::vector<double> c(4);
    for (int t = 0; t < 4; ++t) c[t] = CubicWeight(ratio + 1 - t, a.cubic_a);
    return c;
  }
  // Antialiased downsampling widens the kernel by 1 / scale.
  const double s = std::min(scale, 1.0);
  const bool linear = a.mode == tp::ResizeMode::kLinear;
  const int64_t start = static_cast<int64_t>(std::floor((linear ? -1.0 : -2.0) / s)) + 1;
  const int64_t n = 2 - 2 * start;
  std::vector<double> c(static_cast<size_t>(n));
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    double x = (static_cast<double>(start + i) - ratio) * s;
    c[i] = linear ? std::clamp(1 - std::fabs(x), 0.0, 1.0) : CubicWeight(x, a.cubic_a);
    sum += c[i];
  }
  if (sum != 0)
    for (double& v : c) v /= sum;
  return c;
}

AxisTaps ComputeAxisTaps(const tp::ResizeAttrs& a, int64_t in, int64_t out, double scale,
                         const double* roi) {
  AxisTaps t;
  t.in = in;
  t.out = out;
  const bool tf_crop = a.coord == tp::CoordMode::kTfCropAndResize;
  const bool roi_identity =
      !tf_crop || (std::fabs(roi[0]) < 1e-9 && std::fabs(roi[1] - 1.0) < 1e-9);
  if (std::fabs(scale - 1.0) <= 1e-9 && out == in && roi_identity) {
    t.identity = true;
    return t;
  }
  t.extrap.assign(static_cast<size_t>(out), 0);
  if (a.mode == tp::ResizeMode::kNearest) {
    t.n = 1;
    t.idx.resize(static_cast<size_t>(out));
    t.w.assign(static_cast<size_t>(out), 1.0);
    for (int64_t y = 0; y < out; ++y) {
      double x = SourceCoord(a, static_cast<double>(y), in, out, scale, roi);
      if (tf_crop && (x < 0 || x > static_cast<double>(in - 1))) {
        t.extrap[y] = 1;
        t.any_extrap = true;
      }
      t.idx[y] =
          std::clamp<int64_t>(NearestIndex(a.nearest, x, scale), 0, std::max<int64_t>(in - 1, 0));
    }
    return t;
  }
  for (int64_t y = 0; y < out; ++y) {
    double x = SourceCoord(a, static_cast<double>(y), in, out, scale, roi);
    if (tf_crop && (x < 0 || x > static_cast<double>(in - 1))) {
      t.extrap[y] = 1;
      t.any_extrap = true;
    }
    const double f = std::floor(x);
    const double ratio = x == f ? 1.0 : x - f;
    std::vector<double> c = Coeffs(a, ratio, scale);
    const int n = static_cast<int>(c.size());
    if (t.n == 0) {
      t.n = n;
      t.idx.resize(static_cast<size_t>(out) * n);
      t.w.resize(static_cast<size_t>(out) * n);
    }
    // The n input positions nearest x, ties to the left: with ratio 1 (x an integer) x is the
    // right-hand one of the two middle taps.
    const int64_t first = static_cast<int64_t>(x == f ? f : f + 1) - n / 2;
    double sum = 0;
    for (int k = 0; k < n; ++k) {
      int64_t i = first + k;
      double w = c[k];
      if (a.exclude_outside && (i < 0 || i >= in)) w = 0;
      sum += w;
      t.idx[y * n + k] = std::clamp<int64_t>(i, 0, std::max<int64_t>(in - 1, 0));
      t.w[y * n + k] = w;
    }
    if (a.exclude_outside && sum != 0)
      for (int k = 0; k < n; ++k) t.w[y * n + k] /= sum;
  }
  return t;
}

absl::StatusOr<Resize2DTables> PlanResize2D(
    const graph::Node& n, const graph::Shape& xs, const graph::Shape& ys,
    const std::function<absl::StatusOr<const graph::Tensor*>(int)>& input) {
  auto a = tp::ParseResizeAttrs(n);
  if (!a.ok()) return a.status();
  std::vector<double> roi, scales;
  std::vector<int64_t> sizes;
  for (int i : {a->roi_input, a->scales_input, a->sizes_input}) {
    if (i < 0) continue;
    auto t = input(i);
    if (!t.ok()) return t.status();
    if (!*t) continue;
    if (i == a->roi_input) roi = tp::ReadDoubles((*t)->view());
    if (i == a->scales_input) scales = tp::ReadDoubles((*t)->view());
    if (i == a->sizes_input) sizes = tp::ReadInts((*t)->view());
  }
  if (scales.empty() && !a->scales_attr.empty())
    scales.assign(a->scales_attr.begin(), a->scales_attr.end());
  auto g = tp::ComputeResizeGeometry(*a, xs, roi, scales, sizes);
  if (!g.ok()) return g.status();
  if (g->out != ys) return absl::InvalidArgumentError("planned shape differs from Resize geometry");
  const size_t r = xs.size();
  if (r < 2) return absl::UnimplementedError("rank below 2");
  for (size_t d = 0; d + 2 < r; ++d)
    if (xs[d] != ys[d] || std::fabs(g->scales[d] - 1.0) > 1e-9 ||
        (!g->roi.empty() && (g->roi[d] != 0 || g->roi[r + d] != 1)))
      return absl::UnimplementedError("only the two innermost dimensions may be resized");
  for (int64_t v : {xs[r - 2], xs[r - 1], ys[r - 2], ys[r - 1]})
    if (v > std::numeric_limits<int32_t>::max())
      return absl::UnimplementedError(absl::StrCat("dimension ", v, " exceeds 32-bit indexing"));
  Resize2DTables t;
  t.planes = graph::NumElements(graph::Shape(xs.begin(), xs.end() - 2));
  t.in_h = xs[r - 2];
  t.in_w = xs[r - 1];
  t.out_h = ys[r - 2];
  t.out_w = ys[r - 1];
  t.extrapolation_value = static_cast<float>(a->extrapolation_value);
  for (size_t d = r - 2; d < r; ++d) {
    double roi_pair[2] = {0, 1};
    if (!g->roi.empty()) {
      roi_pair[0] = g->roi[d];
      roi_pair[1] = g->roi[r + d];
    }
    AxisTaps taps = ComputeAxisTaps(*a, xs[d], ys[d], g->scales[d], roi_pair);
    if (taps.identity) {  // the CPU leaves an untouched axis empty; a gathering kernel needs it
      taps.n = 1;
      taps.idx.resize(static_cast<size_t>(xs[d]));
      taps.w.assign(static_cast<size_t>(xs[d]), 1.0);
      for (int64_t i = 0; i < xs[d]; ++i) taps.idx[static_cast<size_t>(i)] = i;
      taps.extrap.assign(static_cast<size_t>(xs[d]), 0);
    }
    const bool h = d == r - 2;
    (h ? t.nh : t.nw) = taps.n;
    std::vector<int32_t>& idx = h ? t.hidx : t.widx;
    std::vector<float>& w = h ? t.hw : t.ww;
    idx.assign(taps.idx.begin(), taps.idx.end());
    w.assign(taps.w.begin(), taps.w.end());
    for (size_t y = 0; y < taps.extrap.size(); ++y)
      if (taps.extrap[y])
        for (int k = 0; k < taps.n; ++k) idx[y * taps.n + k] = -1;
  }
  return t;
}

}  // namespace socd::cpu::tensor_resize
