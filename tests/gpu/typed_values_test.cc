// Both GPU backends on the real drivers (lavapipe, PoCL): graphs whose shapes or attributes
// come from run-time input values (planned per run from the values, re-planned when they
// change), integer tensors on the typed kernels, and the fp16 peak in BackendInfo.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/opencl/cl_device.h"
#include "backends/opencl/opencl_backend.h"
#include "backends/vulkan/vk_context.h"
#include "backends/vulkan/vulkan_backend.h"
#include "graph/ir.h"
#include "graph/tensor.h"
#include "tests/gpu/gpu_backends.h"

namespace socd::gpu_typed {

using graph::DType;

using gpu_test::MakeGpuBackend;

int Input(graph::Graph& g, const std::string& name, DType t, graph::Shape s) {
  graph::TensorType tt{t, true, {}};
  for (int64_t d : s) tt.dims.push_back(graph::Dim{d, ""});
  const int v = g.AddValue(name, tt);
  g.inputs.push_back(v);
  return v;
}

void AddNode(graph::Graph& g, const char* op, std::vector<int> in, int out) {
  graph::Node n;
  n.name = std::string("n_") + op;
  n.op_type = op;
  n.opset = 17;
  n.inputs = std::move(in);
  n.outputs = {out};
  g.nodes.push_back(n);
}

class GpuTyped : public testing::TestWithParam<std::string> {};

// y = Relu(Reshape(x, shape)) with `shape` a graph input: the shape comes from its value.
TEST_P(GpuTyped, ReshapeShapeFromRunTimeValueReplansWhenItChanges) {
  auto b = MakeGpuBackend(GetParam());
  ASSERT_NE(b, nullptr);
  auto g = std::make_shared<graph::Graph>();
  g->opsets[""] = 17;
  const int x = Input(*g, "x", DType::kFloat32, {2, 6});
  const int s = Input(*g, "shape", DType::kInt64, {2});
  const int r = g->AddValue("r"), y = g->AddValue("y");
  AddNode(*g, "Reshape", {x, s}, r);
  AddNode(*g, "Relu", {r}, y);
  g->outputs.push_back(y);
  ASSERT_TRUE(g->TopoSort().ok());
  auto p = b->Compile(g, {});
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_TRUE((*p)->Prepare({{2, 6}, {2}}).ok());
  EXPECT_TRUE((*p)->planned_outputs().empty());  // known only once the value is
  std::vector<float> xv(12);
  for (int i = 0; i < 12; ++i) xv[i] = static_cast<float>(i - 6);
  for (const std::vector<int64_t>& want : {std::vector<int64_t>{3, 4}, {4, 3}, {12, 1}}) {
    std::vector<int64_t> sv = want;
    std::vector<graph::TensorView> in = {{DType::kFloat32, {2, 6}, xv.data()},
                                         {DType::kInt64, {2}, sv.data()}};
    std::vector<graph::TensorView> out;
    auto st = (*p)->Run(in, out);
    ASSERT_TRUE(st.ok()) << st;
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].shape, graph::Shape(want.begin(), want.end()));
    const float* o = out[0].as<float>();
    for (int i = 0; i < 12; ++i) EXPECT_EQ(o[i], xv[i] > 0 ? xv[i] : 0.0f) << i;
    EXPECT_TRUE((*p)->stats().dynamic);
  }
}

// Clip on int32 with min/max graph inputs: same shapes, new values must re-plan.
TEST_P(GpuTyped, Int32ClipBoundsFromRunTimeValues) {
  auto b = MakeGpuBackend(GetParam());
  ASSERT_NE(b, nullptr);
  auto g = std::make_shared<graph::Graph>();
  g->opsets[""] = 17;
  const int x = Input(*g, "x", DType::kInt32, {5});
  const int lo = Input(*g, "lo", DType::kInt32, {});
  const int hi = Input(*g, "hi", DType::kInt32, {});
  const int y = g->AddValue("y");
  AddNode(*g, "Clip", {x, lo, hi}, y);
  g->outputs.push_back(y);
  ASSERT_TRUE(g->TopoSort().ok());
  auto p = b->Compile(g, {});
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_TRUE((*p)->Prepare({{5}, {}, {}}).ok());
  std::vector<int32_t> xv = {-7, -1, 0, 3, 1 << 30};
  for (auto [l, h] : {std::pair<int32_t, int32_t>{-2, 2}, {0, 5}}) {
    std::vector<graph::TensorView> in = {
        {DType::kInt32, {5}, xv.data()}, {DType::kInt32, {}, &l}, {DType::kInt32, {}, &h}};
    std::vector<graph::TensorView> out;
    auto st = (*p)->Run(in, out);
    ASSERT_TRUE(st.ok()) << st;
    for (int i = 0; i < 5; ++i)
      EXPECT_EQ(out[0].as<int32_t>()[i], std::min(std::max(xv[i], l), h)) << i << " " << l;
  }
}

