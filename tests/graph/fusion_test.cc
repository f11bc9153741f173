// The fusion pass: each pattern is rewritten as expected (node count, fused attributes and
// inputs) and the fused graph computes what the unfused one does (Session with optimize off
// vs on); patterns whose intermediate is needed elsewhere are left alone.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/passes/fusion.h"
#include "graph/tensor.h"
#include "scheduler/session.h"

namespace socd::fusion_test {

using graph::DType;
using graph::Shape;

std::vector<float> Random(int64_t n, uint32_t seed, float lo = -1, float hi = 1) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 7;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = lo + (hi - lo) * static_cast<float>((s >> 8) & 0xffff) / 65536.0f;
  }
  return v;
}

graph::Attribute FloatAttr(float v) {
  graph::Attribute a;
  a.kind = graph::Attribute::Kind::kFloat;
  a.f = v;
  return a;
}
graph::Attribute IntsAttr(std::vector<int64_t> v) {
  graph::Attribute a;
  a.kind = graph::Attribute::Kind::kInts;
  a.ints = std::move(v);
  return a;
}

class Builder {
 public:
  explicit Builder(int opset = 17) : opset_(opset) { g.opsets[""] = opset; }
  int Input(Shape shape, uint32_t seed) {
    graph::TensorType t;
    t.dtype = DType::kFloat32;
    t.has_shape = true;
    for (int64_t d : shape) t.dims.push_back({d, ""});
    int v = g.AddValue("in" + std::to_string(g.inputs.size()), t);
    g.inputs.push_back(v);
    auto data = Random(graph::NumElements(shape), seed);
    auto tensor = std::make_shared<graph::Tensor>(DType::kFloat32, shape);
    std::memcpy(tensor->data(), data.data(), data.size() * sizeof(float));
    feeds.push_back(tensor);
    return v;
  }
  int Const(Shape shape, std::vector<float> data) {
    auto t = std::make_shared<graph::Tensor>(DType::kFloat32, shape);
    std::memcpy(t->data(), data.data(), data.size() * sizeof(float));
    return g.AddConstant("c" + std::to_string(g.values.size()), t);
  }
  int Scalar(float v) { return Const({}, {v}); }
  int Op(const std::string& op, std::vector<int> ins,
         std::map<std::string, graph::Attribute> attrs = {}) {
    graph::Node n;
    n.name = op + std::to_string(g.nodes.size());
    n.op_type = op;
    n.opset = opset_;
    n.inputs = std::move(ins);
    n.attrs = std::move(attrs);
    n.outputs.push_back(g.AddValue(n.name + "_y"));
    g.nodes.push_back(n);
    return n.outputs[0];
  }

  // Runs with and without optimization; returns the optimized session's graph.
  graph::Graph CompareOptimized(std::vector<int> outputs, float tol = 1e-4f) {
    g.outputs = std::move(outputs);
    EXPECT_TRUE(g.TopoSort().ok());
    std::vector<std::vector<float>> results[2];
    graph::Graph fused;
    for (int opt = 0; opt < 2; ++opt) {
      scheduler::SessionOptions so;
      so.optimize = opt == 1;
      auto s = scheduler::Session::FromGraph(g, so);
      EXPECT_TRUE(s.ok()) << s.status();
      if (!s.ok()) return {};
      std::vector<graph::TensorView> ins, outs;
      for (auto& t : feeds) ins.push_back(t->view());
      auto st = (*s)->Run(ins, outs);
      EXPECT_TRUE(st.ok()) << st;
      for (auto& o : outs) results[opt].emplace_back(o.as<float>(), o.as<float>() + o.numel());
      if (opt == 1) fused = (*s)->graph();
    }
    EXPECT_EQ(results[0].size(), results[1].size());
    for (size_t o = 0; o < results[0].size() && o < results[1].size(); ++o) {
      EXPECT_EQ(results[0][o].size(), results[1][o].size());
      for (size_t i = 0; i < results[0][o].size(); ++i) {
        EXPECT_NEAR(results[0][o][i], results[1][o][i], tol * (1 + std::fabs(results[0][o][i])))
            << "output " << o << " element " << i;
      }
    }
    return fused;
  }

