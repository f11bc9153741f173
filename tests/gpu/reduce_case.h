// Reduce* on the GPU backends' typed path (every dtype but float32) against the CPU backend:
// integers bit for bit (64-bit accumulation, wrapping stores, truncating Mean and L2, Max/Min
// of an empty set giving the type's bounds), bool Max/Min, float64 within 1e-12 relative,
// float16 against float32 within half's precision. The ONNX node tests cover only bool and
// float64 here, so the others are checked only by this (tests/vulkan and tests/opencl run it).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/cpu/cpu_backend.h"
#include "graph/ir.h"
#include "graph/tensor.h"

namespace socd::gpu_test {

// y = op(x, axes) with keepdims, opset 18 (axes as a constant input).
inline std::shared_ptr<const graph::Graph> ReduceGraph(const std::string& op, graph::DType t,
                                                       const graph::Shape& shape,
                                                       const std::vector<int64_t>& axes) {
  auto g = std::make_shared<graph::Graph>();
  g->opsets[""] = 18;
  graph::TensorType tt;
  tt.dtype = t;
  tt.has_shape = true;
  for (int64_t d : shape) tt.dims.push_back(graph::Dim{d, ""});
  const int x = g->AddValue("x", tt);
  g->inputs.push_back(x);
  auto at = std::make_shared<graph::Tensor>(graph::DType::kInt64,
                                            graph::Shape{static_cast<int64_t>(axes.size())});
  for (size_t i = 0; i < axes.size(); ++i) at->as<int64_t>()[i] = axes[i];
  const int av = g->AddConstant("axes", at);
  const int y = g->AddValue("y");
  graph::Node n{"reduce", op, "", 18, {x, av}, {y}, {}};
  g->nodes = {n};
  g->outputs = {y};
  EXPECT_TRUE(g->TopoSort().ok());
  return g;
}

// Element i of a test input of type t: negatives for signed types, values that overflow
// 8-bit sums and products, 0/1 for bool.
inline void WriteTestValue(graph::DType t, int64_t i, uint8_t* p) {
  const int64_t v = (i * 37) % 23 - 11;
  switch (t) {
    case graph::DType::kInt8:
      *reinterpret_cast<int8_t*>(p) = static_cast<int8_t>(v * 9);
      break;
    case graph::DType::kUInt8:
      *p = static_cast<uint8_t>((i * 37) % 23 * 11);
      break;
    case graph::DType::kInt32:
      *reinterpret_cast<int32_t*>(p) = static_cast<int32_t>(v);
      break;
    case graph::DType::kUInt32:
      *reinterpret_cast<uint32_t*>(p) = static_cast<uint32_t>((i * 37) % 23);
      break;
    case graph::DType::kInt64:
      *reinterpret_cast<int64_t*>(p) = v * 1000003;
      break;
    case graph::DType::kUInt64:
      *reinterpret_cast<uint64_t*>(p) = static_cast<uint64_t>((i * 37) % 23) << 33;
      break;
    case graph::DType::kBool:
      *p = (i * 7) % 5 == 0 ? 1 : 0;
      break;
    case graph::DType::kFloat64:
      *reinterpret_cast<double*>(p) = 0.37 * static_cast<double>(v) + 4.5;
      break;
    case graph::DType::kFloat16:  // exact in half
      *reinterpret_cast<uint16_t*>(p) = graph::FloatToHalf(0.25f * static_cast<float>(v) + 3.0f);
      break;
    default:
      break;
  }
}

inline void ExpectReduceMatchesCpu(backends::Backend& gpu, const std::string& op, graph::DType t,
                                   const graph::Shape& shape, const std::vector<int64_t>& axes) {
  SCOPED_TRACE(::testing::Message()
               << op << " on " << graph::DTypeName(t) << ", " << graph::NumElements(shape)
               << " elements, " << axes.size() << " axes");
  auto g = ReduceGraph(op, t, shape, axes);
  const int64_t n = graph::NumElements(shape);
  const size_t es = graph::DTypeSize(t);
  std::vector<uint8_t> xs(std::max<size_t>(1, n * es));
  for (int64_t i = 0; i < n; ++i) WriteTestValue(t, i, &xs[i * es]);
  std::vector<graph::TensorView> in = {{t, shape, xs.data()}};
  // The CPU backend has no float16 reductions: its float32 result on the same values, which
  // the GPU computes in float too, is the reference (within half's precision).
  const bool half = t == graph::DType::kFloat16;
  std::vector<float> xf(half ? std::max<int64_t>(1, n) : 0);
  for (int64_t i = 0; half && i < n; ++i)
    xf[i] = graph::HalfToFloat(reinterpret_cast<const uint16_t*>(xs.data())[i]);
  std::vector<graph::TensorView> cpu_in =
      half ? std::vector<graph::TensorView>{{graph::DType::kFloat32, shape, xf.data()}} : in;
  cpu::CpuBackend cpu(1);
  auto cpart = cpu.Compile(half ? ReduceGraph(op, graph::DType::kFloat32, shape, axes) : g, {});
  ASSERT_TRUE(cpart.ok()) << cpart.status();
  std::vector<graph::TensorView> want;
  auto cs = (*cpart)->Run(cpu_in, want);
  ASSERT_TRUE(cs.ok()) << cs;
  auto gpart = gpu.Compile(g, {});
  ASSERT_TRUE(gpart.ok()) << gpart.status();
  auto prep = (*gpart)->Prepare({shape});
  ASSERT_TRUE(prep.ok()) << prep;
  std::vector<graph::TensorView> got;
  auto run = (*gpart)->Run(in, got);
  ASSERT_TRUE(run.ok()) << run;
  ASSERT_EQ(got[0].numel(), want[0].numel());
  for (int64_t i = 0; i < want[0].numel(); ++i) {
    if (half) {
      // The float32 result as half stores it (a product beyond 65504 is inf).
      const float w = graph::HalfToFloat(graph::FloatToHalf(want[0].as<float>()[i]));
      const float v = graph::HalfToFloat(static_cast<const uint16_t*>(got[0].data)[i]);
      if (std::isnan(w)) {
        ASSERT_TRUE(std::isnan(v)) << "element " << i << ": " << v;
      } else if (std::isinf(w)) {
        ASSERT_EQ(v, w) << "element " << i;
      } else {
        ASSERT_NEAR(v, w, 1e-3f * (1 + std::fabs(w))) << "element " << i;
      }
      continue;
    }
    if (t == graph::DType::kFloat64) {
      const double w = want[0].as<double>()[i], v = got[0].as<double>()[i];
      if (std::isnan(w)) {
        ASSERT_TRUE(std::isnan(v)) << "element " << i << ": " << v;
      } else if (std::isinf(w)) {
        ASSERT_EQ(v, w) << "element " << i;
      } else {
        ASSERT_NEAR(v, w, 1e-12 * (1 + std::fabs(w))) << "element " << i;
      }
      continue;
    }
    const auto* gp = static_cast<const uint8_t*>(got[0].data) + i * es;
    const auto* wp = static_cast<const uint8_t*>(want[0].data) + i * es;
    uint64_t gv = 0, wv = 0;  // the raw bits, for the message
    std::memcpy(&gv, gp, es);
    std::memcpy(&wv, wp, es);
    ASSERT_EQ(gv, wv) << "element " << i << " (raw bits)";
  }
}

// Every Reduce* each dtype takes (LogSum/LogSumExp floats only, bool only Max/Min), over a
// middle axis, all axes, and an empty reduced axis (the identities, Max/Min the type's bounds).
// Without `float64`: a device that refuses it (Vulkan without shaderFloat64).
inline void ExpectTypedReducesMatchCpu(backends::Backend& gpu, bool float64 = true) {
  using graph::DType;
  const char* all_ops[] = {"ReduceSum",       "ReduceMean",     "ReduceMax", "ReduceMin",
                           "ReduceProd",      "ReduceL1",       "ReduceL2",  "ReduceLogSum",
                           "ReduceLogSumExp", "ReduceSumSquare"};
  for (DType t : {DType::kInt8, DType::kUInt8, DType::kInt32, DType::kUInt32, DType::kInt64,
                  DType::kUInt64, DType::kBool, DType::kFloat64, DType::kFloat16}) {
    if (t == DType::kFloat64 && !float64) continue;
    for (const std::string op : all_ops) {
      const bool log_op = op == "ReduceLogSum" || op == "ReduceLogSumExp";
      if (log_op && !graph::IsFloat(t)) continue;
      if (t == DType::kBool && op != "ReduceMax" && op != "ReduceMin") continue;
      ExpectReduceMatchesCpu(gpu, op, t, {3, 5, 4}, {1});
      ExpectReduceMatchesCpu(gpu, op, t, {3, 5, 4}, {0, 2});
      ExpectReduceMatchesCpu(gpu, op, t, {3, 5, 4}, {});
      if (!log_op) ExpectReduceMatchesCpu(gpu, op, t, {2, 0, 3}, {1});
    }
  }
}

}  // namespace socd::gpu_test
