// nn kernels through a real Session against naive references: Conv over many geometries (each
// CPU path: depthwise, pointwise, stride-1 direct, packed im2col, N-D, constant and run-time
// weights, several threads), pooling, MatMul/Gemm (packed constant weights and the generic
// path), the normalizations, and clean errors for bad attributes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/tensor.h"
#include "scheduler/session.h"

namespace socd::nn_test {

using graph::DType;
using graph::Shape;

graph::Attribute Ints(std::vector<int64_t> v) {
  graph::Attribute a;
  a.kind = graph::Attribute::Kind::kInts;
  a.ints = std::move(v);
  return a;
}
graph::Attribute Int(int64_t v) {
  graph::Attribute a;
  a.kind = graph::Attribute::Kind::kInt;
  a.i = v;
  return a;
}
graph::Attribute Float(float v) {
  graph::Attribute a;
  a.kind = graph::Attribute::Kind::kFloat;
  a.f = v;
  return a;
}
graph::Attribute Str(std::string s) {
  graph::Attribute a;
  a.kind = graph::Attribute::Kind::kString;
  a.s = std::move(s);
  return a;
}

std::vector<float> Random(int64_t n, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 1;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<float>((s >> 8) & 0xffff) / 32768.0f - 1.0f;
  }
  return v;
}

// A graph built node by node and run through Session::FromGraph.
class TestGraph {
 public:
  explicit TestGraph(int opset = 17) : opset_(opset) { g_.opsets[""] = opset; }

  int Input(const std::string& name, Shape shape, std::vector<float> data) {
    graph::TensorType t;
    t.dtype = DType::kFloat32;
    t.has_shape = true;
    for (int64_t d : shape) t.dims.push_back({d, ""});
    int v = g_.AddValue(name, t);
    g_.inputs.push_back(v);
    auto tensor = std::make_shared<graph::Tensor>(DType::kFloat32, shape);
    std::memcpy(tensor->data(), data.data(), data.size() * sizeof(float));
    feeds_.push_back(tensor);
    return v;
  }
  int Const(const std::string& name, Shape shape, const std::vector<float>& data) {
    auto t = std::make_shared<graph::Tensor>(DType::kFloat32, shape);
    std::memcpy(t->data(), data.data(), data.size() * sizeof(float));
    return g_.AddConstant(name, t);
  }
  // Input or constant, as asked.
  int Tensor(const std::string& name, Shape shape, std::vector<float> data, bool constant) {
    return constant ? Const(name, shape, data) : Input(name, shape, std::move(data));
  }
  int Op(const std::string& op, std::vector<int> ins,
         std::map<std::string, graph::Attribute> attrs = {}, int outs = 1) {
    graph::Node n;
    n.name = op + std::to_string(g_.nodes.size());
    n.op_type = op;
    n.opset = opset_;
    n.inputs = std::move(ins);
    n.attrs = std::move(attrs);
    for (int o = 0; o < outs; ++o)
      n.outputs.push_back(g_.AddValue(n.name + "_out" + std::to_string(o)));
    g_.nodes.push_back(n);
    return n.outputs[0];
  }
  absl::StatusOr<std::vector<std::vector<float>>> Run(std::vector<int> outputs,
                                                      bool optimize = false, int threads = 1) {
    graph::Graph g = g_;
    g.outputs = std::move(outputs);
    if (auto s = g.TopoSort(); !s.ok()) return s;
    scheduler::SessionOptions opts;
    opts.optimize = optimize;
    opts.threads = threads;
    auto sess = scheduler::Session::FromGraph(std::move(g), opts);
    if (!sess.ok()) return sess.status();
    std::vector<graph::TensorView> ins, outs;
    for (auto& t : feeds_) ins.push_back(t->view());
    if (auto s = (*sess)->Run(ins, outs); !s.ok()) return s;
    std::vector<std::vector<float>> r;
    for (auto& o : outs) r.emplace_back(o.as<float>(), o.as<float>() + o.numel());
    return r;
  }

