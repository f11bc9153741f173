// Resize / Upsample attribute parsing and output geometry (see tensor_params.h).
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "graph/ops/tensor_params.h"

namespace socd::graph::tensor_params {

absl::StatusOr<ResizeAttrs> ParseResizeAttrs(const Node& n) {
  ResizeAttrs a;
  std::string mode = n.GetString("mode", "nearest");
  if (mode == "nearest")
    a.mode = ResizeMode::kNearest;
  else if (mode == "linear" || (n.op_type == "Upsample" && mode == "bilinear"))
    a.mode = ResizeMode::kLinear;
  else if (mode == "cubic" && n.op_type == "Resize" && n.opset >= 11)
    a.mode = ResizeMode::kCubic;
  else
    return absl::InvalidArgumentError(absl::StrCat("unknown mode '", mode, "'"));

  if (n.op_type == "Upsample" || n.opset < 11) {
    // Upsample-7/9 and Resize-10 share one meaning: asymmetric coordinates, truncating nearest.
    a.coord = CoordMode::kAsymmetric;
    a.nearest = NearestMode::kSimple;
    if (n.op_type == "Upsample" && n.opset < 9) {
      a.scales_attr = n.GetFloats("scales");
      if (a.scales_attr.empty())
        return absl::InvalidArgumentError("attribute 'scales' is required");
    } else {
      a.scales_input = 1;
    }
    return a;
  }
  a.roi_input = 1;
  a.scales_input = 2;
  a.sizes_input = 3;
  std::string cm = n.GetString("coordinate_transformation_mode", "half_pixel");
  if (cm == "half_pixel")
    a.coord = CoordMode::kHalfPixel;
  else if (cm == "asymmetric")
    a.coord = CoordMode::kAsymmetric;
  else if (cm == "align_corners")
    a.coord = CoordMode::kAlignCorners;
  else if (cm == "pytorch_half_pixel")
    a.coord = CoordMode::kPytorchHalfPixel;
  else if (cm == "tf_crop_and_resize")
    a.coord = CoordMode::kTfCropAndResize;
  else if (cm == "half_pixel_symmetric")
    a.coord = CoordMode::kHalfPixelSymmetric;
  else if (cm == "tf_half_pixel_for_nn" && n.opset < 13)
    a.coord = CoordMode::kTfHalfPixelForNn;
  else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown coordinate_transformation_mode '", cm, "'"));
  }
  std::string nm = n.GetString("nearest_mode", "round_prefer_floor");
  if (nm == "round_prefer_floor")
    a.nearest = NearestMode::kRoundPreferFloor;
  else if (nm == "round_prefer_ceil")
    a.nearest = NearestMode::kRoundPreferCeil;
  else if (nm == "floor")
    a.nearest = NearestMode::kFloor;
  else if (nm == "ceil")
    a.nearest = NearestMode::kCeil;
  else
    return absl::InvalidArgumentError(absl::StrCat("unknown nearest_mode '", nm, "'"));
  a.cubic_a = n.GetFloat("cubic_coeff_a", -0.75f);
  a.exclude_outside = n.GetInt("exclude_outside", 0) != 0;
  a.extrapolation_value = n.GetFloat("extrapolation_value", 0.f);
  if (n.opset >= 18) {
    a.antialias = n.GetInt("antialias", 0) != 0;
    a.axes = n.GetInts("axes");
    std::string p = n.GetString("keep_aspect_ratio_policy", "stretch");
    if (p == "stretch")
      a.policy = AspectPolicy::kStretch;
    else if (p == "not_larger")
      a.policy = AspectPolicy::kNotLarger;
    else if (p == "not_smaller")
      a.policy = AspectPolicy::kNotSmaller;
    else
      return absl::InvalidArgumentError(absl::StrCat("unknown keep_aspect_ratio_policy '", p, "'"));
  }
  return a;
}

absl::StatusOr<ResizeGeometry> ComputeResizeGeometry(const ResizeAttrs& a, const Shape& in,
                                                     const std::vector<double>& roi,
                                                     const std::vector<double>& scales,
                                                     const std::vector<int64_t>& sizes) {
  const int64_t r = static_cast<int64_t>(in.size());
  std::vector<int64_t> axes;
  if (a.axes.empty()) {
    for (int64_t i = 0; i < r; ++i) axes.push_back(i);
  } else {
    auto n = NormalizeAxes(a.axes, r);
    if (!n.ok()) return n.status();
    axes = *n;
  }
  const size_t na = axes.size();
  std::vector<double> sc = scales;
  if (sc.empty() && !a.scales_attr.empty()) sc.assign(a.scales_attr.begin(), a.scales_attr.end());
  if (!sc.empty() && !sizes.empty()) {
    return absl::InvalidArgumentError("only one of 'scales' and 'sizes' may be given");
  }
  if (sc.empty() && sizes.empty()) {
    return absl::InvalidArgumentError("one of 'scales' and 'sizes' must be given");
  }
  ResizeGeometry g;
  g.out = in;
  g.scales.assign(in.size(), 1.0);
  if (!sc.empty()) {
    if (sc.size() != na) {
      return absl::InvalidArgumentError(
          absl::StrCat("scales has ", sc.size(), " entries, expected ", na));
    }
    for (size_t i = 0; i < na; ++i) {
      if (!(sc[i] > 0)) {
        return absl::InvalidArgumentError(absl::StrCat("scale ", sc[i], " is not positive"));
      }
      g.scales[axes[i]] = sc[i];
      double o = std::floor(static_cast<double>(in[axes[i]]) * sc[i]);
      if (o > 1e12) return absl::InvalidArgumentError("output is too large");
      g.out[axes[i]] = static_cast<int64_t>(o);
    }
  } else {
    if (sizes.size() != na) {
      return absl::InvalidArgumentError(
          absl::StrCat("sizes has ", sizes.size(), " entries, expected ", na));
    }
    for (size_t i = 0; i < na; ++i) {
      if (sizes[i] < 0) return absl::InvalidArgumentError("sizes has a negative entry");
      if (in[axes[i]] == 0 && sizes[i] != 0) {
        return absl::InvalidArgumentError("cannot resize an empty dimension to a non-empty one");
      }
      g.out[axes[i]] = sizes[i];
      g.scales[axes[i]] =
          in[axes[i]] == 0 ? 1.0 : static_cast<double>(sizes[i]) / static_cast<double>(in[axes[i]]);
    }
    if (a.policy != AspectPolicy::kStretch) {
      double s = a.policy == AspectPolicy::kNotLarger ? 1e300 : 0;
      for (int64_t ax : axes) {
        s = a.policy == AspectPolicy::kNotLarger ? std::min(s, g.scales[ax])
                                                 : std::max(s, g.scales[ax]);
      }
      for (int64_t ax : axes) {
        g.scales[ax] = s;
        g.out[ax] = static_cast<int64_t>(s * static_cast<double>(in[ax]) + 0.5);
      }
    }
  }
  if (a.coord == CoordMode::kTfCropAndResize) {
    if (roi.size() != 2 * na) {
      return absl::InvalidArgumentError(
          absl::StrCat("tf_crop_and_resize needs roi with ", 2 * na, " entries, got ", roi.size()));
    }
    g.roi.assign(2 * in.size(), 0.0);
    for (int64_t i = 0; i < r; ++i) g.roi[r + i] = 1.0;
    for (size_t i = 0; i < na; ++i) {
      g.roi[axes[i]] = roi[i];
      g.roi[r + axes[i]] = roi[na + i];
    }
  }
  return g;
}

}  // namespace socd::graph::tensor_params
