// Training-mode Dropout on a GPU backend against the CPU backend (tests/vulkan and
// tests/opencl): the keep-mask must be the CPU's bit for bit (numpy's MT19937 stream for the
// seed, which the CPU backend reproduces from ONNX's reference), y = x * mask / (1 - ratio).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "backends/backend.h"
#include "backends/cpu/cpu_backend.h"
#include "graph/ir.h"
#include "graph/tensor.h"

namespace socd::gpu_test {

struct DropoutCase {
  graph::Shape shape;
  float ratio = 0.5f;
  int64_t seed = 0;
  bool with_mask = true;
};

// r = Abs(x); (y[, mask]) = Dropout-22(r, ratio, training_mode = true) with `seed`; outputs y,
// [mask,] r. r is an output too: a backend that let Dropout overwrite its input in place (as
// it may alias an inference Dropout's output to its input) gets r wrong.
inline std::shared_ptr<const graph::Graph> DropoutGraph(const DropoutCase& c) {
  auto g = std::make_shared<graph::Graph>();
  g->opsets[""] = 22;
  graph::TensorType tt;
  tt.dtype = graph::DType::kFloat32;
  tt.has_shape = true;
  for (int64_t d : c.shape) tt.dims.push_back(graph::Dim{d, ""});
  const int x = g->AddValue("x", tt);
  g->inputs.push_back(x);
  auto ratio = std::make_shared<graph::Tensor>(graph::DType::kFloat32, graph::Shape{});
  ratio->as<float>()[0] = c.ratio;
  auto training = std::make_shared<graph::Tensor>(graph::DType::kBool, graph::Shape{});
  training->as<uint8_t>()[0] = 1;
  const int rv = g->AddConstant("ratio", ratio), tv = g->AddConstant("training", training);
  const int r = g->AddValue("r"), y = g->AddValue("y");
  const int mask = c.with_mask ? g->AddValue("mask") : graph::kNoValue;
  graph::Node abs{"abs", "Abs", "", 22, {x}, {r}, {}};
  graph::Node drop{"drop", "Dropout", "", 22, {r, rv, tv}, {y}, {}};
  if (c.with_mask) drop.outputs.push_back(mask);
  graph::Attribute seed;
  seed.kind = graph::Attribute::Kind::kInt;
  seed.i = c.seed;
  drop.attrs["seed"] = seed;
  g->nodes = {abs, drop};
  g->outputs = {y};
  if (c.with_mask) g->outputs.push_back(mask);
  g->outputs.push_back(r);
  EXPECT_TRUE(g->TopoSort().ok());
  return g;
}

// Distinct non-zero values, so a dropped element (0) never equals a kept one.
inline std::vector<float> DropoutInput(int64_t n) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = (i % 2 ? -1.0f : 1.0f) * (0.25f + 0.001f * (i % 997));
  return v;
}

// Runs the case on `gpu` and on the CPU backend; the masks must be identical, y within an ulp
// or two (the CPU scales in double, the GPU kernels in float as numpy does), r untouched.
inline void ExpectDropoutMatchesCpu(backends::Backend& gpu, const DropoutCase& c) {
  SCOPED_TRACE(::testing::Message()
               << "shape of " << graph::NumElements(c.shape) << " elements, ratio " << c.ratio
               << ", seed " << c.seed << (c.with_mask ? "" : ", no mask output"));
  auto g = DropoutGraph(c);
  const int64_t n = graph::NumElements(c.shape);
  std::vector<float> xs = DropoutInput(n);
  std::vector<graph::TensorView> in = {{graph::DType::kFloat32, c.shape, xs.data()}};
  cpu::CpuBackend cpu(1);
  auto cpart = cpu.Compile(g, {});
  ASSERT_TRUE(cpart.ok()) << cpart.status();
  std::vector<graph::TensorView> want;
  ASSERT_TRUE((*cpart)->Run(in, want).ok());
  auto gpart = gpu.Compile(g, {});
  ASSERT_TRUE(gpart.ok()) << gpart.status();
  auto prep = (*gpart)->Prepare({c.shape});
  ASSERT_TRUE(prep.ok()) << prep;
  std::vector<graph::TensorView> got;
  auto run = (*gpart)->Run(in, got);
  ASSERT_TRUE(run.ok()) << run;
  ASSERT_EQ(got.size(), want.size());
  const size_t ri = c.with_mask ? 2 : 1;
  const float* gy = got[0].as<float>();
  const float* wy = want[0].as<float>();
  const float* gr = got[ri].as<float>();
  int64_t kept = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (c.with_mask) {
      const uint8_t gm = static_cast<const uint8_t*>(got[1].data)[i];
      const uint8_t wm = static_cast<const uint8_t*>(want[1].data)[i];
      ASSERT_EQ(gm, wm) << "mask element " << i;
    }
    kept += wy[i] != 0.0f;
    ASSERT_EQ(gy[i] == 0.0f, wy[i] == 0.0f)
        << "y element " << i << ": " << gy[i] << " vs " << wy[i];
    ASSERT_NEAR(gy[i], wy[i], 2.5e-7f * std::fabs(wy[i])) << "y element " << i;
    ASSERT_EQ(gr[i], std::fabs(xs[i])) << "Dropout overwrote its input, element " << i;
    ASSERT_EQ(want[ri].as<float>()[i], std::fabs(xs[i])) << "on the CPU, element " << i;
  }
  // The ratio must show: neither everything nor nothing kept (the sizes here are large enough).
  if (n >= 64) {
    EXPECT_GT(kept, 0);
    EXPECT_LT(kept, n);
  }
}

// Several shapes: within one round of 624 draws, across rounds (both halves of the generator's
// ping-pong state), mask lengths that end inside a 32-bit word; two seeds and ratios.
inline std::vector<DropoutCase> DropoutCases() {
  return {{{7}, 0.5f, 0, true},
          {{3, 5, 41}, 0.3f, 0, true},
          {{2, 700}, 0.75f, 42, true},
          {{2, 700}, 0.75f, 43, true},
          {{1, 3, 333}, 0.5f, 42, false}};
}

}  // namespace socd::gpu_test