  graph::Graph g;
  std::vector<std::shared_ptr<graph::Tensor>> feeds;

 private:
  int opset_;
};

int CountOps(const graph::Graph& g, const std::string& op) {
  int n = 0;
  for (const auto& node : g.nodes) n += node.op_type == op;
  return n;
}

const graph::Node* Find(const graph::Graph& g, const std::string& op) {
  for (const auto& node : g.nodes)
    if (node.op_type == op) return &node;
  return nullptr;
}

TEST(Fusion, ConvBatchNormRelu) {
  Builder b(15);
  int x = b.Input({1, 3, 8, 8}, 1);
  int c = b.Op("Conv", {x, b.Const({4, 3, 3, 3}, Random(108, 2)), b.Const({4}, Random(4, 3))},
               {{"pads", IntsAttr({1, 1, 1, 1})}});
  int bn =
      b.Op("BatchNormalization", {c, b.Const({4}, Random(4, 4)), b.Const({4}, Random(4, 5)),
                                  b.Const({4}, Random(4, 6)), b.Const({4}, Random(4, 7, 0.5f, 2))});
  int y = b.Op("Relu", {bn});
  graph::Graph f = b.CompareOptimized({y});
  ASSERT_EQ(f.nodes.size(), 1u);
  EXPECT_EQ(f.nodes[0].op_type, "Conv");
  EXPECT_EQ(f.nodes[0].GetString(graph::kFusedActAttr, ""), "Relu");
}

TEST(Fusion, ConvChannelMulAddClipAndResidual) {
  Builder b(13);
  int x = b.Input({1, 4, 6, 6}, 8);
  int c = b.Op("Conv", {x, b.Const({4, 4, 1, 1}, Random(16, 9))});
  int m = b.Op("Mul", {c, b.Const({4, 1, 1}, Random(4, 10))});
  int a = b.Op("Add", {b.Const({1, 4, 1, 1}, Random(4, 11)), m});
  int six = b.Op("Clip", {a, b.Scalar(0.0f), b.Scalar(0.5f)});
  // A second conv whose output joins the first through a residual Add, then Relu.
  int c2 = b.Op("Conv", {six, b.Const({4, 4, 3, 3}, Random(144, 12))},
                {{"pads", IntsAttr({1, 1, 1, 1})}});
  int r = b.Op("Relu", {b.Op("Add", {x, c2})});
  graph::Graph f = b.CompareOptimized({r});
  ASSERT_EQ(f.nodes.size(), 2u);
  EXPECT_EQ(f.nodes[0].GetString(graph::kFusedActAttr, ""), "Clip");
  EXPECT_FLOAT_EQ(f.nodes[0].GetFloat(graph::kFusedBetaAttr, 0), 0.5f);
  EXPECT_TRUE(f.nodes[0].has_input(2));  // bias created for the folded Mul/Add
  EXPECT_TRUE(f.nodes[1].has_input(graph::kConvResidualInput));
  EXPECT_EQ(f.nodes[1].GetString(graph::kFusedActAttr, ""), "Relu");
}