 private:
  int opset_;
  graph::Graph g_;
  std::vector<std::shared_ptr<graph::Tensor>> feeds_;
};

void ExpectNear(const std::vector<float>& got, const std::vector<float>& want, float tol = 1e-4f) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], tol * (1 + std::fabs(want[i]))) << "element " << i;
  }
}

// Naive N-D conv with explicit pads (begin..., end...).
struct ConvCase {
  Shape x, w;  // [N, C, D...], [M, C/group, K...]
  int64_t group = 1;
  std::vector<int64_t> strides, dilations, pads;
  bool bias = true;
};

std::vector<float> RefConv(const ConvCase& c, const std::vector<float>& x,
                           const std::vector<float>& w, const std::vector<float>& b, Shape& out) {
  const int nd = static_cast<int>(c.x.size()) - 2;
  out = {c.x[0], c.w[0]};
  for (int i = 0; i < nd; ++i) {
    int64_t eff = (c.w[2 + i] - 1) * c.dilations[i] + 1;
    out.push_back((c.x[2 + i] + c.pads[i] + c.pads[nd + i] - eff) / c.strides[i] + 1);
  }
  const int64_t cg = c.w[1], mg = c.w[0] / c.group;
  int64_t osz = 1, isz = 1, ksz = 1;
  for (int i = 0; i < nd; ++i) osz *= out[2 + i], isz *= c.x[2 + i], ksz *= c.w[2 + i];
  std::vector<float> y(c.x[0] * c.w[0] * osz);
  std::vector<int64_t> o(nd), k(nd);
  for (int64_t n = 0; n < c.x[0]; ++n)
    for (int64_t m = 0; m < c.w[0]; ++m)
      for (int64_t p = 0; p < osz; ++p) {
        for (int64_t r = p, i = nd - 1; i >= 0; --i) o[i] = r % out[2 + i], r /= out[2 + i];
        double acc = c.bias ? b[m] : 0.0;
        const int64_t grp = m / mg;
        for (int64_t ci = 0; ci < cg; ++ci)
          for (int64_t q = 0; q < ksz; ++q) {
            for (int64_t r = q, i = nd - 1; i >= 0; --i) k[i] = r % c.w[2 + i], r /= c.w[2 + i];
            int64_t idx = 0;
            bool inside = true;
            for (int i = 0; i < nd; ++i) {
              int64_t pos = o[i] * c.strides[i] - c.pads[i] + k[i] * c.dilations[i];
              inside = inside && pos >= 0 && pos < c.x[2 + i];
              idx = idx * c.x[2 + i] + pos;
            }
            if (inside)
              acc +=
                  double(x[(n * c.x[1] + grp * cg + ci) * isz + idx]) * w[(m * cg + ci) * ksz + q];
          }
        y[(n * c.w[0] + m) * osz + p] = static_cast<float>(acc);
      }
  return y;
}

void CheckConv(const ConvCase& c, bool const_w, int threads) {
  const int nd = static_cast<int>(c.x.size()) - 2;
  auto x = Random(graph::NumElements(c.x), 1), w = Random(graph::NumElements(c.w), 2);
  auto b = Random(c.w[0], 3);
  Shape out;
  auto want = RefConv(c, x, w, b, out);
  TestGraph t(11);
  std::vector<int> ins = {t.Input("x", c.x, x), t.Tensor("w", c.w, w, const_w)};
  if (c.bias) ins.push_back(t.Tensor("b", {c.w[0]}, b, const_w));
  std::map<std::string, graph::Attribute> attrs = {{"group", Int(c.group)},
                                                   {"strides", Ints(c.strides)},
                                                   {"dilations", Ints(c.dilations)},
                                                   {"pads", Ints(c.pads)}};
  int y = t.Op("Conv", ins, attrs);
  auto r = t.Run({y}, false, threads);
  ASSERT_TRUE(r.ok()) << r.status();
  SCOPED_TRACE(testing::Message() << "nd " << nd << " x " << graph::ShapeToString(c.x) << " w "
                                  << graph::ShapeToString(c.w) << " group " << c.group);
  ExpectNear((*r)[0], want, 1e-4f);
}

