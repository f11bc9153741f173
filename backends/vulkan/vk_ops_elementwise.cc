// Elementwise operators: unary math and activations (one specialised pipeline per operator),
// broadcasting binary arithmetic, variadic Sum/Max/Min/Mean as chains of binary dispatches,
// the copy-or-alias operators (Identity, Dropout, Reshape, Flatten, Squeeze, Unsqueeze), and
// training-mode Dropout (dropout.comp).
#include "absl/strings/str_cat.h"
#include "backends/gpu_typed.h"
#include "backends/vulkan/vk_kernel.h"

namespace socd::vulkan {
namespace vk_ops_elementwise {

using graph::kNoValue;

struct UnaryDef {
  const char* op;
  int code;
  float alpha, beta;
  const char* alpha_attr;
  const char* beta_attr;
};

constexpr UnaryDef kUnary[] = {
    {"Relu", 1, 0, 0, nullptr, nullptr},
    {"Sigmoid", 2, 0, 0, nullptr, nullptr},
    {"Tanh", 3, 0, 0, nullptr, nullptr},
    {"Exp", 4, 0, 0, nullptr, nullptr},
    {"Log", 5, 0, 0, nullptr, nullptr},
    {"Sqrt", 6, 0, 0, nullptr, nullptr},
    {"Neg", 7, 0, 0, nullptr, nullptr},
    {"Abs", 8, 0, 0, nullptr, nullptr},
    {"Reciprocal", 9, 0, 0, nullptr, nullptr},
    {"Floor", 10, 0, 0, nullptr, nullptr},
    {"Ceil", 11, 0, 0, nullptr, nullptr},
    {"Erf", 12, 0, 0, nullptr, nullptr},
    {"LeakyRelu", 14, 0.01f, 0, "alpha", nullptr},
    {"Elu", 15, 1.0f, 0, "alpha", nullptr},
    {"Selu", 16, 1.67326319217681884765625f, 1.05070102214813232421875f, "alpha", "gamma"},
    {"HardSigmoid", 17, 0.2f, 0.5f, "alpha", "beta"},
    {"HardSwish", 18, 0, 0, nullptr, nullptr},
    {"Softplus", 19, 0, 0, nullptr, nullptr},
    {"Softsign", 20, 0, 0, nullptr, nullptr},
    {"Sin", 21, 0, 0, nullptr, nullptr},
    {"Cos", 22, 0, 0, nullptr, nullptr},
    {"Sign", 23, 0, 0, nullptr, nullptr},
    {"Gelu", 26, 0, 0, nullptr, nullptr},
    {"ThresholdedRelu", 27, 1.0f, 0, "alpha", nullptr},
    {"Round", 28, 0, 0, nullptr, nullptr},
    {"Mish", 29, 0, 0, nullptr, nullptr},
    {"Celu", 31, 1.0f, 0, "alpha", nullptr},
};

Dispatch Unary(int code, float a, float b, int in, int out, int64_t n, const std::string& label) {
  Dispatch d;
  d.shader = "unary";
  d.spec = {code};
  d.push = {static_cast<int32_t>(n), FloatBits(a), FloatBits(b)};
  d.bindings = {{in}, {out}};
  d.label = label;
  Groups1D(d, n);
  return d;
}

absl::Status CheckCount(const KernelContext& k, int64_t n) {
  if (n < 0 || n > (int64_t{1} << 31) - 1)
    return Unimplemented(k, absl::StrCat(n, " elements (shaders index with 32 bits)"));
  return absl::OkStatus();
}

absl::Status BuildUnary(const KernelContext& k, std::vector<Dispatch>& out) {
  const UnaryDef* def = nullptr;
  for (const auto& u : kUnary)
    if (k.node.op_type == u.op) def = &u;
  if (!def) return Unimplemented(k, "no unary shader");
  int code = def->code;
  if (k.node.op_type == "Gelu") {
    const std::string approx = k.node.GetString("approximate", "none");
    if (approx == "tanh")
      code = 32;
    else if (approx != "none")
      return Unimplemented(k, absl::StrCat("Gelu approximate='", approx, "'"));
  }
  float a = def->alpha_attr ? k.node.GetFloat(def->alpha_attr, def->alpha) : def->alpha;
  float b = def->beta_attr ? k.node.GetFloat(def->beta_attr, def->beta) : def->beta;
  if (!AllFloat32(k)) return BuildTypedUnary(k, code, a, b, out);
  int64_t n = graph::NumElements(k.shape(k.out[0]));
  if (auto s = CheckCount(k, n); !s.ok()) return s;
  if (n == 0) return absl::OkStatus();
  out.push_back(Unary(code, a, b, k.in[0], k.out[0], n, k.node.Describe()));
  return absl::OkStatus();
}

absl::Status BuildClip(const KernelContext& k, std::vector<Dispatch>& out) {
  if (!AllFloat32(k)) {
    if (k.node.opset < 11) return RequireFloat32(k);
    for (size_t i = 1; i <= 2; ++i)
      if (k.has_in(i) && !k.constant(i)) return Unimplemented(k, "min/max known only at run time");
    return BuildTypedClip(k, k.has_in(1) ? k.constant(1) : nullptr,
                          k.has_in(2) ? k.constant(2) : nullptr, out);
  }
  float lo = -3.402823466e38f, hi = 3.402823466e38f;
  if (k.node.opset < 11) {
    lo = k.node.GetFloat("min", lo);
    hi = k.node.GetFloat("max", hi);
  } else {
    for (size_t i = 1; i <= 2; ++i) {
      if (!k.has_in(i)) continue;
      const graph::Tensor* t = k.constant(i);
      if (!t) return Unimplemented(k, "min/max known only at run time");
      if (t->numel() != 1) return Unimplemented(k, "min/max not scalars");
      (i == 1 ? lo : hi) = static_cast<float>(t->FloatAt(0));
    }
  }
  int64_t n = graph::NumElements(k.shape(k.out[0]));
  if (auto s = CheckCount(k, n); !s.ok()) return s;
  if (n == 0) return absl::OkStatus();
  out.push_back(Unary(13, lo, hi, k.in[0], k.out[0], n, k.node.Describe()));
  return absl::OkStatus();
}

// Broadcast strides of `s` against output shape `o` (right-aligned), 0 where s has size 1.
std::vector<int64_t> BroadcastStrides(const graph::Shape& s, const graph::Shape& o) {
  std::vector<int64_t> st(o.size(), 0);
  int64_t stride = 1;
  for (int i = static_cast<int>(s.size()) - 1, j = static_cast<int>(o.size()) - 1; i >= 0;
       --i, --j) {
    st[j] = s[i] == 1 ? 0 : stride;
    stride *= s[i];
  }
  return st;
}

absl::StatusOr<Dispatch> Binary(const KernelContext& k, int code, int a, int b, int c) {
  graph::Shape os = k.shape(c);
  graph::Shape bs = k.shape(b);
  // PRelu's per-channel slope [C] of an [N, C, ...] input (older exporters) applies along
  // axis 1, not right-aligned: give it trailing 1s.
  if (code == 7 && bs.size() == 1 && os.size() > 2 && bs[0] == os[1] && bs[0] != os.back())
    bs.resize(os.size() - 1, 1);
  std::vector<int64_t> sa = BroadcastStrides(k.shape(a), os);
  std::vector<int64_t> sb = BroadcastStrides(bs, os);
  // Merge adjacent dims that are contiguous in all three, so rank rarely exceeds 6.
  graph::Shape dims;
  std::vector<int64_t> da, db;
  for (size_t i = 0; i < os.size(); ++i) {
    if (os[i] == 1) continue;
    if (!dims.empty() && da.back() == sa[i] * os[i] && db.back() == sb[i] * os[i]) {
      dims.back() *= os[i];
      da.back() = sa[i];
      db.back() = sb[i];
      continue;
    }
    dims.push_back(os[i]);
    da.push_back(sa[i]);
    db.push_back(sb[i]);
  }
  if (dims.size() > 6) return Unimplemented(k, "broadcast over more than 6 dims");
  int64_t n = graph::NumElements(os);
  if (auto s = CheckCount(k, n); !s.ok()) return s;
  Dispatch d;
  d.shader = "binary";
  d.spec = {code};
  d.push.assign(20, 0);
  d.push[0] = static_cast<int32_t>(n);
  d.push[1] = static_cast<int32_t>(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) {
    d.push[2 + i] = static_cast<int32_t>(dims[i]);
    d.push[8 + i] = static_cast<int32_t>(da[i]);
    d.push[14 + i] = static_cast<int32_t>(db[i]);
  }
  d.bindings = {{a}, {b}, {c}};
  d.label = k.node.Describe();
  Groups1D(d, n);
  return d;
}

int BinaryCode(const std::string& op) {
  if (op == "Add" || op == "Sum" || op == "Mean") return 0;
  if (op == "Sub") return 1;
  if (op == "Mul") return 2;
  if (op == "Div") return 3;
  if (op == "Max") return 4;
  if (op == "Min") return 5;
  if (op == "Pow") return 6;
  if (op == "PRelu") return 7;
  return -1;
}

absl::Status BuildBinary(const KernelContext& k, std::vector<Dispatch>& out) {
  if (!AllFloat32(k)) {
    if (k.node.op_type == "Mean" || k.node.op_type == "PRelu") return RequireFloat32(k);
    return BuildTypedBinary(k, out);
  }
  const int code = BinaryCode(k.node.op_type);
  const int y = k.out[0];
  if (graph::NumElements(k.shape(y)) == 0) return absl::OkStatus();
  std::vector<int> ins;
  for (int v : k.in)
    if (v != kNoValue) ins.push_back(v);
  if (ins.empty()) return Unimplemented(k, "no inputs");
  if (ins.size() == 1) {
    int64_t n = graph::NumElements(k.shape(y));
    if (k.shape(ins[0]) != k.shape(y)) return Unimplemented(k, "single input with another shape");
    out.push_back(CopyDispatch(ins[0], y, n, k.node.Describe()));
  } else {
    // Chains accumulate in the output: every step reads and writes element i of y only, so
    // binding y as both operand and result is race-free. The first step broadcasts in0 and in1.
    for (size_t i = 1; i < ins.size(); ++i) {
      int a = i == 1 ? ins[0] : y;
      auto d = Binary(k, code, a, ins[i], y);
      if (!d.ok()) return d.status();
      out.push_back(*std::move(d));
    }
  }
  if (k.node.op_type == "Mean" && ins.size() > 1) {
    int64_t n = graph::NumElements(k.shape(y));
    out.push_back(Unary(24, 1.0f / static_cast<float>(ins.size()), 0, y, y, n, k.node.Describe()));
  }
  return absl::OkStatus();
}

// Training-mode Dropout on dropout.comp: one workgroup walks numpy's MT19937 stream for the
// seed (see the shader for why one), so the mask is the CPU backend's exactly.
absl::Status BuildDropoutTraining(const KernelContext& k,
                                  const backends::gpu_typed::DropoutTraining& p,
                                  std::vector<Dispatch>& out) {
  const int x = k.in[0], y = k.out[0];
  const int mask = k.out.size() > 1 ? k.out[1] : kNoValue;
  if (k.dtype(x) != graph::DType::kFloat32 || k.dtype(y) != graph::DType::kFloat32)
    return Unimplemented(
        k, absl::StrCat("training mode on ", graph::DTypeName(k.dtype(x)), " (float32 only)"));
  if (mask != kNoValue && k.dtype(mask) != graph::DType::kBool)
    return Unimplemented(k, absl::StrCat("mask type ", graph::DTypeName(k.dtype(mask))));
  const int64_t n = graph::NumElements(k.shape(y));
  if (n > (int64_t{1} << 31) - 1) return Unimplemented(k, "more than 2^31 elements");
  if (n == 0) return absl::OkStatus();
  Dispatch d;
  d.shader = "dropout";
  d.spec = {mask != kNoValue ? 1 : 0};
  d.push = {static_cast<int32_t>(n), static_cast<int32_t>(p.seed),
            static_cast<int32_t>(p.threshold >> 32),
            static_cast<int32_t>(p.threshold & 0xffffffffu), FloatBits(p.scale)};
  d.bindings = {{x}, {y}, {mask != kNoValue ? mask : y}};
  d.label = k.node.Describe();
  out.push_back(std::move(d));  // groups stay 1x1x1: one workgroup walks the whole stream
  return absl::OkStatus();
}

// Reshape-like operators: nothing to run when the plan aliased the output to the input;
// otherwise (input is a graph input or constant) a word copy.
absl::Status BuildAliasOrCopy(const KernelContext& k, std::vector<Dispatch>& out) {
  if (k.node.op_type == "Dropout") {
    auto training = backends::gpu_typed::PlanDropoutTraining(
        k.node, [&](int i) { return k.constant(static_cast<size_t>(i)); });
    if (!training.ok()) return Unimplemented(k, std::string(training.status().message()));
    if (*training) return BuildDropoutTraining(k, **training, out);
  }
  if (k.node.op_type == "Dropout" && k.out.size() > 1 && k.out[1] != kNoValue) {
    // Inference Dropout keeps every element: the mask is all true (bool bytes of 1), written
    // as whole words (bindings are rounded up to 4 bytes inside their aligned slot).
    const int mask = k.out[1];
    const graph::DType mt = k.dtype(mask);
    if (mt != graph::DType::kBool && mt != graph::DType::kFloat32)
      return Unimplemented(k, absl::StrCat("mask type ", graph::DTypeName(mt)));
    const bool bytes = mt == graph::DType::kBool;
    const int64_t n = graph::NumElements(k.shape(mask));
    const int64_t words = bytes ? (n + 3) / 4 : n;
    if (words > 0) {
      Dispatch d;
      d.shader = "fill";
      d.push = {static_cast<int32_t>(words), bytes ? 0x01010101 : FloatBits(1.0f)};
      d.bindings = {{mask}};
      d.label = k.node.Describe();
      Groups1D(d, words);
      out.push_back(std::move(d));
    }
  }
  const int x = k.in[0], y = k.out[0];
  if (k.plan.root[y] == k.plan.root[x]) return absl::OkStatus();
  const size_t bytes =
      static_cast<size_t>(graph::NumElements(k.shape(y))) * graph::DTypeSize(k.dtype(y));
  if (bytes % 4 != 0) return BuildTypedCopy(k, x, y, out);  // element-wise, whole words
  if (bytes == 0) return absl::OkStatus();
  out.push_back(CopyDispatch(x, y, static_cast<int64_t>(bytes / 4), k.node.Describe()));
  return absl::OkStatus();
}

}  // namespace vk_ops_elementwise

const std::vector<OpEntry>& ElementwiseOps() {
  using namespace vk_ops_elementwise;
  static const std::vector<OpEntry> ops = [] {
    std::vector<OpEntry> v;
    for (const auto& u : kUnary) v.push_back({u.op, BuildUnary});
    v.push_back({"Clip", BuildClip});
    for (const char* op : {"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean"})
      v.push_back({op, BuildBinary});
    v.push_back({"PRelu", BuildBinary});
    for (const char* op : {"Identity", "Dropout", "Reshape", "Flatten", "Squeeze", "Unsqueeze"})
      v.push_back({op, BuildAliasOrCopy});
    return v;
  }();
  return ops;
}

}  // namespace socd::vulkan