TEST(Fusion, MatMulBiasGeluResidualAndScale) {
  Builder b(17);
  int x = b.Input({2, 5, 16}, 13);
  int mm = b.Op("MatMul", {x, b.Const({16, 32}, Random(512, 14))});
  int bias = b.Op("Add", {mm, b.Const({32}, Random(32, 15))});
  // 0.5 * x * (1 + erf(x / sqrt(2))) as PyTorch exports it.
  int d = b.Op("Div", {bias, b.Scalar(1.4142135f)});
  int e = b.Op("Erf", {d});
  int one = b.Op("Add", {e, b.Scalar(1.0f)});
  int gelu = b.Op("Mul", {b.Op("Mul", {bias, one}), b.Scalar(0.5f)});
  int mm2 = b.Op("MatMul", {gelu, b.Const({32, 16}, Random(512, 16))});
  int res = b.Op("Add", {x, mm2});
  // Attention-style product of two activations scaled by a constant.
  int t = b.Op("Transpose", {res}, {{"perm", IntsAttr({0, 2, 1})}});
  int scores = b.Op("Mul", {b.Op("MatMul", {res, t}), b.Scalar(0.25f)});
  graph::Graph f = b.CompareOptimized({scores});
  EXPECT_EQ(CountOps(f, "MatMul"), 3);
  EXPECT_EQ(CountOps(f, "Erf") + CountOps(f, "Add") + CountOps(f, "Mul") + CountOps(f, "Div"), 0);
  ASSERT_EQ(f.nodes[0].op_type, "MatMul");
  EXPECT_EQ(f.nodes[0].GetString(graph::kFusedActAttr, ""), "Gelu");
  EXPECT_TRUE(f.nodes[0].has_input(graph::kMatMulBiasInput));
  EXPECT_TRUE(f.nodes[1].has_input(graph::kMatMulResidualInput));
  EXPECT_FLOAT_EQ(f.nodes.back().GetFloat(graph::kFusedScaleAttr, 1.0f), 0.25f);
}

TEST(Fusion, SiLUGemmAndBatchNormHost) {
  Builder b(13);
  int x = b.Input({3, 8}, 17);
  int g = b.Op("Gemm", {x, b.Const({8, 6}, Random(48, 18))});
  int ga = b.Op("Add", {g, b.Const({6}, Random(6, 19))});
  int silu = b.Op("Mul", {ga, b.Op("Sigmoid", {ga})});
  // BatchNormalization -> Mul -> Add -> LeakyRelu (densenet's pre-activation pattern).
  int img = b.Input({1, 3, 4, 4}, 20);
  int bn = b.Op("BatchNormalization",
                {img, b.Const({3}, Random(3, 21)), b.Const({3}, Random(3, 22)),
                 b.Const({3}, Random(3, 23)), b.Const({3}, Random(3, 24, 0.5f, 1))});
  int m = b.Op("Mul", {bn, b.Const({3, 1, 1}, Random(3, 25))});
  int a = b.Op("Add", {m, b.Const({3, 1, 1}, Random(3, 26))});
  int lr = b.Op("LeakyRelu", {a}, {{"alpha", FloatAttr(0.2f)}});
  graph::Graph f = b.CompareOptimized({silu, lr});
  ASSERT_EQ(f.nodes.size(), 2u);
  const graph::Node* gemm = Find(f, "Gemm");
  ASSERT_NE(gemm, nullptr);
  EXPECT_EQ(gemm->GetString(graph::kFusedActAttr, ""), "SiLU");
  EXPECT_TRUE(gemm->has_input(2));
  const graph::Node* bnn = Find(f, "BatchNormalization");
  ASSERT_NE(bnn, nullptr);
  EXPECT_EQ(bnn->GetString(graph::kFusedActAttr, ""), "LeakyRelu");
}

TEST(Fusion, LeavesSharedIntermediatesAlone) {
  Builder b(13);
  int x = b.Input({1, 2, 5, 5}, 27);
  int c = b.Op("Conv", {x, b.Const({2, 2, 1, 1}, Random(4, 28))});
  int r = b.Op("Relu", {c});  // c is also a graph output: cannot fuse
  int c2 = b.Op("Conv", {x, b.Const({2, 2, 1, 1}, Random(4, 29))});
  int s = b.Op("Sigmoid", {c2});
  int t = b.Op("Tanh", {c2});  // c2 has two readers (not the SiLU shape)
  graph::Graph f = b.CompareOptimized({c, r, s, t});
  EXPECT_EQ(f.nodes.size(), 5u);
  for (const auto& n : f.nodes) EXPECT_FALSE(n.HasAttr(graph::kFusedActAttr)) << n.op_type;
}

}  // namespace socd::fusion_test
