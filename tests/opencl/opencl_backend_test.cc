// The OpenCL backend on the real driver (PoCL on CI machines): discovery, socd's own import
// checks, zero-copy runs (kernel writes seen through the host pointer, nothing copied), the
// staging path (SOCD_CL_FORCE_STAGING=1: every byte counted), the program binary cache and
// calibration.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "backends/memory/copy.h"
#include "backends/memory/unified_buffer.h"
#include "backends/opencl/cl_calibration.h"
#include "backends/opencl/cl_device.h"
#include "backends/opencl/cl_memory.h"
#include "backends/opencl/cl_partition.h"
#include "backends/opencl/cl_program_cache.h"
#include "backends/opencl/opencl_backend.h"
#include "tests/gpu/dropout_case.h"
#include "tests/gpu/reduce_case.h"

namespace socd::opencl {
namespace {

namespace fs = std::filesystem;

bool ForcedStaging() {
  const char* e = std::getenv("SOCD_CL_FORCE_STAGING");
  return e && std::string(e) == "1";
}

// y = Relu(x) + x * c, c a constant: three launches over a [1, 4, 32, 32] float tensor
// (16 KiB: a multiple of every alignment a device asks for).
std::shared_ptr<const graph::Graph> SmallGraph(const graph::Shape& shape) {
  auto g = std::make_shared<graph::Graph>();
  g->opsets[""] = 17;
  graph::TensorType tt{graph::DType::kFloat32, true, {}};
  for (int64_t d : shape) tt.dims.push_back(graph::Dim{d, ""});
  const int x = g->AddValue("x", tt);
  g->inputs.push_back(x);
  auto c = std::make_shared<graph::Tensor>(graph::DType::kFloat32, graph::Shape{1});
  c->as<float>()[0] = 0.5f;
  const int cv = g->AddConstant("c", c);
  const int r = g->AddValue("r"), m = g->AddValue("m"), y = g->AddValue("y");
  auto node = [&](const char* op, std::vector<int> in, int out) {
    graph::Node n;
    n.name = std::string("n_") + op;
    n.op_type = op;
    n.opset = 17;
    n.inputs = std::move(in);
    n.outputs = {out};
    g->nodes.push_back(n);
  };
  node("Relu", {x}, r);
  node("Mul", {x, cv}, m);
  node("Add", {r, m}, y);
  g->outputs.push_back(y);
  EXPECT_TRUE(g->TopoSort().ok());
  return g;
}

float Expected(float x) { return (x > 0 ? x : 0) + 0.5f * x; }

struct Compiled {
  std::unique_ptr<backends::Backend> backend;
  std::unique_ptr<backends::CompiledPartition> part;
  ClPartition* cl = nullptr;
};

Compiled CompileSmall(const graph::Shape& shape) {
  Compiled c;
  auto b = CreateOpenClBackend(0, 1);
  EXPECT_TRUE(b.ok()) << b.status();
  c.backend = *std::move(b);
  auto p = c.backend->Compile(SmallGraph(shape), {});
  EXPECT_TRUE(p.ok()) << p.status();
  c.part = *std::move(p);
  c.cl = dynamic_cast<ClPartition*>(c.part.get());
  EXPECT_NE(c.cl, nullptr);
  EXPECT_TRUE(c.part->Prepare({shape}).ok());
  return c;
}

TEST(OpenClDevices, DiscoveryFillsDescription) {
  auto list = ListOpenClDevices();
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_FALSE(list->empty()) << "no OpenCL device: is pocl-opencl-icd installed?";
  auto devs = EnumerateClDevices();
  ASSERT_TRUE(devs.ok());
  for (size_t i = 0; i < list->size(); ++i) {
    const auto& d = (*list)[i];
    EXPECT_EQ(d.kind, backends::BackendKind::kOpenCL);
    EXPECT_EQ(d.index, static_cast<int>(i));
    EXPECT_FALSE(d.name.empty());
    EXPECT_GT(d.memory_bytes, 0u);
    cl_bool unified = CL_FALSE;
    ASSERT_EQ(clGetDeviceInfo((*devs)[i].device, CL_DEVICE_HOST_UNIFIED_MEMORY, sizeof unified,
                              &unified, nullptr),
              CL_SUCCESS);
    EXPECT_EQ(d.unified_memory, unified == CL_TRUE);  // the driver's answer, not the type
    EXPECT_NE(d.driver.find((*devs)[i].driver_version), std::string::npos) << d.driver;
    EXPECT_TRUE(d.type == "cpu" || d.type == "integrated-gpu" || d.type == "discrete-gpu" ||
                d.type == "other");
  }
  EXPECT_FALSE(CreateOpenClBackend(-1, 1).ok());
}

TEST(OpenClMemory, MisalignedImportIsRefusedBySocd) {
  auto rt = ClRuntime::Open(0);
  ASSERT_TRUE(rt.ok()) << rt.status();
  const size_t align = (*rt)->alignment();
  auto ub = memory::UnifiedBuffer::Allocate(4 * align, "test");
  ASSERT_TRUE(ub.ok());
  auto* base = static_cast<uint8_t*>((*ub)->data());
  auto bad = WrapHostMemory((*rt)->context(), base + 4, 2 * align, align);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string msg(bad.status().message());
  EXPECT_NE(msg.find(std::to_string(align)), std::string::npos) << msg;
  EXPECT_NE(msg.find("bytes"), std::string::npos) << msg;
  EXPECT_FALSE(WrapHostMemory((*rt)->context(), base, align + 4, align).ok());  // size
  auto good = WrapHostMemory((*rt)->context(), base, 2 * align, align);
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(BufferHostPtr(*good), base);  // the buffer IS the host memory
  clReleaseMemObject(*good);
}

TEST(OpenClRun, ZeroCopyKernelWritesVisibleThroughHostPointer) {
  if (ForcedStaging()) GTEST_SKIP() << "staging forced";
  const graph::Shape shape{1, 4, 32, 32};
  Compiled c = CompileSmall(shape);
  const size_t n = 4 * 32 * 32, bytes = n * sizeof(float);
  auto in = memory::UnifiedBuffer::Allocate(bytes, "in");
  auto out = memory::UnifiedBuffer::Allocate(bytes, "out");
  ASSERT_TRUE(in.ok() && out.ok());
  float* x = static_cast<float*>((*in)->data());
  for (size_t i = 0; i < n; ++i) x[i] = static_cast<float>(i % 17) - 8.0f;
  std::vector<graph::TensorView> outs;
  const uint64_t before = memory::BytesCopied();
  ASSERT_TRUE(c.part->Run({{graph::DType::kFloat32, shape, x}}, outs, {(*out)->data()}).ok());
  EXPECT_EQ(memory::BytesCopied() - before, 0u) << "a unified-memory run copied bytes";
  ASSERT_EQ(outs.size(), 1u);
  EXPECT_EQ(outs[0].data, (*out)->data());
  EXPECT_TRUE(c.cl->run_info().zero_copy_inputs);
  EXPECT_TRUE(c.cl->run_info().zero_copy_outputs);
  // The buffer the last kernel wrote is the caller's memory itself...
  cl_mem m = c.cl->output_buffer(0);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(BufferHostPtr(m), (*out)->data());
  // ...and its results are read straight through the host pointer, no read call.
  const float* y = static_cast<const float*>((*out)->data());
  for (size_t i = 0; i < n; ++i) ASSERT_FLOAT_EQ(y[i], Expected(x[i])) << i;
  // Second run on new data, same buffers: still nothing copied.
  for (size_t i = 0; i < n; ++i) x[i] = -x[i];
  ASSERT_TRUE(c.part->Run({{graph::DType::kFloat32, shape, x}}, outs, {(*out)->data()}).ok());
  EXPECT_EQ(memory::BytesCopied() - before, 0u);
  for (size_t i = 0; i < n; ++i) ASSERT_FLOAT_EQ(y[i], Expected(x[i])) << i;
}

TEST(OpenClRun, NonImportableInputIsStagedAndCounted) {
  if (ForcedStaging()) GTEST_SKIP() << "staging forced";
  const graph::Shape shape{1, 4, 32, 32};
  Compiled c = CompileSmall(shape);
  const size_t n = 4 * 32 * 32, bytes = n * sizeof(float);
  std::vector<float> storage(n + 1);
  float* x = storage.data() + 1;  // 4-byte aligned only: not importable
  for (size_t i = 0; i < n; ++i) x[i] = 0.25f * static_cast<float>(i % 9) - 1.0f;
  std::vector<graph::TensorView> outs;
  const uint64_t before = memory::BytesCopied();
  ASSERT_TRUE(c.part->Run({{graph::DType::kFloat32, shape, x}}, outs).ok());
  EXPECT_EQ(memory::BytesCopied() - before, bytes);  // exactly the input, once
  EXPECT_FALSE(c.cl->run_info().zero_copy_inputs);
  const float* y = static_cast<const float*>(outs[0].data);
  for (size_t i = 0; i < n; ++i) ASSERT_FLOAT_EQ(y[i], Expected(x[i])) << i;
}

TEST(OpenClStaging, EveryTransferIsCounted) {
  if (!ForcedStaging()) GTEST_SKIP() << "run with SOCD_CL_FORCE_STAGING=1";
  auto rt = ClRuntime::Open(0);
  ASSERT_TRUE(rt.ok());
  ASSERT_TRUE((*rt)->staging());
  const graph::Shape shape{1, 4, 32, 32};
  Compiled c = CompileSmall(shape);
  const size_t n = 4 * 32 * 32, bytes = n * sizeof(float);
  auto in = memory::UnifiedBuffer::Allocate(bytes, "in");
  auto out = memory::UnifiedBuffer::Allocate(bytes, "out");
  ASSERT_TRUE(in.ok() && out.ok());
  float* x = static_cast<float*>((*in)->data());
  for (size_t i = 0; i < n; ++i) x[i] = static_cast<float>(i % 13) - 6.0f;
  std::vector<graph::TensorView> outs;
  const uint64_t before = memory::BytesCopied();
  ASSERT_TRUE(c.part->Run({{graph::DType::kFloat32, shape, x}}, outs, {(*out)->data()}).ok());
  // Even importable memory is staged: one copy in, one copy out, both counted.
  EXPECT_EQ(memory::BytesCopied() - before, 2 * bytes);
  EXPECT_EQ(outs[0].data, (*out)->data());
  EXPECT_EQ(BufferHostPtr(c.cl->output_buffer(0)), nullptr);  // device memory
  const float* y = static_cast<const float*>((*out)->data());
  for (size_t i = 0; i < n; ++i) ASSERT_FLOAT_EQ(y[i], Expected(x[i])) << i;
}

TEST(OpenClRun, BadInputIsAnErrorNotACrash) {
  const graph::Shape shape{1, 4, 32, 32};
  Compiled c = CompileSmall(shape);
  std::vector<graph::TensorView> outs;
  std::vector<int32_t> ints(4 * 32 * 32);
  auto s = c.part->Run({{graph::DType::kInt32, shape, ints.data()}}, outs);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  s = c.part->Run({{graph::DType::kFloat32, shape, nullptr}}, outs);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  graph::Node unknown;
  unknown.op_type = "NonMaxSuppression";
  s = c.backend->Supports(unknown);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(std::string(s.message()).find("NonMaxSuppression"), std::string::npos);
}

TEST(OpenClProgram, BinaryCacheHitOnSecondBuild) {
  const fs::path dir = fs::temp_directory_path() / ("socd-cl-cache-" + std::to_string(getpid()));
  const char* old = std::getenv("SOCD_CACHE_DIR");
  const std::string saved = old ? old : "";
  setenv("SOCD_CACHE_DIR", dir.c_str(), 1);
  auto rt = ClRuntime::Open(0);
  ASSERT_TRUE(rt.ok());
  const std::string src = "__kernel void k(__global float* y) { y[get_global_id(0)] = 2.0f; }";
  ProgramBuildStats first, second;
  auto p1 = BuildCachedProgram((*rt)->context(), (*rt)->device(), "test-device", src, "", &first);
  ASSERT_TRUE(p1.ok()) << p1.status();
  auto p2 = BuildCachedProgram((*rt)->context(), (*rt)->device(), "test-device", src, "", &second);
  ASSERT_TRUE(p2.ok()) << p2.status();
  EXPECT_FALSE(first.cache_hit);
  EXPECT_TRUE(second.cache_hit);
  EXPECT_EQ(first.cache_file, second.cache_file);
  EXPECT_TRUE(fs::exists(second.cache_file));
  // Another source, option string or device is another entry.
  ProgramBuildStats other;
  auto p3 = BuildCachedProgram((*rt)->context(), (*rt)->device(), "test-device", src,
                               "-DSOME_SHAPE=4", &other);
  ASSERT_TRUE(p3.ok());
  EXPECT_FALSE(other.cache_hit);
  EXPECT_NE(other.cache_file, first.cache_file);
  // A compile error is a Status carrying the build log.
  auto bad = BuildCachedProgram((*rt)->context(), (*rt)->device(), "test-device",
                                "__kernel void broken( {", "", nullptr);
  EXPECT_FALSE(bad.ok());
  for (auto* p : {&p1, &p2, &p3}) clReleaseProgram(**p);
  if (old)
    setenv("SOCD_CACHE_DIR", saved.c_str(), 1);
  else
    unsetenv("SOCD_CACHE_DIR");
  fs::remove_all(dir);
}

TEST(OpenClInfo, CalibrationMeasuredThenCached) {
  auto rt = ClRuntime::Open(0);
  ASSERT_TRUE(rt.ok());
  auto c1 = Calibrate(**rt);
  ASSERT_TRUE(c1.ok()) << c1.status();
  EXPECT_GT(c1->peak_gflops_fp32, 0.1);
  EXPECT_GT(c1->bandwidth_gbps, 0.1);
  EXPECT_GT(c1->launch_overhead_us, 0.0);
  auto c2 = LoadOrCalibrate(**rt);
  ASSERT_TRUE(c2.ok());
  EXPECT_TRUE(c2->from_cache);
  auto b = CreateOpenClBackend(0, 1);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*b)->info().kind, backends::BackendKind::kOpenCL);
  EXPECT_GT((*b)->info().peak_gflops_fp32, 0.0);
  EXPECT_NE((*b)->info().name.find((*rt)->info().desc.name), std::string::npos);
}

// Training-mode Dropout's mask is the CPU backend's bit for bit (same MT19937 stream).
TEST(OpenClDropout, TrainingMaskMatchesCpu) {
  auto b = CreateOpenClBackend(0, 1);
  ASSERT_TRUE(b.ok()) << b.status();
  for (const auto& c : gpu_test::DropoutCases()) gpu_test::ExpectDropoutMatchesCpu(**b, c);
}

// Reduce* on integers, bool, float64 and float16 (the typed reduce kernel) match the CPU backend.
TEST(OpenClReduce, TypedDtypesMatchCpu) {
  auto b = CreateOpenClBackend(0, 1);
  ASSERT_TRUE(b.ok()) << b.status();
  gpu_test::ExpectTypedReducesMatchCpu(**b);
}

}  // namespace
}  // namespace socd::opencl
