// How a graph node becomes OpenCL dispatches. Each operator family (cl_ops_*.cc) registers a
// lowering: from the node and the plan's dtypes/shapes/constants to kernel launches whose
// tensor arguments are value ids (bound to buffers per run by ClPartition) and whose scalar
// arguments are fixed at Prepare. Shapes are kernel arguments, not -D constants: one program
// serves every model and every conformance test, so it is built (or loaded) once per process.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/static_plan.h"
#include "graph/ir.h"
#include "graph/shape_inference.h"

namespace socd::opencl {

// Fused activation codes; keep in step with kernels/common.cl (ACT_*).
enum ClAct {
  kActNone = 0,
  kActRelu,
  kActClip,
  kActSigmoid,
  kActSilu,
  kActLeaky,
  kActHSigmoid,
  kActHSwish,
  kActGelu,
  kActTanh
};

struct ClArg {
  enum Kind { kValue, kNull, kBytes, kTable };
  Kind kind = kNull;
  int value = -1;              // kValue: the value whose buffer is passed
  std::vector<uint8_t> bytes;  // kBytes: the scalar/vector argument; kTable: buffer contents

  static ClArg Value(int v) { return {kValue, v, {}}; }
  static ClArg Null() { return {}; }
  template <typename T>
  static ClArg Pod(const T& x) {
    ClArg a{kBytes, -1, std::vector<uint8_t>(sizeof(T))};
    std::memcpy(a.bytes.data(), &x, sizeof(T));
    return a;
  }
  static ClArg Int(int64_t x) { return Pod(static_cast<int32_t>(x)); }
  static ClArg Float(double x) { return Pod(static_cast<float>(x)); }
  static ClArg Ints8(const std::array<int32_t, 8>& v) { return Pod(v); }
  static ClArg Ints4(const std::array<int32_t, 4>& v) { return Pod(v); }
  // A small read-only buffer built at Prepare (Resize tap tables).
  template <typename T>
  static ClArg Table(const std::vector<T>& v) {
    ClArg a{kTable, -1, std::vector<uint8_t>(v.size() * sizeof(T))};
    if (!v.empty()) std::memcpy(a.bytes.data(), v.data(), a.bytes.size());
    return a;
  }
};

struct ClDispatch {
  std::string kernel;
  std::vector<ClArg> args;
  int dims = 1;
  std::array<size_t, 3> global{1, 1, 1};
  std::array<size_t, 3> local{1, 1, 1};
};

// A 1-D launch over n work-items, rounded up to whole work-groups (kernels check `i < n`).
// Fixed group sizes keep the number of kernel variants PoCL compiles (and caches) small.
ClDispatch Dispatch1D(const std::string& kernel, int64_t n);

class LowerCtx {
 public:
  LowerCtx(const graph::Node& n, const std::vector<graph::InferredValue>& vals,
           const backends::PlanStep& step)
      : node(n), vals_(vals), step_(step) {}
  const graph::Node& node;
  // Output 0 shares input 0's storage in the plan (a reshaping op): nothing to copy.
  bool out0_aliased = false;
  bool fp64 = false;  // the device has cl_khr_fp64 (float64 tensors in typed kernels)

  bool has_in(size_t i) const;
  int in(size_t i) const { return step_.in_values[i]; }
  int out(size_t i = 0) const { return step_.out_values[i]; }
  size_t num_in() const { return step_.in_values.size(); }
  size_t num_out() const { return step_.out_values.size(); }
  bool has_out(size_t i) const { return i < num_out() && out(i) != graph::kNoValue; }
  const graph::Shape& in_shape(size_t i) const { return vals_[in(i)].shape; }
  graph::DType in_dtype(size_t i) const { return vals_[in(i)].dtype; }
  const graph::Shape& out_shape(size_t i = 0) const { return vals_[out(i)].shape; }
  graph::DType out_dtype(size_t i = 0) const { return vals_[out(i)].dtype; }
  // Plan-time contents of input i, or null.
  const graph::Tensor* in_const(size_t i) const;

  // UNIMPLEMENTED naming the node: the clean refusal conformance counts as "not supported".
  absl::Status Unimplemented(const std::string& why) const;
  // UNIMPLEMENTED unless every present input and output is float32.
  absl::Status RequireFloat32() const;
  bool AllFloat32() const { return RequireFloat32().ok(); }

 private:
  const std::vector<graph::InferredValue>& vals_;
  const backends::PlanStep& step_;
};

using LowerFn = absl::StatusOr<std::vector<ClDispatch>> (*)(const LowerCtx&);
// Attribute-level check for Supports() (the node alone, no dtypes); null: always OK.
using CheckFn = absl::Status (*)(const graph::Node&);

struct ClOp {
  LowerFn lower = nullptr;
  CheckFn check = nullptr;
};
using ClOpTable = std::map<std::string, ClOp>;

// The operator table (ai.onnx domain), built once.
const ClOpTable& ClOps();

void RegisterElementwiseOps(ClOpTable& t);  // cl_ops_elementwise.cc
void RegisterConvPoolOps(ClOpTable& t);     // cl_ops_conv_pool.cc
void RegisterGemmOps(ClOpTable& t);         // cl_ops_gemm.cc
void RegisterNormOps(ClOpTable& t);         // cl_ops_norm.cc
void RegisterTensorOps(ClOpTable& t);       // cl_ops_tensor.cc
void RegisterTypedOps(ClOpTable& t);        // cl_ops_typed.cc
void RegisterReduceOps(ClOpTable& t);       // cl_ops_reduce.cc

// Typed (non-float32) paths of the elementwise lowerings (cl_ops_typed.cc, kernels/typed.cl):
// the binary op named by the node's op_type, unary op `code` of elementwise.cl's unary_op,
// Clip with optional scalar bounds, and an element copy converting x's dtype to y's.
absl::StatusOr<std::vector<ClDispatch>> LowerTypedBinary(const LowerCtx& c);
absl::StatusOr<std::vector<ClDispatch>> LowerTypedUnary(const LowerCtx& c, int code, float a,
                                                        float b);
absl::StatusOr<std::vector<ClDispatch>> LowerTypedClip(const LowerCtx& c, const graph::Tensor* lo,
                                                       const graph::Tensor* hi);
absl::StatusOr<std::vector<ClDispatch>> LowerTypedCopy(const LowerCtx& c);

// The fused epilogue's activation (_socd_act and its parameters); UNIMPLEMENTED for an
// activation the kernels do not know.
absl::Status ReadFusedAct(const graph::Node& n, int* act, float* a, float* b);
absl::Status CheckFusedAct(const graph::Node& n);

// Right-aligned dims of `out` (padded to 8 with 1s) and the strides of an operand of shape `in`
// broadcast to it (0 along broadcast dims). Fails when rank > 8.
bool BroadcastStrides(const graph::Shape& out, const graph::Shape& in, std::array<int32_t, 8>* dims,
                      std::array<int32_t, 8>* strides);
// Element-size suffix of the data-movement kernels ("1", "2", "4", "8"); empty if unsupported.
std::string SizeSuffix(graph::DType t);
// True when every element count and offset fits the kernels' 32-bit indexing.
bool FitsInt32(const graph::Shape& s);

}  // namespace socd::opencl
