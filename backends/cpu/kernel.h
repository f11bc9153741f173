// The CPU backend's operator kernels. A kernel is created once per node for concrete input
// types and shapes (so it can validate attributes, pre-pack weights and size scratch space) and
// then run many times on views into the arena. Kernel files live in kernels/ and are grouped as
// the op schemas in graph/ops are; each group exports one Register function.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "backends/cpu/thread_pool.h"
#include "graph/ir.h"
#include "graph/string_store.h"

namespace socd::cpu {

using graph::DType;
using graph::Shape;
using graph::TensorView;

// What a kernel is created from: the node plus its inputs' and outputs' concrete types.
struct KernelInfo {
  const graph::Node& node;
  std::vector<DType> in_dtypes;  // kUndefined for omitted optional inputs
  std::vector<Shape> in_shapes;
  // Contents of inputs known when the kernel is created (weights, folded values), valid for the
  // kernel's lifetime; data == nullptr where the input is only known at run time.
  std::vector<TensorView> in_consts;
  std::vector<DType> out_dtypes;
  std::vector<Shape> out_shapes;
  int threads = 1;

  bool has_input(size_t i) const { return node.has_input(i); }
  absl::Status Error(absl::string_view msg) const;        // InvalidArgument naming the node
  absl::Status Unsupported(absl::string_view why) const;  // "unsupported operator ..."
};

struct KernelIo {
  std::vector<TensorView> inputs;  // data == nullptr for omitted optional inputs
  std::vector<TensorView> outputs;
  ThreadPool* pool = nullptr;
  // Where kernels that create strings put the characters (graph/string_store.h): the run's
  // pool, cleared when the partition's next Run starts.
  graph::StringPool* strings = nullptr;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual absl::Status Run(const KernelIo& io) = 0;
};

using KernelFactory = std::function<absl::StatusOr<std::unique_ptr<Kernel>>(const KernelInfo&)>;

struct KernelDef {
  std::string domain;  // "" = ai.onnx
  std::string op_type;
  int min_opset = 1;
  int max_opset = 1000;
  KernelFactory create;
};

class KernelRegistry {
 public:
  static const KernelRegistry& Get();
  void Add(KernelDef d);
  // The kernel for this node's op/opset, or Unimplemented "unsupported operator ...".
  absl::StatusOr<const KernelDef*> Find(const graph::Node& node) const;
  const std::vector<KernelDef>& all() const { return defs_; }

 private:
  std::vector<KernelDef> defs_;
};

// Wraps a plain function as a kernel (for ops with nothing to precompute).
template <typename Fn>
class FnKernel : public Kernel {
 public:
  explicit FnKernel(Fn fn) : fn_(std::move(fn)) {}
  absl::Status Run(const KernelIo& io) override { return fn_(io); }

 private:
  Fn fn_;
};
template <typename Fn>
std::unique_ptr<Kernel> MakeFnKernel(Fn fn) {
  return std::make_unique<FnKernel<Fn>>(std::move(fn));
}

// One function per kernels/*.cc group (mirrors graph/op_schema.h).
void RegisterControlFlowKernels(KernelRegistry& r);  // Loop, If, Scan (control_flow_*.cc)
void RegisterElementwiseKernels(KernelRegistry& r);
void RegisterNnKernels(KernelRegistry& r);
void RegisterTensorKernels(KernelRegistry& r);
void RegisterReduceKernels(KernelRegistry& r);
void RegisterQuantKernels(KernelRegistry& r);
void RegisterSequenceKernels(KernelRegistry& r);  // Sequence*, Optional* (sequence_ops.cc)

}  // namespace socd::cpu
