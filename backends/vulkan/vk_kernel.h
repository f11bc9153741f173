// What an operator becomes on Vulkan: a list of dispatches (shader, specialization constants,
// push constants, bound values, workgroup counts), built once per Prepare from the static plan.
// Operator families register builders in vk_ops_*.cc; the partition turns dispatches into one
// command buffer per run.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "backends/static_plan.h"
#include "backends/vulkan/vk_context.h"
#include "graph/ir.h"

namespace socd::vulkan {

// A storage buffer binding: a plan value (`half`: its fp16 copy, for constant weights read by
// an fp16-storage shader variant).
struct Binding {
  int value = -1;
  bool half = false;
  // A sub-range of the value, in elements (count < 0: to the end), for tensors larger than
  // maxStorageBufferRange that a builder splits over several dispatches.
  int64_t first = 0;
  int64_t count = -1;
  // >= 0: binds Dispatch::tables[table] instead of a plan value (value is then ignored).
  int table = -1;
};

struct Dispatch {
  std::string shader;
  bool fp16 = false;          // the fp16-storage variant of the shader
  std::vector<int32_t> spec;  // specialization constants, ids 0..n-1
  std::vector<int32_t> push;  // push-constant words (at most kPushWords)
  std::vector<Binding> bindings;
  // Read-only data the builder computed on the host (Resize's tap tables): the partition
  // stores them with the constants, so they cost nothing per run.
  std::vector<std::shared_ptr<const graph::Tensor>> tables;
  uint32_t groups[3] = {1, 1, 1};
  std::string label;  // "Conv 'conv1'" for per-dispatch timings
};

struct KernelContext {
  const graph::Node& node;
  const backends::StaticPlan& plan;
  const std::vector<int>& in;  // value ids (graph::kNoValue for omitted inputs)
  const std::vector<int>& out;
  bool fp16 = false;              // constant weights may be bound as fp16
  uint64_t max_range = 1u << 27;  // maxStorageBufferRange
  bool typed = false;             // typed_*.comp usable (shaderInt64)
  bool float64 = false;           // float64 tensors in them (shaderFloat64; else the nof64 build)

  const graph::Shape& shape(int v) const { return plan.vals[v].shape; }
  graph::DType dtype(int v) const { return plan.vals[v].dtype; }
  bool is_constant(int v) const { return plan.locs[v].kind == backends::ValueLocation::kConstant; }
  bool has_in(size_t i) const { return i < in.size() && in[i] != graph::kNoValue; }
  // The plan-time contents of input i (nullptr if only known at run time).
  const graph::Tensor* constant(size_t i) const {
    return has_in(i) ? plan.vals[in[i]].value.get() : nullptr;
  }
};

using KernelBuilder = absl::Status (*)(const KernelContext& k, std::vector<Dispatch>& out);
// Attribute-level check for Supports(): OK or Unimplemented with the reason. Must accept a
// node with no attributes (the conformance runner's per-operator probe).
using NodeCheck = absl::Status (*)(const graph::Node& n);

struct OpEntry {
  const char* op;
  KernelBuilder build;
  NodeCheck check = nullptr;
  int min_opset = 1;
};

// Every operator family's table (vk_ops_*.cc).
const std::vector<OpEntry>& ElementwiseOps();
const std::vector<OpEntry>& LinalgOps();
const std::vector<OpEntry>& NnOps();
const std::vector<OpEntry>& TensorOps();
const std::vector<OpEntry>& TypedOps();   // vk_ops_typed.cc: Cast, comparisons, Where, ...
const std::vector<OpEntry>& ReduceOps();  // vk_ops_reduce.cc
const OpEntry* FindOp(const std::string& op_type);

// ---- helpers shared by the builders ----

// Workgroups for `n` invocations of `local` threads, spread over x and y (x <= 65535).
void Groups1D(Dispatch& d, int64_t n, int local = 64);
int32_t FloatBits(float f);
absl::Status Unimplemented(const KernelContext& k, const std::string& why);
// Unimplemented unless every listed input/output is float32.
absl::Status RequireFloat32(const KernelContext& k);
// The value a fused activation (_socd_act) maps to in shaders/common.glsl, with alpha/beta.
struct Activation {
  int32_t code = 0;
  float alpha = 0, beta = 0;
};
absl::StatusOr<Activation> FusedActivation(const graph::Node& n);
// Typed (non-float32) paths of the elementwise builders (vk_ops_typed.cc): the binary op named
// by the node's op_type, the unary op `code` of unary_ops.glsl, Clip with optional scalar
// bounds, and an element copy (with dtype conversion when x and y differ).
absl::Status BuildTypedBinary(const KernelContext& k, std::vector<Dispatch>& out);
absl::Status BuildTypedUnary(const KernelContext& k, int code, float a, float b,
                             std::vector<Dispatch>& out);
absl::Status BuildTypedClip(const KernelContext& k, const graph::Tensor* lo,
                            const graph::Tensor* hi, std::vector<Dispatch>& out);
absl::Status BuildTypedCopy(const KernelContext& k, int x, int y, std::vector<Dispatch>& out);
// True when every present input and output is float32.
bool AllFloat32(const KernelContext& k);
// A plain copy of `bytes` (multiple of 4) from value `src` to value `dst`.
Dispatch CopyDispatch(int src, int dst, int64_t words, const std::string& label);

}  // namespace socd::vulkan
