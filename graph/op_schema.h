// Operator schemas: for each operator socd knows, which opset versions it understands and how
// its output types and shapes follow from its inputs. Backends decide whether they can *run* a
// node; this file only says what the node means. One registration function per ops/*.cc file.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "graph/ir.h"

namespace socd::graph {

// What shape inference sees of one node once the graph's input shapes are concrete.
class InferContext {
 public:
  InferContext(const Node& node, std::vector<DType> in_dtypes, std::vector<const Shape*> in_shapes,
               std::vector<const TensorView*> in_values)
      : node_(node),
        in_dtypes_(std::move(in_dtypes)),
        in_shapes_(std::move(in_shapes)),
        in_values_(std::move(in_values)),
        out_dtypes_(node.outputs.size(), DType::kUndefined),
        out_shapes_(node.outputs.size()) {}

  const Node& node() const { return node_; }
  int opset() const { return node_.opset; }
  size_t num_inputs() const { return node_.inputs.size(); }
  size_t num_outputs() const { return node_.outputs.size(); }
  bool has_input(size_t i) const { return node_.has_input(i); }
  bool has_output(size_t i) const {
    return i < node_.outputs.size() && node_.outputs[i] != kNoValue;
  }
  // An index past the node's inputs (a malformed model with too few inputs) reads as an omitted
  // input, undefined dtype and empty shape, so the op's checks fail cleanly instead of reading
  // past the end.
  DType input_dtype(size_t i) const {
    return i < in_dtypes_.size() ? in_dtypes_[i] : DType::kUndefined;
  }
  const Shape& input_shape(size_t i) const {
    static const Shape kNone;
    return i < in_shapes_.size() ? *in_shapes_[i] : kNone;
  }
  size_t input_rank(size_t i) const { return input_shape(i).size(); }
  // The input's contents if known while planning (a constant, or computed from shapes only);
  // null otherwise. Ops whose output shape depends on an input's *values* (Reshape's shape,
  // Slice's starts...) call RequireValue, which fails with NeedsValue when it is unknown.
  const TensorView* input_value(size_t i) const { return has_input(i) ? in_values_[i] : nullptr; }
  absl::StatusOr<const TensorView*> RequireValue(size_t i) const;

  // Outputs the node does not have (a model listing fewer outputs than the op can produce) are
  // ignored.
  void set_output(size_t i, DType dt, Shape shape) {
    if (i >= out_dtypes_.size()) return;
    out_dtypes_[i] = dt;
    out_shapes_[i] = std::move(shape);
  }
  DType output_dtype(size_t i) const { return out_dtypes_[i]; }
  const Shape& output_shape(size_t i) const { return out_shapes_[i]; }

  // InvalidArgument naming the node: "Conv-11 'conv1': <msg>".
  absl::Status Error(absl::string_view msg) const;
  // Unimplemented "unsupported operator ..." naming op, version and node.
  absl::Status Unsupported(absl::string_view why) const;

 private:
  const Node& node_;
  std::vector<DType> in_dtypes_;
  std::vector<const Shape*> in_shapes_;
  std::vector<const TensorView*> in_values_;
  std::vector<DType> out_dtypes_;
  std::vector<Shape> out_shapes_;
};

// Status code used by RequireValue: the plan must fall back to run-time shape inference.
bool IsNeedsValue(const absl::Status& s);
// The same status for an output shape only running the node tells (control flow, ops/
// control_flow.cc): `why` says what.
absl::Status NeedsRunError(const Node& node, absl::string_view why);
// Loop, If, Scan (ops/control_flow.cc): their bodies are inferred as graphs of their own.
class OpRegistry;
void RegisterControlFlowOps(OpRegistry& r);

using InferFn = std::function<absl::Status(InferContext&)>;

struct OpSchema {
  std::string domain;  // "" = ai.onnx
  std::string op_type;
  int min_opset = 1;  // versions of the domain whose semantics `infer` implements
  int max_opset = 1000;
  InferFn infer;
  // True for ops whose output may share its input 0's memory (Reshape, Squeeze, Identity...):
  // the memory planner aliases instead of copying.
  bool aliases_input0 = false;
};

class OpRegistry {
 public:
  static const OpRegistry& Get();  // all built-in schemas
  void Add(OpSchema s);
  // The schema for this node's op and opset, or Unimplemented "unsupported operator ...".
  absl::StatusOr<const OpSchema*> Find(const Node& node) const;
  const std::vector<OpSchema>& all() const { return schemas_; }

 private:
  std::vector<OpSchema> schemas_;
};

// Message used for every unsupported-operator error, so tools and tests can recognize it.
std::string UnsupportedMessage(const Node& node, absl::string_view why);

// ---- Helpers shared by the ops/*.cc inference functions ----
// Multidirectional (numpy) broadcast of two shapes.
absl::StatusOr<Shape> BroadcastShapes(const Shape& a, const Shape& b);
// Normalizes a possibly negative axis against rank; error if out of range.
absl::StatusOr<int64_t> NormalizeAxis(int64_t axis, int64_t rank, const InferContext& ctx);

// ---- Registration, one function per ops/*.cc ----
void RegisterElementwiseOps(
    OpRegistry& r);                     // unary/binary math, activations, comparisons, Cast, Where
void RegisterNnOps(OpRegistry& r);      // Conv, pooling, Gemm, MatMul, normalizations, LRN
void RegisterTensorOps(OpRegistry& r);  // shape/data movement: Reshape, Concat, Slice, Gather...
void RegisterReduceOps(OpRegistry& r);  // Reduce*, Softmax/LogSoftmax, ArgMax/ArgMin
void RegisterQuantOps(OpRegistry& r);   // QuantizeLinear, QLinearConv, MatMulInteger...
void RegisterStringOps(OpRegistry& r);  // StringConcat, StringSplit, RegexFullMatch, ...

}  // namespace socd::graph
