// The Vulkan backend on a real driver (lavapipe in CI): discovery, socd's own import alignment
// check, zero-copy runs (imported pointers are the caller's, 0 bytes copied), the staging path
// (SOCD_VK_FORCE_STAGING=1), on-disk caches, calibration, and fp16-storage accuracy
// (SOCD_VK_FP16=1). Results are compared with the CPU backend on the same graph.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "backends/cache_dir.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/memory/copy.h"
#include "backends/memory/unified_buffer.h"
#include "backends/vulkan/vk_context.h"
#include "backends/vulkan/vk_partition.h"
#include "backends/vulkan/vulkan_backend.h"
#include "graph/ir.h"
#include "graph/onnx_import.h"
#include "graph/tensor.h"
#include "scheduler/session.h"
#include "tests/gpu/dropout_case.h"
#include "tests/gpu/reduce_case.h"

namespace socd::vulkan_test {

using graph::DType;
using graph::Shape;

bool Env(const char* n) {
  const char* v = std::getenv(n);
  return v && *v && std::strcmp(v, "0") != 0;
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

graph::Attribute Ints(std::vector<int64_t> v) {
  graph::Attribute a;
  a.kind = graph::Attribute::Kind::kInts;
  a.ints = std::move(v);
  return a;
}

// x[1,8,16,16] -> Conv 3x3 (16 ch, pad 1) + bias -> Relu -> MatMul-free tail: Add(x2).
// Large enough that every tensor is a whole number of pages (1x16x16x16 floats = 16 KiB).
std::shared_ptr<const graph::Graph> ConvGraph() {
  auto g = std::make_shared<graph::Graph>();
  g->opsets[""] = 17;
  auto input = [&](const std::string& name, Shape s) {
    graph::TensorType t;
    t.dtype = DType::kFloat32;
    t.has_shape = true;
    for (int64_t d : s) t.dims.push_back({d, ""});
    int v = g->AddValue(name, t);
    g->inputs.push_back(v);
    return v;
  };
  auto constant = [&](const std::string& name, Shape s, uint32_t seed) {
    auto t = std::make_shared<graph::Tensor>(DType::kFloat32, s);
    auto r = Random(t->numel(), seed);
    std::memcpy(t->data(), r.data(), t->bytes());
    return g->AddConstant(name, t);
  };
  int x = input("x", {1, 8, 16, 16});
  int x2 = input("x2", {1, 16, 16, 16});
  int w = constant("w", {16, 8, 3, 3}, 7);
  int b = constant("b", {16}, 8);
  int c = g->AddValue("c"), r = g->AddValue("r"), y = g->AddValue("y");
  graph::Node conv;
  conv.name = "conv";
  conv.op_type = "Conv";
  conv.opset = 17;
  conv.inputs = {x, w, b};
  conv.outputs = {c};
  conv.attrs["pads"] = Ints({1, 1, 1, 1});
  conv.attrs["kernel_shape"] = Ints({3, 3});
  graph::Node relu{"relu", "Relu", "", 17, {c}, {r}, {}};
  graph::Node add{"add", "Add", "", 17, {r, x2}, {y}, {}};
  g->nodes = {conv, relu, add};
  g->outputs = {y};
  EXPECT_TRUE(g->TopoSort().ok());
  return g;
}

struct Buffers {
  std::unique_ptr<memory::UnifiedBuffer> x, x2, out;
};

Buffers MakeInputs() {
  Buffers b;
  b.x = *memory::UnifiedBuffer::Allocate(8 * 16 * 16 * 4, "x");
  b.x2 = *memory::UnifiedBuffer::Allocate(16 * 16 * 16 * 4, "x2");
  b.out = *memory::UnifiedBuffer::Allocate(16 * 16 * 16 * 4, "out");
  auto rx = Random(8 * 16 * 16, 1), rx2 = Random(16 * 16 * 16, 2);
  std::memcpy(b.x->data(), rx.data(), rx.size() * 4);
  std::memcpy(b.x2->data(), rx2.data(), rx2.size() * 4);
  return b;
}

std::vector<float> CpuReference(const std::shared_ptr<const graph::Graph>& g, const Buffers& b) {
  cpu::CpuBackend cpu(1);
  auto part = cpu.Compile(g, {});
  EXPECT_TRUE(part.ok());
  std::vector<graph::TensorView> in = {{DType::kFloat32, {1, 8, 16, 16}, b.x->data()},
                                       {DType::kFloat32, {1, 16, 16, 16}, b.x2->data()}};
  std::vector<graph::TensorView> out;
  EXPECT_TRUE((*part)->Run(in, out).ok());
  const float* p = out[0].as<float>();
  return std::vector<float>(p, p + out[0].numel());
}

void ExpectNear(const float* got, const std::vector<float>& want, float tol) {
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_NEAR(got[i], want[i], tol * (1 + std::fabs(want[i]))) << "element " << i;
}

TEST(VulkanDiscovery, ListsLavapipeWithMemoryFlags) {
  auto devs = vulkan::ListVulkanDevices();
  ASSERT_TRUE(devs.ok()) << devs.status();
  ASSERT_FALSE(devs->empty()) << "no Vulkan device: is VK_ICD_FILENAMES set to lavapipe?";
  const auto& d = (*devs)[0];
  EXPECT_EQ(d.kind, backends::BackendKind::kVulkan);
  EXPECT_FALSE(d.name.empty());
  EXPECT_FALSE(d.driver.empty());
  EXPECT_GT(d.memory_bytes, 0u);
  EXPECT_GT(d.subgroup_size, 0);
  if (d.name.find("llvmpipe") != std::string::npos) {
    // lavapipe is a CPU device whose memory is host memory: unified, decided from the memory
    // flags and VK_EXT_external_memory_host, not from the type.
    EXPECT_EQ(d.type, "cpu");
    EXPECT_TRUE(d.unified_memory);
    EXPECT_TRUE(d.fp16);
  }
  EXPECT_FALSE(vulkan::CreateVulkanBackend(static_cast<int>(devs->size()), 1).ok());
}

TEST(VulkanImport, MisalignedPointerAndSizeAreRefusedBySocd) {
  auto ctx = vulkan::Context::Open(0);
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  if (!(*ctx)->zero_copy()) GTEST_SKIP() << "device does not import host memory here";
  const size_t align = (*ctx)->caps().import_alignment;
  auto ub = memory::UnifiedBuffer::Allocate(4 * align, "import");
  ASSERT_TRUE(ub.ok());
  uint8_t* base = static_cast<uint8_t*>((*ub)->data());
  auto ok = (*ctx)->ImportHost(base, 2 * align);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)->host(), base);  // the imported pointer is the host pointer
  auto bad_ptr = (*ctx)->ImportHost(base + 64, align);
  ASSERT_FALSE(bad_ptr.ok());
  EXPECT_EQ(bad_ptr.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad_ptr.status().message().find(std::to_string(align)), std::string::npos)
      << bad_ptr.status();
  EXPECT_NE(bad_ptr.status().message().find("minImportedHostPointerAlignment"), std::string::npos);
  auto bad_size = (*ctx)->ImportHost(base, align + 100);
  ASSERT_FALSE(bad_size.ok());
  EXPECT_EQ(bad_size.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(VulkanZeroCopy, RegisteredBuffersAreImportedAndNothingIsCopied) {
  auto backend = vulkan::CreateVulkanBackend(0, 1);
  ASSERT_TRUE(backend.ok()) << backend.status();
  auto ctx = vulkan::Context::Open(0);
  if (!(*ctx)->zero_copy()) GTEST_SKIP() << "not a zero-copy device (or forced staging)";
  auto g = ConvGraph();
  Buffers b = MakeInputs();
  const auto want = CpuReference(g, b);
  for (auto* ub : {b.x.get(), b.x2.get(), b.out.get()})
    vulkan::RegisterHostMemory(ub->data(), ub->mapped_size());
  auto part = (*backend)->Compile(g, {});
  ASSERT_TRUE(part.ok()) << part.status();
  auto* vp = dynamic_cast<vulkan::VulkanPartition*>(part->get());
  ASSERT_NE(vp, nullptr);
  std::vector<graph::TensorView> in = {{DType::kFloat32, {1, 8, 16, 16}, b.x->data()},
                                       {DType::kFloat32, {1, 16, 16, 16}, b.x2->data()}};
  ASSERT_TRUE((*part)->Prepare({in[0].shape, in[1].shape}).ok());
  for (int run = 0; run < 2; ++run) {
    std::memset(b.out->data(), 0, b.out->size());
    std::vector<graph::TensorView> out;
    const uint64_t before = memory::ThreadBytesCopied();
    ASSERT_TRUE((*part)->Run(in, out, {b.out->data()}).ok());
    EXPECT_EQ(memory::ThreadBytesCopied() - before, 0u) << "run " << run;
    const auto& info = vp->last_run();
    EXPECT_EQ(info.inputs_imported, 2);
    EXPECT_EQ(info.inputs_staged, 0);
    EXPECT_EQ(info.outputs_imported, 1);
    EXPECT_EQ(info.outputs_copied, 0);
    ASSERT_EQ(info.imports.size(), 3u);
    for (const auto& [caller, bound] : info.imports) EXPECT_EQ(caller, bound);
    if (run == 1) EXPECT_EQ(info.import_cache_hits, 3);
    EXPECT_EQ(out[0].data, b.out->data());
    // The shader's writes are visible through the caller's pointer with no read call.
    ExpectNear(static_cast<const float*>(b.out->data()), want, 1e-5f);
    EXPECT_EQ(vp->dispatch_timings().size(), vp->dispatch_count());
  }
  for (auto* ub : {b.x.get(), b.x2.get(), b.out.get()}) vulkan::UnregisterHostMemory(ub->data());
  // Unregistered memory that is not page-aligned is staged through the counting copy instead
  // (x2 stays importable: a page-aligned pointer and a whole number of pages).
  std::vector<float> small(8 * 16 * 16);
  std::memcpy(small.data(), b.x->data(), small.size() * 4);
  in[0].data = small.data();
  std::vector<graph::TensorView> out;
  const uint64_t before = memory::ThreadBytesCopied();
  ASSERT_TRUE((*part)->Run(in, out).ok());
  EXPECT_GT(memory::ThreadBytesCopied() - before, 0u);
  EXPECT_GE(vp->last_run().inputs_staged, 1);
  for (const auto& [caller, bound] : vp->last_run().imports) EXPECT_NE(caller, small.data());
  ExpectNear(out[0].as<float>(), want, 1e-5f);
}

// Registered as its own ctest with SOCD_VK_FORCE_STAGING=1.
TEST(VulkanStaging, DeviceLocalBuffersWithCountedCopies) {
  if (!Env("SOCD_VK_FORCE_STAGING")) GTEST_SKIP() << "run with SOCD_VK_FORCE_STAGING=1";
  auto backend = vulkan::CreateVulkanBackend(0, 1);
  ASSERT_TRUE(backend.ok()) << backend.status();
  auto ctx = vulkan::Context::Open(0);
  ASSERT_FALSE((*ctx)->zero_copy());
  EXPECT_FALSE((*backend)->info().unified_memory);
  auto g = ConvGraph();
  Buffers b = MakeInputs();
  const auto want = CpuReference(g, b);
  auto part = (*backend)->Compile(g, {});
  ASSERT_TRUE(part.ok());
  auto* vp = dynamic_cast<vulkan::VulkanPartition*>(part->get());
  std::vector<graph::TensorView> in = {{DType::kFloat32, {1, 8, 16, 16}, b.x->data()},
                                       {DType::kFloat32, {1, 16, 16, 16}, b.x2->data()}};
  std::vector<graph::TensorView> out;
  ASSERT_TRUE((*part)->Prepare({in[0].shape, in[1].shape}).ok());
  const uint64_t before = memory::ThreadBytesCopied();
  ASSERT_TRUE((*part)->Run(in, out, {b.out->data()}).ok());
  // Both inputs in, the output back: every staged byte went through CopyBytes.
  EXPECT_EQ(memory::ThreadBytesCopied() - before, (8 + 16 + 16) * 16 * 16 * 4u);
  EXPECT_EQ(vp->last_run().inputs_staged, 2);
  EXPECT_EQ(vp->arena_host(), nullptr);
  ExpectNear(static_cast<const float*>(b.out->data()), want, 1e-5f);
}

TEST(VulkanCaches, PipelineCacheAndCalibrationPersistOnDisk) {
  std::string pipeline_file;
  {
    auto backend = vulkan::CreateVulkanBackend(0, 1);
    ASSERT_TRUE(backend.ok());
    auto part = (*backend)->Compile(ConvGraph(), {});
    ASSERT_TRUE(part.ok());
    ASSERT_TRUE((*part)->Prepare({{1, 8, 16, 16}, {1, 16, 16, 16}}).ok());
    auto ctx = vulkan::Context::Open(0);
    pipeline_file = (*ctx)->pipeline_cache_path();
    const auto& info = (*backend)->info();
    EXPECT_GT(info.peak_gflops_fp32, 0);
    EXPECT_GT(info.bandwidth_gbps, 0);
    EXPECT_GT(info.launch_overhead_us, 0);
  }
  ASSERT_FALSE(pipeline_file.empty());
  ASSERT_TRUE(std::filesystem::exists(pipeline_file)) << pipeline_file;
  EXPECT_GT(std::filesystem::file_size(pipeline_file), 0u);
  // Everything above is released: a new context loads the cache file written by the first.
  auto ctx = vulkan::Context::Open(0);
  ASSERT_TRUE(ctx.ok());
  EXPECT_GT((*ctx)->pipeline_cache_loaded_bytes(), 0u);
  auto dir = backends::CacheDir("vulkan");
  ASSERT_TRUE(dir.ok());
  bool calibration = false;
  for (const auto& e : std::filesystem::directory_iterator(*dir))
    calibration |= e.path().filename().string().rfind("calibration-", 0) == 0;
  EXPECT_TRUE(calibration);
}

// fp16-storage weights (SOCD_VK_FP16=1, its own ctest) against the fp32 references of real
// models. Stated tolerance: |got - want| <= 5e-3 * max|want| + 1e-3 per output element
// (measured on lavapipe: mnist-8 1.2e-4, light_squeezenet_randw 2.2e-3, tiny-bert 7e-4 of
// max|want|).
TEST(VulkanFp16, ModelsWithinStatedTolerance) {
  if (!Env("SOCD_VK_FP16")) GTEST_SKIP() << "run with SOCD_VK_FP16=1";
  auto ctx = vulkan::Context::Open(0);
  ASSERT_TRUE(ctx.ok());
  if (!(*ctx)->caps().fp16_storage) GTEST_SKIP() << "no storageBuffer16BitAccess";
  ASSERT_TRUE((*ctx)->fp16());
  const std::string root = SOCD_TEST_MODELS;
  for (const char* m : {"mnist-8", "light_squeezenet_randw", "tiny-bert"}) {
    scheduler::SessionOptions so;
    so.backend = "vulkan";
    auto s = scheduler::Session::Load(root + "/" + m + ".onnx", so);
    ASSERT_TRUE(s.ok()) << s.status();
    const std::string set = root + "/" + m + "/test_data_set_0/";
    std::vector<std::shared_ptr<graph::Tensor>> keep;
    std::vector<graph::TensorView> in;
    for (size_t i = 0; i < (*s)->inputs().size(); ++i) {
      auto t = graph::ReadTensorProtoFile(set + "input_" + std::to_string(i) + ".pb");
      ASSERT_TRUE(t.ok()) << t.status();
      keep.push_back(*t);
      in.push_back((*t)->view());
    }
    std::vector<graph::TensorView> out;
    ASSERT_TRUE((*s)->Run(in, out).ok());
    auto want = graph::ReadTensorProtoFile(set + "output_0.pb");
    ASSERT_TRUE(want.ok());
    const float* w = (*want)->as<float>();
    const float* got = out[0].as<float>();
    float scale = 0, err = 0;
    for (int64_t i = 0; i < (*want)->numel(); ++i) scale = std::max(scale, std::fabs(w[i]));
    for (int64_t i = 0; i < (*want)->numel(); ++i) err = std::max(err, std::fabs(got[i] - w[i]));
    std::printf("fp16 %s: max abs err %.3g (max |ref| %.3g)\n", m, err, scale);
    std::fflush(stdout);
    EXPECT_LE(err, 5e-3f * scale + 1e-3f) << m;
  }
}

// Training-mode Dropout's mask is the CPU backend's bit for bit (same MT19937 stream).
TEST(VulkanDropout, TrainingMaskMatchesCpu) {
  auto backend = vulkan::CreateVulkanBackend(0, 1);
  ASSERT_TRUE(backend.ok()) << backend.status();
  for (const auto& c : gpu_test::DropoutCases()) gpu_test::ExpectDropoutMatchesCpu(**backend, c);
}

// Reduce* on integers, bool, float64 and float16 (the typed reduce kernel) match the CPU backend.
TEST(VulkanReduce, TypedDtypesMatchCpu) {
  auto backend = vulkan::CreateVulkanBackend(0, 1);
  ASSERT_TRUE(backend.ok()) << backend.status();
  gpu_test::ExpectTypedReducesMatchCpu(**backend);
}

}  // namespace socd::vulkan_test

// Under SOCD_VK_VALIDATION=1 the run fails if the validation layer said anything at all.
int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  int rc = RUN_ALL_TESTS();
  const auto msgs = socd::vulkan::ValidationMessages();
  if (!msgs.empty()) {
    std::fprintf(stderr, "%zu validation message(s); first: %s\n", msgs.size(), msgs[0].c_str());
    return 1;
  }
  if (socd::vulkan_test::Env("SOCD_VK_VALIDATION"))
    std::printf("validation layer enabled: no messages\n");
  return rc;
}
