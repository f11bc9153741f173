#include "graph/ops/nn_geometry.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace socd::graph {
namespace nn_geometry_impl {

absl::Status Err(const Node& n, absl::string_view msg) {
  return absl::InvalidArgumentError(absl::StrCat(n.Describe(), ": ", msg));
}

// An ints attribute of length nd (default `def` everywhere when absent), each >= min_value.
absl::StatusOr<std::vector<int64_t>> PerDim(const Node& n, const char* name, int nd, int64_t def,
                                            int64_t min_value) {
  std::vector<int64_t> v = n.GetInts(name);
  if (!n.HasAttr(name) || v.empty()) return std::vector<int64_t>(nd, def);
  if (static_cast<int>(v.size()) != nd) {
    return Err(n, absl::StrCat(name, " has ", v.size(), " values, expected ", nd,
                               " (one per spatial dimension)"));
  }
  for (int64_t x : v) {
    if (x < min_value) {
      return Err(n, absl::StrCat(name, " [", absl::StrJoin(v, ","), "] must be >= ", min_value));
    }
  }
  return v;
}

absl::Status ReadCommon(const Node& n, WindowGeometry& g) {
  auto strides = PerDim(n, "strides", g.nd, 1, 1);
  if (!strides.ok()) return strides.status();
  auto dil = PerDim(n, "dilations", g.nd, 1, 1);
  if (!dil.ok()) return dil.status();
  g.strides = *strides;
  g.dilations = *dil;
  for (int i = 0; i < g.nd; ++i) {
    if (g.kernel[i] < 1) return Err(n, "kernel dimensions must be >= 1");
  }
  std::vector<int64_t> pads = n.GetInts("pads");
  g.pad_begin.assign(g.nd, 0);
  g.pad_end.assign(g.nd, 0);
  if (!pads.empty()) {
    if (static_cast<int>(pads.size()) != 2 * g.nd) {
      return Err(n, absl::StrCat("pads has ", pads.size(), " values, expected ", 2 * g.nd));
    }
    for (int i = 0; i < g.nd; ++i) {
      g.pad_begin[i] = pads[i];
      g.pad_end[i] = pads[g.nd + i];
      if (g.pad_begin[i] < 0 || g.pad_end[i] < 0) return Err(n, "pads must be >= 0");
    }
  }
  return absl::OkStatus();
}

}  // namespace nn_geometry_impl

absl::StatusOr<WindowGeometry> ComputeWindow(const Node& n, const std::vector<int64_t>& in,
                                             const std::vector<int64_t>& kernel, bool ceil_mode) {
  using nn_geometry_impl::Err;
  WindowGeometry g;
  g.nd = static_cast<int>(in.size());
  g.in = in;
  g.kernel = kernel;
  if (static_cast<int>(kernel.size()) != g.nd) {
    return Err(n, absl::StrCat("kernel has ", kernel.size(), " dimensions but the input has ", g.nd,
                               " spatial dimensions"));
  }
  if (auto s = nn_geometry_impl::ReadCommon(n, g); !s.ok()) return s;
  std::string auto_pad = n.GetString("auto_pad", "NOTSET");
  g.out.assign(g.nd, 0);
  for (int i = 0; i < g.nd; ++i) {
    int64_t eff = (g.kernel[i] - 1) * g.dilations[i] + 1;
    int64_t s = g.strides[i];
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      g.out[i] = (in[i] + s - 1) / s;
      int64_t total = std::max<int64_t>(0, (g.out[i] - 1) * s + eff - in[i]);
      int64_t small = total / 2, big = total - total / 2;
      g.pad_begin[i] = auto_pad == "SAME_UPPER" ? small : big;
      g.pad_end[i] = auto_pad == "SAME_UPPER" ? big : small;
      continue;
    }
    if (auto_pad == "VALID") {
      g.pad_begin[i] = g.pad_end[i] = 0;
    } else if (auto_pad != "NOTSET" && !auto_pad.empty()) {
      return Err(n, absl::StrCat("unknown auto_pad '", auto_pad, "'"));
    }
    int64_t span = in[i] + g.pad_begin[i] + g.pad_end[i] - eff;
    if (span < 0) {
      return Err(n, absl::StrCat("window of ", eff, " (kernel ", g.kernel[i], ", dilation ",
                                 g.dilations[i], ") is larger than the padded input (",
                                 in[i] + g.pad_begin[i] + g.pad_end[i], ") in spatial dim ", i));
    }
    g.out[i] = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
    // The last window must start inside the input or the begin padding.
    if (ceil_mode && (g.out[i] - 1) * s >= in[i] + g.pad_begin[i]) --g.out[i];
  }
  return g;
}

