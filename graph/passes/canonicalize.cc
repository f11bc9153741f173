// Rewrites older forms of the tensor-group operators into the newest form, so backends other
// than the CPU one (whose schemas and kernels accept every version) see one form per op:
//   Upsample-7/9                -> Resize-10 (the same meaning: asymmetric, truncating nearest)
//   Squeeze/Unsqueeze-1..12     -> -13 (axes attribute -> int64 input)
//   Split-2..12                 -> -13 (split attribute -> int64 input)
//   Slice-1..9                  -> -13 (starts/ends/axes attributes -> int64 inputs)
//   Pad-1..10 with value 0      -> -11 (pads attribute -> int64 input; a non-zero value needs
//                                  the data's element type, which may be unknown here)
// Other groups' ops (Reduce*, Clip, Softmax...) handle their old forms in their own schemas.
#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "graph/passes/passes.h"

namespace socd::graph {
namespace canonicalize_impl {

int AddInt64s(Graph& g, const Node& n, const std::string& what, const std::vector<int64_t>& v) {
  auto t = std::make_shared<Tensor>(DType::kInt64, Shape{static_cast<int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t->as<int64_t>());
  return g.AddConstant(g.UniqueName(absl::StrCat(n.name.empty() ? n.op_type : n.name, "_", what)),
                       t);
}

void SetInput(Node& n, size_t i, int value) {
  if (n.inputs.size() <= i) n.inputs.resize(i + 1, kNoValue);
  n.inputs[i] = value;
}

bool UpsampleToResize(Graph& g, Node& n) {
  if (n.opset < 7 || n.opset > 9) return false;
  if (n.opset < 9) {
    if (!n.HasAttr("scales") || n.inputs.size() != 1) return false;
    std::vector<float> s = n.GetFloats("scales");
    auto t = std::make_shared<Tensor>(DType::kFloat32, Shape{static_cast<int64_t>(s.size())});
    std::copy(s.begin(), s.end(), t->as<float>());
    SetInput(n, 1, g.AddConstant(g.UniqueName(absl::StrCat(n.name, "_scales")), t));
    n.attrs.erase("scales");
  }
  if (n.GetString("mode", "nearest") == "bilinear") n.attrs["mode"].s = "linear";
  n.op_type = "Resize";
  n.opset = 10;
  return true;
}

// Moves integer-list attribute `attr` into input `index` (omitted when the attribute is).
bool AttrToInput(Graph& g, Node& n, const char* attr, size_t index, bool required) {
  if (!n.HasAttr(attr)) return !required;
  if (n.inputs.size() > index && n.inputs[index] != kNoValue) return false;
  SetInput(n, index, AddInt64s(g, n, attr, n.GetInts(attr)));
  n.attrs.erase(attr);
  return true;
}

bool Rewrite(Graph& g, Node& n) {
  const std::string& op = n.op_type;
  if (op == "Upsample") return UpsampleToResize(g, n);
  if ((op == "Squeeze" || op == "Unsqueeze") && n.opset < 13) {
    if (n.inputs.size() != 1 || !AttrToInput(g, n, "axes", 1, op == "Unsqueeze")) return false;
    n.opset = 13;
    return true;
  }
  if (op == "Split" && n.opset >= 2 && n.opset < 13) {
    if (n.inputs.size() != 1 || !AttrToInput(g, n, "split", 1, false)) return false;
    n.opset = 13;
    return true;
  }
  if (op == "Slice" && n.opset < 10) {
    if (n.inputs.size() != 1 || !n.HasAttr("starts") || !n.HasAttr("ends")) return false;
    AttrToInput(g, n, "starts", 1, true);
    AttrToInput(g, n, "ends", 2, true);
    AttrToInput(g, n, "axes", 3, false);
    n.opset = 13;
    return true;
  }
  if (op == "Pad" && n.opset < 11) {
    const char* name = n.opset < 2 ? "paddings" : "pads";
    if (n.inputs.size() != 1 || n.GetFloat("value", 0.f) != 0.f || !n.HasAttr(name)) return false;
    AttrToInput(g, n, name, 1, true);
    n.attrs.erase("value");
    n.opset = 11;
    return true;
  }
  return false;
}

}  // namespace canonicalize_impl

absl::Status Canonicalize(Graph& g, PassStats& stats) {
  int changed = 0;
  for (Node& n : g.nodes) {
    if (!n.domain.empty()) continue;
    if (canonicalize_impl::Rewrite(g, n)) ++changed;
  }
  if (changed == 0) return absl::OkStatus();
  stats.canonicalized += changed;
  return g.TopoSort();
}

}  // namespace socd::graph
