// Window operators beyond the models' 2-D float paths on both GPU backends, against the CPU
// backend: 3-D Conv (grouped, strided, dilated, padded, with and without bias), MaxPool on
// uint8/int8/float16 with its int64 Indices (both storage orders; output counts that end
// inside a 32-bit word), and training-mode BatchNormalization (channels larger than one
// work-group's stride, running statistics with momentum).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/opencl/opencl_backend.h"
#include "backends/vulkan/vulkan_backend.h"
#include "graph/ir.h"
#include "graph/tensor.h"
#include "tests/cpu/node_runner.h"
#include "tests/gpu/gpu_backends.h"

namespace socd::gpu_window_ops {

using node_runner::Float;
using node_runner::Int;
using node_runner::Ints;

using graph::DType;

using gpu_test::MakeGpuBackend;

// One node: input 0 is the graph input `x`, the rest constants (null: an omitted input);
// `outs` outputs, all graph outputs.
struct OneNode {
  std::string op;
  int opset = 15;
  std::shared_ptr<graph::Tensor> x;
  std::vector<std::shared_ptr<graph::Tensor>> consts;
  std::map<std::string, graph::Attribute> attrs;
  int outs = 1;
};

OneNode Node(std::string op, int opset, std::shared_ptr<graph::Tensor> x) {
  OneNode c;
  c.op = std::move(op);
  c.opset = opset;
  c.x = std::move(x);
  return c;
}

std::shared_ptr<const graph::Graph> Build(const OneNode& c) {
  auto g = std::make_shared<graph::Graph>();
  g->opsets[""] = c.opset;
  graph::TensorType tt{c.x->dtype(), true, {}};
  for (int64_t d : c.x->shape()) tt.dims.push_back(graph::Dim{d, ""});
  graph::Node n;
  n.name = "n";
  n.op_type = c.op;
  n.opset = c.opset;
  n.attrs = c.attrs;
  n.inputs.push_back(g->AddValue("x", tt));
  g->inputs.push_back(n.inputs[0]);
  for (size_t i = 0; i < c.consts.size(); ++i)
    n.inputs.push_back(c.consts[i] ? g->AddConstant("c" + std::to_string(i), c.consts[i])
                                   : graph::kNoValue);
  for (int o = 0; o < c.outs; ++o) {
    n.outputs.push_back(g->AddValue("y" + std::to_string(o)));
    g->outputs.push_back(n.outputs.back());
  }
  g->nodes.push_back(n);
  EXPECT_TRUE(g->TopoSort().ok());
  return g;
}

// Runs the node on `b`; the outputs' bytes (copied: the views die with the partition).
std::vector<std::vector<uint8_t>> RunNode(backends::Backend& b, const OneNode& c) {
  auto p = b.Compile(Build(c), {});
  EXPECT_TRUE(p.ok()) << p.status();
  if (!p.ok()) return {};
  auto prep = (*p)->Prepare({c.x->shape()});
  EXPECT_TRUE(prep.ok()) << prep;
  std::vector<graph::TensorView> out;
  auto run = (*p)->Run({c.x->view()}, out);
  EXPECT_TRUE(run.ok()) << run;
  std::vector<std::vector<uint8_t>> bytes;
  for (const auto& t : out) {
    const auto* d = static_cast<const uint8_t*>(t.data);
    bytes.emplace_back(d, d + t.bytes());
  }
  return bytes;
}

std::shared_ptr<graph::Tensor> Random(DType t, graph::Shape s, uint32_t seed) {
  auto x = std::make_shared<graph::Tensor>(t, std::move(s));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  for (int64_t i = 0; i < x->numel(); ++i) {
    if (t == DType::kFloat32) x->as<float>()[i] = u(rng);
    if (t == DType::kUInt8) x->as<uint8_t>()[i] = static_cast<uint8_t>(rng() % 256);
    if (t == DType::kInt8) x->as<int8_t>()[i] = static_cast<int8_t>(rng() % 256);
    // float16 bits of small integers and halves (exact; many ties for the first-max rule).
    if (t == DType::kFloat16) {
      const float v = static_cast<float>(static_cast<int>(rng() % 17) - 8) * 0.5f;
      x->as<uint16_t>()[i] = graph::FloatToHalf(v);
    }
  }
  return x;
}

std::vector<float> Floats(const std::vector<uint8_t>& b) {
  std::vector<float> f(b.size() / 4);
  std::memcpy(f.data(), b.data(), f.size() * 4);
  return f;
}

void ExpectNear(const std::vector<uint8_t>& got, const std::vector<uint8_t>& want, float tol,
                const char* what) {
  const auto g = Floats(got), w = Floats(want);
  ASSERT_EQ(g.size(), w.size()) << what;
  for (size_t i = 0; i < g.size(); ++i)
    ASSERT_NEAR(g[i], w[i], tol * (1.0f + std::fabs(w[i]))) << what << " element " << i;
}

class GpuWindowOps : public testing::TestWithParam<std::string> {};

TEST_P(GpuWindowOps, Conv3dAsCpu) {
  auto gpu = MakeGpuBackend(GetParam());
  ASSERT_NE(gpu, nullptr);
  cpu::CpuBackend cpu(1);
  struct Case {
    graph::Shape x, w;
    int64_t group;
    std::vector<int64_t> strides, dilations, pads;
    bool bias;
  };
  const Case cases[] = {
      {{2, 4, 5, 6, 7}, {6, 2, 3, 2, 3}, 2, {2, 1, 2}, {1, 2, 1}, {1, 0, 1, 0, 1, 1}, true},
      {{1, 3, 4, 5, 6}, {8, 3, 3, 3, 3}, 1, {1, 1, 1}, {1, 1, 1}, {1, 1, 1, 1, 1, 1}, false},
      {{1, 4, 3, 4, 5}, {4, 1, 2, 2, 2}, 4, {1, 2, 1}, {2, 1, 1}, {0, 0, 0, 0, 0, 0}, true},
  };
  uint32_t seed = 1;
  for (const Case& k : cases) {
    OneNode c = Node("Conv", 11, Random(DType::kFloat32, k.x, seed++));
    c.consts = {Random(DType::kFloat32, k.w, seed++)};
    if (k.bias) c.consts.push_back(Random(DType::kFloat32, {k.w[0]}, seed++));
    c.attrs = {{"group", Int(k.group)},
               {"strides", Ints(k.strides)},
               {"dilations", Ints(k.dilations)},
               {"pads", Ints(k.pads)}};
    auto got = RunNode(*gpu, c), want = RunNode(cpu, c);
    ASSERT_EQ(got.size(), 1u);
    ASSERT_EQ(want.size(), 1u);
    ExpectNear(got[0], want[0], 1e-5f, "Conv3d");
  }
}

TEST_P(GpuWindowOps, MaxPoolNarrowTypesAndIndicesAsCpu) {
  auto gpu = MakeGpuBackend(GetParam());
  ASSERT_NE(gpu, nullptr);
  cpu::CpuBackend cpu(1);
  uint32_t seed = 10;
  for (DType t : {DType::kUInt8, DType::kInt8, DType::kFloat16, DType::kFloat32}) {
    for (int order : {0, 1}) {
      // 2-D: 27 outputs per plane set (a partial last word for 8- and 16-bit types); 3-D.
      for (const graph::Shape& s : {graph::Shape{1, 3, 5, 6}, graph::Shape{2, 1, 3, 4, 5}}) {
        SCOPED_TRACE(::testing::Message()
                     << graph::DTypeName(t) << " storage_order " << order << " rank " << s.size());
        const bool three = s.size() == 5;
        OneNode c = Node("MaxPool", 12, Random(t, s, seed++));
        c.attrs = {
            {"kernel_shape",
             Ints(three ? std::vector<int64_t>{2, 3, 3} : std::vector<int64_t>{3, 3})},
            {"strides", Ints(three ? std::vector<int64_t>{1, 2, 2} : std::vector<int64_t>{2, 2})},
            {"pads", Ints(three ? std::vector<int64_t>{0, 1, 1, 1, 1, 1}
                                : std::vector<int64_t>{1, 1, 1, 1})},
            {"storage_order", Int(order)}};
        c.outs = 2;
        auto got = RunNode(*gpu, c);
        ASSERT_EQ(got.size(), 2u);
        // The CPU backend has no float16 MaxPool: it pools the same values as float32, whose
        // maxima convert back to the input's halves exactly.
        std::vector<std::vector<uint8_t>> want;
        if (t == DType::kFloat16) {
          OneNode c32 = c;
          c32.x = std::make_shared<graph::Tensor>(DType::kFloat32, s);
          for (int64_t i = 0; i < c.x->numel(); ++i)
            c32.x->as<float>()[i] = graph::HalfToFloat(c.x->as<uint16_t>()[i]);
          want = RunNode(cpu, c32);
          ASSERT_EQ(want.size(), 2u);
          const auto f = Floats(want[0]);
          want[0].resize(f.size() * 2);
          for (size_t i = 0; i < f.size(); ++i) {
            const uint16_t h = graph::FloatToHalf(f[i]);
            std::memcpy(want[0].data() + 2 * i, &h, 2);
          }
        } else {
          want = RunNode(cpu, c);
        }
        ASSERT_EQ(want.size(), 2u);
        EXPECT_EQ(got[0], want[0]) << "Y";
        EXPECT_EQ(got[1], want[1]) << "Indices";
        // Without the Indices output (the plain path for float32).
        c.outs = 1;
        auto got1 = RunNode(*gpu, c);
        ASSERT_EQ(got1.size(), 1u);
        EXPECT_EQ(got1[0], want[0]) << "Y without Indices";
      }
    }
  }
}

TEST_P(GpuWindowOps, BatchNormTrainingAsCpu) {
  auto gpu = MakeGpuBackend(GetParam());
  ASSERT_NE(gpu, nullptr);
  cpu::CpuBackend cpu(1);
  const int64_t C = 5;
  OneNode c = Node("BatchNormalization", 15, Random(DType::kFloat32, {3, C, 7, 11}, 20));
  auto var = Random(DType::kFloat32, {C}, 24);
  for (int64_t i = 0; i < C; ++i) var->as<float>()[i] = std::fabs(var->as<float>()[i]) + 0.1f;
  c.consts = {Random(DType::kFloat32, {C}, 21), Random(DType::kFloat32, {C}, 22),
              Random(DType::kFloat32, {C}, 23), var};
  c.attrs = {{"training_mode", Int(1)}, {"momentum", Float(0.7f)}, {"epsilon", Float(1e-3f)}};
  c.outs = 3;
  auto got = RunNode(*gpu, c), want = RunNode(cpu, c);
  ASSERT_EQ(got.size(), 3u);
  ASSERT_EQ(want.size(), 3u);
  ExpectNear(got[0], want[0], 1e-5f, "Y");
  ExpectNear(got[1], want[1], 1e-5f, "running_mean");
  ExpectNear(got[2], want[2], 1e-5f, "running_var");
}

INSTANTIATE_TEST_SUITE_P(Backends, GpuWindowOps, testing::Values("vulkan", "opencl"),
                         [](const auto& info) { return info.param; });

}  // namespace socd::gpu_window_ops