TEST(NnConv, MatchesReferenceAcrossPaths) {
  std::vector<ConvCase> cases = {
      // 2-D: pointwise, stride-1 direct (padded/unpadded/dilated), strided (packed)
      {{1, 16, 9, 11}, {24, 16, 1, 1}, 1, {1, 1}, {1, 1}, {0, 0, 0, 0}},
      {{2, 5, 10, 13}, {7, 5, 3, 3}, 1, {1, 1}, {1, 1}, {1, 1, 1, 1}},
      {{1, 3, 12, 12}, {8, 3, 3, 3}, 1, {1, 1}, {1, 1}, {0, 0, 0, 0}, false},
      {{1, 4, 11, 9}, {6, 4, 3, 2}, 1, {1, 1}, {2, 3}, {2, 1, 0, 3}},
      {{1, 3, 17, 15}, {20, 3, 7, 7}, 1, {2, 2}, {1, 1}, {3, 3, 3, 3}},
      {{2, 8, 14, 14}, {16, 8, 1, 1}, 1, {2, 2}, {1, 1}, {0, 0, 0, 0}},
      {{1, 6, 7, 5}, {9, 6, 3, 3}, 1, {3, 2}, {1, 1}, {1, 0, 2, 1}},
      // groups, depthwise (3x3 fast path s1/s2 and general), depthwise with multiplier
      {{1, 8, 10, 10}, {12, 4, 3, 3}, 2, {1, 1}, {1, 1}, {1, 1, 1, 1}},
      {{2, 6, 13, 12}, {6, 1, 3, 3}, 6, {1, 1}, {1, 1}, {1, 1, 1, 1}},
      {{1, 5, 14, 15}, {5, 1, 3, 3}, 5, {2, 2}, {1, 1}, {1, 1, 1, 1}},
      {{1, 4, 9, 9}, {4, 1, 3, 3}, 4, {2, 2}, {1, 1}, {0, 0, 1, 1}},
      {{1, 4, 12, 12}, {4, 1, 5, 5}, 4, {1, 1}, {2, 2}, {4, 4, 4, 4}},
      {{1, 3, 8, 8}, {6, 1, 3, 3}, 3, {1, 1}, {1, 1}, {1, 1, 1, 1}},
      // 1-D and 3-D
      {{2, 4, 20}, {5, 4, 3}, 1, {1}, {2}, {2, 1}},
      {{1, 4, 21}, {6, 2, 5}, 2, {3}, {1}, {0, 2}},
      {{1, 3, 5, 6, 7}, {4, 3, 2, 3, 2}, 1, {1, 2, 1}, {1, 1, 2}, {1, 0, 1, 0, 1, 1}},
      // few positions, many channels: the transposed (C^T) path, K past one block
      {{1, 40, 7, 7}, {256, 40, 3, 3}, 1, {1, 1}, {1, 1}, {1, 1, 1, 1}},
      {{2, 300, 7, 7}, {256, 300, 1, 1}, 1, {1, 1}, {1, 1}, {0, 0, 0, 0}},
      {{1, 64, 7, 7}, {250, 64, 1, 1}, 1, {1, 1}, {1, 1}, {0, 0, 0, 0}},
      {{1, 16, 9, 9}, {64, 8, 3, 3}, 2, {2, 2}, {1, 1}, {1, 1, 1, 1}},
      // wide outputs cross many GEMM blocks; many channels cross K blocks
      {{1, 300, 6, 70}, {13, 300, 1, 1}, 1, {1, 1}, {1, 1}, {0, 0, 0, 0}},
      {{1, 40, 20, 21}, {33, 40, 3, 3}, 1, {1, 1}, {1, 1}, {1, 1, 1, 1}},
  };
  for (const auto& c : cases) {
    for (bool const_w : {true, false}) {
      for (int threads : {1, 2}) CheckConv(c, const_w, threads);
    }
  }
}

