#include "backends/cpu/kernels/tensor_resize_taps.h"

#include <algorithm>
#include <cmath>

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

}  // namespace socd::cpu::tensor_resize
