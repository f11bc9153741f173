// One inference split CPU -> Vulkan -> OpenCL -> CPU over the real drivers (lavapipe and PoCL
// on CI machines): every hand-over tensor lives in a UnifiedBuffer that the next backend
// imports instead of copying. The test shows (1) the pointers the GPU APIs work on are the host
// pointers, (2) GPU writes are visible through them with no read/map call, (3) the copy counter
// does not move, and (4) socd refuses a misaligned import with its own check.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "backends/cpu/cpu_backend.h"
#include "backends/memory/copy.h"
#include "backends/memory/unified_buffer.h"
#include "backends/opencl/cl_memory.h"
#include "backends/opencl/cl_partition.h"
#include "backends/opencl/opencl_backend.h"
#include "backends/vulkan/vk_context.h"
#include "backends/vulkan/vk_partition.h"
#include "backends/vulkan/vulkan_backend.h"

namespace socd::gpu_chain {

constexpr int64_t kN = 4096;  // 16 KiB of float: whole pages, as every import wants
const graph::Shape kShape{1, kN};

// A one-node graph `y = op(x, c)` (c a scalar constant; unary ops ignore it).
std::shared_ptr<const graph::Graph> OneOp(const char* op, float c) {
  auto g = std::make_shared<graph::Graph>();
  g->opsets[""] = 17;
  graph::TensorType tt{graph::DType::kFloat32, true, {}};
  for (int64_t d : kShape) tt.dims.push_back(graph::Dim{d, ""});
  const int x = g->AddValue("x", tt);
  g->inputs.push_back(x);
  const int y = g->AddValue("y");
  graph::Node n;
  n.name = op;
  n.op_type = op;
  n.opset = 17;
  n.inputs = {x};
  if (std::string(op) != "Relu" && std::string(op) != "Neg") {
    auto t = std::make_shared<graph::Tensor>(graph::DType::kFloat32, graph::Shape{1});
    t->as<float>()[0] = c;
    n.inputs.push_back(g->AddConstant("c", t));
  }
  n.outputs = {y};
  g->nodes.push_back(n);
  g->outputs.push_back(y);
  EXPECT_TRUE(g->TopoSort().ok());
  return g;
}

struct Stage {
  std::unique_ptr<backends::Backend> backend;
  std::unique_ptr<backends::CompiledPartition> part;
};

Stage Compile(absl::StatusOr<std::unique_ptr<backends::Backend>> b, const char* op, float c) {
  Stage s;
  EXPECT_TRUE(b.ok()) << b.status();
  if (!b.ok()) return s;
  s.backend = *std::move(b);
  auto p = s.backend->Compile(OneOp(op, c), {});
  EXPECT_TRUE(p.ok()) << p.status();
  if (!p.ok()) return s;
  s.part = *std::move(p);
  EXPECT_TRUE(s.part->Prepare({kShape}).ok());
  return s;
}

std::unique_ptr<memory::UnifiedBuffer> Buffer(const char* name) {
  auto b = memory::UnifiedBuffer::Allocate(kN * sizeof(float), name);
  EXPECT_TRUE(b.ok()) << b.status();
  return b.ok() ? *std::move(b) : nullptr;
}

// Runs `s` on `in`, writing its output into `out` (the next stage's input).
void RunInto(Stage& s, memory::UnifiedBuffer& in, memory::UnifiedBuffer& out) {
  std::vector<graph::TensorView> outputs;
  ASSERT_TRUE(
      s.part->Run({{graph::DType::kFloat32, kShape, in.data()}}, outputs, {out.data()}).ok());
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(outputs[0].data, out.data()) << "output not written in place";
}

TEST(ZeroCopyChain, CpuVulkanOpenClCpuCopiesNothing) {
  Stage relu = Compile(std::make_unique<cpu::CpuBackend>(1), "Relu", 0);  // CPU
  Stage add = Compile(vulkan::CreateVulkanBackend(0, 1), "Add", 1.f);     // Vulkan
  Stage mul = Compile(opencl::CreateOpenClBackend(0, 1), "Mul", 3.f);     // OpenCL
  Stage neg = Compile(std::make_unique<cpu::CpuBackend>(1), "Neg", 0);    // CPU
  ASSERT_TRUE(relu.part && add.part && mul.part && neg.part);
  auto x = Buffer("chain-x"), a = Buffer("chain-a"), b = Buffer("chain-b"), c = Buffer("chain-c"),
       y = Buffer("chain-y");
  ASSERT_TRUE(x && a && b && c && y);
  for (memory::UnifiedBuffer* u : {x.get(), a.get(), b.get(), c.get(), y.get()})
    vulkan::RegisterHostMemory(u->data(), u->mapped_size());
  float* xs = static_cast<float*>(x->data());
  for (int64_t i = 0; i < kN; ++i) xs[i] = static_cast<float>(i % 17) - 8.f;

  const uint64_t copied_before = memory::BytesCopied();
  RunInto(relu, *x, *a);
  RunInto(add, *a, *b);
  // (2) Vulkan's result, read straight from host memory: no map, no read-back call.
  const float* bs = static_cast<const float*>(b->data());
  for (int64_t i = 0; i < kN; ++i) ASSERT_EQ(bs[i], std::max(xs[i], 0.f) + 1.f) << i;
  RunInto(mul, *b, *c);
  const float* cs = static_cast<const float*>(c->data());
  for (int64_t i = 0; i < kN; ++i) ASSERT_EQ(cs[i], 3.f * bs[i]) << i;
  RunInto(neg, *c, *y);
  // (3) Not one byte copied across the four backends' hand-overs.
  EXPECT_EQ(memory::BytesCopied() - copied_before, 0u);
  const float* ys = static_cast<const float*>(y->data());
  for (int64_t i = 0; i < kN; ++i) ASSERT_EQ(ys[i], -3.f * (std::max(xs[i], 0.f) + 1.f)) << i;

  // (1) The memory the GPU APIs bound is the host memory itself.
  auto* vk = dynamic_cast<vulkan::VulkanPartition*>(add.part.get());
  ASSERT_NE(vk, nullptr);
  EXPECT_EQ(vk->last_run().inputs_imported, 1);
  EXPECT_EQ(vk->last_run().outputs_imported, 1);
  EXPECT_EQ(vk->last_run().inputs_staged + vk->last_run().outputs_copied, 0);
  bool saw_a = false, saw_b = false;
  for (const auto& [caller, bound] : vk->last_run().imports) {
    EXPECT_EQ(caller, bound);
    saw_a |= bound == a->data();
    saw_b |= bound == b->data();
  }
  EXPECT_TRUE(saw_a && saw_b);
  auto* cl = dynamic_cast<opencl::ClPartition*>(mul.part.get());
  ASSERT_NE(cl, nullptr);
  EXPECT_TRUE(cl->run_info().zero_copy_inputs);
  EXPECT_TRUE(cl->run_info().zero_copy_outputs);
  EXPECT_EQ(opencl::BufferHostPtr(cl->output_buffer(0)), c->data());

  for (memory::UnifiedBuffer* u : {x.get(), a.get(), b.get(), c.get(), y.get()})
    vulkan::UnregisterHostMemory(u->data());
}

// (4) socd's own alignment check refuses what a driver might silently accept or crash on.
TEST(ZeroCopyChain, MisalignedImportsAreRefusedBySocd) {
  auto u = Buffer("chain-misaligned");
  ASSERT_TRUE(u);
  char* p = static_cast<char*>(u->data());
  auto ctx = vulkan::Context::Open(0);
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  auto vk = (*ctx)->ImportHost(p + 64, 4096);
  ASSERT_FALSE(vk.ok());
  EXPECT_EQ(vk.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(vk.status().message().find("multiples of 4096"), absl::string_view::npos)
      << vk.status();
  auto cl = opencl::CheckImportable(p + 1, 4096, 4096);
  ASSERT_FALSE(cl.ok());
  EXPECT_EQ(cl.code(), absl::StatusCode::kInvalidArgument);
  // The aligned range itself is accepted by both.
  EXPECT_TRUE((*ctx)->ImportHost(p, 4096).ok());
  EXPECT_TRUE(opencl::CheckImportable(p, 4096, 4096).ok());
}

}  // namespace socd::gpu_chain