// The fused form (graph/passes/fusion.h): act(conv + bias + residual), on the normal and the
// transposed (few positions) GEMM paths.
TEST(NnConv, FusedResidualAndActivation) {
  for (int64_t hw : {7, 12}) {
    ConvCase c{{1, 40, hw, hw}, {256, 40, 3, 3}, 1, {1, 1}, {1, 1}, {1, 1, 1, 1}};
    auto x = Random(40 * hw * hw, 41), w = Random(256 * 360, 42), b = Random(256, 43);
    auto res = Random(256 * hw * hw, 44);
    Shape out;
    auto want = RefConv(c, x, w, b, out);
    for (size_t i = 0; i < want.size(); ++i)
      want[i] = std::min(std::max(want[i] + res[i], 0.0f), 1.5f);
    TestGraph t(11);
    int y = t.Op("Conv",
                 {t.Input("x", c.x, x), t.Const("w", c.w, w), t.Const("b", {256}, b),
                  t.Input("r", out, res)},
                 {{"pads", Ints({1, 1, 1, 1})},
                  {"_socd_act", Str("Clip")},
                  {"_socd_act_alpha", Float(0.0f)},
                  {"_socd_act_beta", Float(1.5f)}});
    auto r = t.Run({y});
    ASSERT_TRUE(r.ok()) << r.status();
    ExpectNear((*r)[0], want);
  }
}

TEST(NnConv, AutoPadSameUpperAndErrors) {
  TestGraph t(11);
  auto x = Random(1 * 2 * 7 * 7, 4), w = Random(3 * 2 * 3 * 3, 5);
  int y = t.Op("Conv", {t.Input("x", {1, 2, 7, 7}, x), t.Const("w", {3, 2, 3, 3}, w)},
               {{"auto_pad", Str("SAME_UPPER")}, {"strides", Ints({2, 2})}});
  auto r = t.Run({y});
  ASSERT_TRUE(r.ok()) << r.status();
  ConvCase c{{1, 2, 7, 7}, {3, 2, 3, 3}, 1, {2, 2}, {1, 1}, {1, 1, 1, 1}, false};
  Shape out;
  ExpectNear((*r)[0], RefConv(c, x, w, {}, out));

  TestGraph bad(11);
  int z = bad.Op(
      "Conv",
      {bad.Input("x", {1, 4, 5, 5}, Random(100, 1)), bad.Const("w", {2, 3, 3, 3}, Random(54, 2))},
      {{"group", Int(2)}});
  auto e = bad.Run({z});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(std::string(e.status().message()).find("group"), std::string::npos);
}