absl::StatusOr<WindowGeometry> ComputeTransposeWindow(const Node& n, const std::vector<int64_t>& in,
                                                      const std::vector<int64_t>& kernel) {
  using nn_geometry_impl::Err;
  WindowGeometry g;
  g.nd = static_cast<int>(in.size());
  g.in = in;
  g.kernel = kernel;
  if (auto s = nn_geometry_impl::ReadCommon(n, g); !s.ok()) return s;
  auto op = nn_geometry_impl::PerDim(n, "output_padding", g.nd, 0, 0);
  if (!op.ok()) return op.status();
  g.output_padding = *op;
  for (int i = 0; i < g.nd; ++i) {
    if (g.output_padding[i] >= std::max(g.strides[i], g.dilations[i])) {
      return Err(n, "output_padding must be smaller than the stride or the dilation");
    }
  }
  std::string auto_pad = n.GetString("auto_pad", "NOTSET");
  bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
  if (!same && auto_pad != "NOTSET" && auto_pad != "VALID" && !auto_pad.empty()) {
    return Err(n, absl::StrCat("unknown auto_pad '", auto_pad, "'"));
  }
  if (auto_pad == "VALID") g.pad_begin.assign(g.nd, 0), g.pad_end.assign(g.nd, 0);
  std::vector<int64_t> out_shape = n.GetInts("output_shape");
  if (!out_shape.empty()) {
    // Either the spatial dims or the full N,C,spatial shape.
    if (static_cast<int>(out_shape.size()) == g.nd + 2) {
      out_shape.erase(out_shape.begin(), out_shape.begin() + 2);
    }
    if (static_cast<int>(out_shape.size()) != g.nd) {
      return Err(n,
                 absl::StrCat("output_shape has ", out_shape.size(), " values, expected ", g.nd));
    }
  }
  bool pads_given = n.HasAttr("pads") && !same;
  if (out_shape.empty() && same) {
    for (int i = 0; i < g.nd; ++i) out_shape.push_back(in[i] * g.strides[i]);
  }
  g.out.assign(g.nd, 0);
  for (int i = 0; i < g.nd; ++i) {
    int64_t eff = (g.kernel[i] - 1) * g.dilations[i] + 1;
    int64_t full = g.strides[i] * (in[i] - 1) + g.output_padding[i] + eff;
    if (!out_shape.empty() && !pads_given) {
      int64_t total = full - out_shape[i];
      if (total < 0) {
        // A larger requested output than the transposed conv covers: pad at the end.
        g.pad_begin[i] = 0;
        g.pad_end[i] = total;
      } else if (auto_pad == "SAME_UPPER") {
        g.pad_begin[i] = total / 2;
        g.pad_end[i] = total - total / 2;
      } else {
        g.pad_begin[i] = total - total / 2;
        g.pad_end[i] = total / 2;
      }
      g.out[i] = out_shape[i];
    } else {
      g.out[i] = out_shape.empty() ? full - g.pad_begin[i] - g.pad_end[i] : out_shape[i];
    }
    if (g.out[i] < 0) return Err(n, "padding is larger than the output");
  }
  return g;
}

}  // namespace socd::graph