// uint8 arithmetic wraps and 3-byte outputs (not whole words) are exact: Add then Cast to int16.
TEST_P(GpuTyped, Uint8AddWrapsAndCastsOddLengths) {
  auto b = MakeGpuBackend(GetParam());
  ASSERT_NE(b, nullptr);
  auto g = std::make_shared<graph::Graph>();
  g->opsets[""] = 17;
  const int a = Input(*g, "a", DType::kUInt8, {3});
  const int c = Input(*g, "c", DType::kUInt8, {3});
  const int s = g->AddValue("s"), y = g->AddValue("y");
  AddNode(*g, "Add", {a, c}, s);
  AddNode(*g, "Cast", {s}, y);
  g->nodes.back().attrs["to"].kind = graph::Attribute::Kind::kInt;
  g->nodes.back().attrs["to"].i = static_cast<int64_t>(DType::kInt16);
  g->outputs = {s, y};
  ASSERT_TRUE(g->TopoSort().ok());
  auto p = b->Compile(g, {});
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_TRUE((*p)->Prepare({{3}, {3}}).ok());
  std::vector<uint8_t> av = {250, 1, 128}, cv = {10, 2, 128};
  std::vector<graph::TensorView> in = {{DType::kUInt8, {3}, av.data()},
                                       {DType::kUInt8, {3}, cv.data()}};
  std::vector<graph::TensorView> out;
  auto st = (*p)->Run(in, out);
  ASSERT_TRUE(st.ok()) << st;
  ASSERT_EQ(out.size(), 2u);
  for (int i = 0; i < 3; ++i) {
    const uint8_t want = static_cast<uint8_t>(av[i] + cv[i]);
    EXPECT_EQ(out[0].as<uint8_t>()[i], want) << i;
    EXPECT_EQ(out[1].as<int16_t>()[i], static_cast<int16_t>(want)) << i;
  }
}

// The fp16 peak is measured where the device has fp16 arithmetic, and 0 where it has none.
TEST_P(GpuTyped, Fp16PeakReportedWhenSupported) {
  auto b = MakeGpuBackend(GetParam());
  ASSERT_NE(b, nullptr);
  bool fp16_math = false;
  if (GetParam() == "vulkan") {
    auto ctx = vulkan::Context::Open(0);
    ASSERT_TRUE(ctx.ok());
    fp16_math = (*ctx)->caps().shader_float16;
  } else {
    auto rt = opencl::ClRuntime::Open(0);
    ASSERT_TRUE(rt.ok());
    fp16_math = (*rt)->info().desc.fp16;
  }
  const backends::BackendInfo& info = b->info();
  EXPECT_GT(info.peak_gflops_fp32, 0);
  if (fp16_math)
    EXPECT_GT(info.peak_gflops_fp16, 0);
  else
    EXPECT_EQ(info.peak_gflops_fp16, 0);
  std::printf("%s: fp32 %.1f GFLOP/s, fp16 %.1f GFLOP/s (fp16 arithmetic: %s)\n",
              GetParam().c_str(), info.peak_gflops_fp32, info.peak_gflops_fp16,
              fp16_math ? "yes" : "no");
}

INSTANTIATE_TEST_SUITE_P(Backends, GpuTyped, testing::Values("vulkan", "opencl"),
                         [](const auto& i) { return i.param; });

}  // namespace socd::gpu_typed