// Pooling against a direct evaluation of the window.
TEST(NnPool, MaxAndAverageMatchReference) {
  struct PoolCase {
    Shape x;
    std::vector<int64_t> k, s, pads;
    bool ceil, include_pad;
  };
  std::vector<PoolCase> cases = {{{1, 2, 9, 9}, {3, 3}, {2, 2}, {1, 1, 1, 1}, false, false},
                                 {{1, 3, 8, 7}, {2, 3}, {1, 2}, {0, 1, 1, 0}, true, true},
                                 {{2, 2, 10, 11}, {3, 3}, {3, 3}, {0, 0, 0, 0}, true, false},
                                 {{1, 1, 6, 6}, {2, 2}, {2, 2}, {1, 1, 1, 1}, false, true}};
  for (const auto& c : cases) {
    auto x = Random(graph::NumElements(c.x), 9);
    for (const char* op : {"MaxPool", "AveragePool"}) {
      TestGraph t(19);
      int y = t.Op(op, {t.Input("x", c.x, x)},
                   {{"kernel_shape", Ints(c.k)},
                    {"strides", Ints(c.s)},
                    {"pads", Ints(c.pads)},
                    {"ceil_mode", Int(c.ceil)},
                    {"count_include_pad", Int(c.include_pad)}});
      auto r = t.Run({y});
      ASSERT_TRUE(r.ok()) << r.status();
      const int64_t H = c.x[2], W = c.x[3];
      auto dim = [&](int64_t in, int i) {
        int64_t span = in + c.pads[i] + c.pads[2 + i] - c.k[i];
        int64_t o = (c.ceil ? (span + c.s[i] - 1) / c.s[i] : span / c.s[i]) + 1;
        if (c.ceil && (o - 1) * c.s[i] >= in + c.pads[i]) --o;
        return o;
      };
      const int64_t OH = dim(H, 0), OW = dim(W, 1);
      std::vector<float> want;
      for (int64_t p = 0; p < c.x[0] * c.x[1]; ++p)
        for (int64_t oh = 0; oh < OH; ++oh)
          for (int64_t ow = 0; ow < OW; ++ow) {
            float mx = -1e30f, sum = 0;
            int cnt = 0, cnt_pad = 0;
            for (int64_t i = 0; i < c.k[0]; ++i)
              for (int64_t j = 0; j < c.k[1]; ++j) {
                int64_t h = oh * c.s[0] - c.pads[0] + i, w = ow * c.s[1] - c.pads[1] + j;
                if (h < H + c.pads[2] && w < W + c.pads[3]) ++cnt_pad;
                if (h < 0 || h >= H || w < 0 || w >= W) continue;
                float v = x[p * H * W + h * W + w];
                mx = std::max(mx, v), sum += v, ++cnt;
              }
            want.push_back(std::string(op) == "MaxPool" ? mx
                                                        : sum / (c.include_pad ? cnt_pad : cnt));
          }
      ExpectNear((*r)[0], want);
    }
  }
}

std::vector<float> RefMatMul(const std::vector<float>& a, const std::vector<float>& b, int64_t m,
                             int64_t k, int64_t n) {
  std::vector<float> c(m * n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t p = 0; p < k; ++p) s += double(a[i * k + p]) * b[p * n + j];
      c[i * n + j] = static_cast<float>(s);
    }
  return c;
}

TEST(NnMatMul, ConstantAndRuntimeWeightsWithBroadcast) {
  for (auto [m, k, n] : {std::tuple{5, 7, 3}, {33, 300, 70}, {128, 64, 17}, {1, 40, 33}}) {
    auto a = Random(2 * m * k, 11), b = Random(k * n, 12);
    for (bool const_b : {true, false}) {
      for (int threads : {1, 2}) {
        TestGraph t(13);
        int y = t.Op("MatMul", {t.Input("a", {2, m, k}, a), t.Tensor("b", {k, n}, b, const_b)});
        auto r = t.Run({y}, false, threads);
        ASSERT_TRUE(r.ok()) << r.status();
        auto want = RefMatMul(a, b, 2 * m, k, n);
        ExpectNear((*r)[0], want, 1e-4f);
      }
    }
  }
  // Batch broadcast [3,1,4,5] x [2,5,6] -> [3,2,4,6], and 1-D operands.
  auto a = Random(3 * 4 * 5, 13), b = Random(2 * 5 * 6, 14);
  TestGraph t(13);
  int y = t.Op("MatMul", {t.Input("a", {3, 1, 4, 5}, a), t.Input("b", {2, 5, 6}, b)});
  int v = t.Op("MatMul", {t.Input("v", {5}, Random(5, 15)), t.Input("b2", {5, 6}, Random(30, 16))});
  auto r = t.Run({y, v});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ((*r)[0].size(), 3u * 2 * 4 * 6);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j) {
      std::vector<float> ai(a.begin() + i * 20, a.begin() + (i + 1) * 20);
      std::vector<float> bj(b.begin() + j * 30, b.begin() + (j + 1) * 30);
      auto want = RefMatMul(ai, bj, 4, 5, 6);
      std::vector<float> got((*r)[0].begin() + (i * 2 + j) * 24,
                             (*r)[0].begin() + (i * 2 + j + 1) * 24);
      ExpectNear(got, want);
    }
  ExpectNear((*r)[1], RefMatMul(Random(5, 15), Random(30, 16), 1, 5, 6));
}

