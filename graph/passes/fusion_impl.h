// Internals of the fusion pass shared by fusion.cc (driver, activations, residuals) and
// fusion_fold.cc (folding constant per-channel affine ops into weights).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "graph/passes/passes.h"

namespace socd::graph::fusion_impl {

class Fuser {
 public:
  Fuser(Graph& g, PassStats& stats, const NodeEvaluator* eval);
  absl::Status Run();

  Graph& g;
  PassStats& stats;

  Node& node(int i) { return g.nodes[i]; }
  // The node reading v if it is the only reader and v is not a graph output, else -1.
  int SoleConsumer(int v) const;
  const std::vector<int>& Consumers(int v) const { return consumers_[v]; }
  bool IsGraphOutput(int v) const { return is_output_[v]; }
  const Tensor* Const(int v) const { return v >= 0 ? g.values[v].constant.get() : nullptr; }
  const Tensor* FloatConst(int v) const;
  // The value's shape when known for certain (static shapes), or null. With symbolic graph
  // inputs two shape assignments are tried, and the shape is the one seen under the first.
  const Shape* ShapeOf(int v) const;
  bool SameShape(int a, int b) const;
  DType TypeOf(int v) const;

  // Editing: `host` takes over the output of `absorbed` (whose other nodes die with it).
  void Absorb(int host, const std::vector<int>& absorbed, int new_output);
  void SetInput(int node, size_t slot, int value);
  int NewConst(const std::string& base, std::shared_ptr<Tensor> t);

 private:
  void Kill(int node);
  std::vector<std::vector<int>> consumers_;
  std::vector<bool> is_output_, dead_;
  std::vector<std::vector<InferredValue>> inferred_;  // one per shape assignment that worked
};

// Fused state of a host node.
bool HasAct(const Node& n);
bool HasResidual(const Node& n);
// Per-channel values of constant c applied to a host output of the given rank whose channel
// axis is `axis` with m channels; nullopt if c would broadcast along any other axis.
std::optional<std::vector<float>> ChannelVector(const Tensor& c, size_t rank, size_t axis,
                                                int64_t m);

// fusion_fold.cc: each returns true if it rewrote the graph.
bool FoldBatchNorm(Fuser& f, int host, int bn);
bool FoldMul(Fuser& f, int host, int mul);
bool FoldAdd(Fuser& f, int host, int add);

}  // namespace socd::graph::fusion_impl