TEST(NnGemm, TransposesAlphaBetaAndBias) {
  const int64_t m = 9, k = 21, n = 18;
  auto a = Random(m * k, 21), b = Random(k * n, 22), c = Random(n, 23);
  for (bool const_b : {true, false}) {
    TestGraph t(13);
    // A given as [k, m] with transA, B as [n, k] with transB.
    std::vector<float> at(k * m), bt(n * k);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t p = 0; p < k; ++p) at[p * m + i] = a[i * k + p];
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < n; ++j) bt[j * k + p] = b[p * n + j];
    int y = t.Op(
        "Gemm",
        {t.Input("a", {k, m}, at), t.Tensor("b", {n, k}, bt, const_b),
         t.Tensor("c", {n}, c, const_b)},
        {{"transA", Int(1)}, {"transB", Int(1)}, {"alpha", Float(0.5f)}, {"beta", Float(2.0f)}});
    auto r = t.Run({y});
    ASSERT_TRUE(r.ok()) << r.status();
    auto want = RefMatMul(a, b, m, k, n);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) want[i * n + j] = 0.5f * want[i * n + j] + 2.0f * c[j];
    ExpectNear((*r)[0], want);
  }
}

TEST(NnNorm, LayerNormAndBatchNorm) {
  auto x = Random(6 * 10, 31), s = Random(10, 32), b = Random(10, 33);
  TestGraph t(17);
  int y = t.Op("LayerNormalization",
               {t.Input("x", {2, 3, 10}, x), t.Const("s", {10}, s), t.Const("b", {10}, b)},
               {{"epsilon", Float(1e-5f)}}, 3);
  auto r = t.Run({y});
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<float> want;
  for (int row = 0; row < 6; ++row) {
    double mean = 0, var = 0;
    for (int j = 0; j < 10; ++j) mean += x[row * 10 + j] / 10.0;
    for (int j = 0; j < 10; ++j) var += (x[row * 10 + j] - mean) * (x[row * 10 + j] - mean) / 10.0;
    for (int j = 0; j < 10; ++j)
      want.push_back(
          static_cast<float>((x[row * 10 + j] - mean) / std::sqrt(var + 1e-5) * s[j] + b[j]));
  }
  ExpectNear((*r)[0], want);

  TestGraph bn(15);
  auto v = Random(3, 34);
  for (auto& e : v) e = std::fabs(e) + 0.5f;
  int z = bn.Op("BatchNormalization",
                {bn.Input("x", {2, 3, 2, 2}, Random(24, 35)), bn.Const("s", {3}, s),
                 bn.Const("b", {3}, b), bn.Const("m", {3}, Random(3, 36)), bn.Const("v", {3}, v)});
  auto rb = bn.Run({z});
  ASSERT_TRUE(rb.ok()) << rb.status();
  auto xb = Random(24, 35), mb = Random(3, 36);
  std::vector<float> wb;
  for (int i = 0; i < 24; ++i) {
    int ch = (i / 4) % 3;
    wb.push_back((xb[i] - mb[ch]) / std::sqrt(v[ch] + 1e-5f) * s[ch] + b[ch]);
  }
  ExpectNear((*rb)[0], wb);
}

}  // namespace socd::nn_test
