#include "backends/run_values.h"

#include <cstring>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "graph/op_schema.h"
#include "graph/tensor.h"

namespace socd::backends {
namespace run_values {

// (op, input index) pairs whose contents decide output shapes or attributes.
const std::map<std::string, std::vector<int>>& ValuePositions() {
  static const auto* m = new std::map<std::string, std::vector<int>>{
      {"Reshape", {1}},         {"Expand", {1}},
      {"Slice", {1, 2, 3, 4}},  {"Split", {1}},
      {"Squeeze", {1}},         {"Unsqueeze", {1}},
      {"Resize", {1, 2, 3}},    {"Upsample", {1}},
      {"ConstantOfShape", {0}}, {"Clip", {1, 2}},
      {"Dropout", {1, 2}},      {"Tile", {1}},
      {"Pad", {1, 2, 3}},       {"TopK", {1}},
      {"Range", {0, 1, 2}},     {"OneHot", {1}},
      {"ReduceMax", {1}},       {"ReduceMin", {1}},
      {"ReduceMean", {1}},      {"ReduceSum", {1}},
      {"ReduceProd", {1}},      {"ReduceL1", {1}},
      {"ReduceL2", {1}},        {"ReduceLogSum", {1}},
      {"ReduceLogSumExp", {1}}, {"ReduceSumSquare", {1}},
  };
  return *m;
}

// The inner partition for one set of values, and what it was planned for.
class RunValuePartition : public CompiledPartition {
 public:
  RunValuePartition(std::shared_ptr<const graph::Graph> g, std::unique_ptr<CompiledPartition> inner,
                    PartitionFactory compile)
      : g_(std::move(g)),
        static_(std::move(inner)),
        compile_(std::move(compile)),
        value_input_(ValueInputs(*g_)) {}

  absl::Status Prepare(const std::vector<graph::Shape>& input_shapes) override {
    auto s = static_->Prepare(input_shapes);
    dynamic_ = !s.ok() && IsRunTimeValueRefusal(s);
    if (dynamic_) return absl::OkStatus();  // planned per run, from the values
    return s;
  }

  absl::Status Run(const std::vector<graph::TensorView>& inputs,
                   std::vector<graph::TensorView>& outputs,
                   const std::vector<void*>& out_dest) override {
    if (!dynamic_) {
      // The inner partition re-plans itself when shapes change; a refusal that needs values
      // switches this partition to per-run plans.
      auto s = static_->Run(inputs, outputs, out_dest);
      if (s.ok() || !IsRunTimeValueRefusal(s)) return s;
      dynamic_ = true;
    }
    if (auto s = CheckRunInputs(*g_, inputs, "run-time values"); !s.ok()) return s;
    std::string key;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const auto& v = inputs[i];
      absl::StrAppend(&key, graph::ShapeToString(v.shape), ";");
      if (!value_input_[i]) continue;
      if (v.numel() > kMaxValueInputElements)
        return absl::UnimplementedError(absl::StrCat(
            "input '", g_->values[g_->inputs[i]].name, "' decides shapes at run time but has ",
            v.numel(), " elements (at most ", kMaxValueInputElements, " are planned from values)"));
      key.append(static_cast<const char*>(v.data), v.bytes());
      key.push_back(';');
    }
    if (!current_ || key != key_) {
      current_.reset();
      key_.clear();
      auto spec = std::make_shared<graph::Graph>(*g_);
      spec->inputs.clear();
      kept_.clear();
      std::vector<graph::Shape> shapes;
      for (size_t i = 0; i < inputs.size(); ++i) {
        const int vid = g_->inputs[i];
        if (!value_input_[i]) {
          spec->inputs.push_back(vid);
          kept_.push_back(static_cast<int>(i));
          shapes.push_back(inputs[i].shape);
          continue;
        }
        auto t = std::make_shared<graph::Tensor>(inputs[i].dtype, inputs[i].shape);
        if (t->bytes()) std::memcpy(t->data(), inputs[i].data, t->bytes());
        spec->values[vid].constant = std::move(t);
      }
      auto p = compile_(spec);
      if (!p.ok()) return p.status();
      if (auto s = (*p)->Prepare(shapes); !s.ok()) return s;
      current_ = *std::move(p);
      key_ = std::move(key);
    }
    kept_views_.clear();
    for (int i : kept_) kept_views_.push_back(inputs[i]);
    return current_->Run(kept_views_, outputs, out_dest);
  }

  std::vector<graph::TensorView> planned_outputs() const override {
    if (dynamic_) return {};
    return static_->planned_outputs();
  }

  RunStats stats() const override {
    if (!dynamic_) return static_->stats();
    RunStats s = current_ ? current_->stats() : RunStats{};
    s.dynamic = true;
    return s;
  }

 private:
  std::shared_ptr<const graph::Graph> g_;
  std::unique_ptr<CompiledPartition> static_;
  PartitionFactory compile_;
  std::vector<bool> value_input_;
  bool dynamic_ = false;
  std::unique_ptr<CompiledPartition> current_;  // planned for key_
  std::string key_;                             // input shapes + value-input bytes
  std::vector<int> kept_;                       // graph inputs the specialized graph keeps
  std::vector<graph::TensorView> kept_views_;
};

}  // namespace run_values

std::vector<bool> ValueInputs(const graph::Graph& g) {
  std::vector<bool> out(g.inputs.size(), false);
  const auto& pos = run_values::ValuePositions();
  for (const graph::Node& n : g.nodes) {
    if (!n.domain.empty() && n.domain != "ai.onnx") continue;
    auto it = pos.find(n.op_type);
    if (it == pos.end()) continue;
    for (int i : it->second) {
      if (!n.has_input(static_cast<size_t>(i))) continue;
      for (size_t k = 0; k < g.inputs.size(); ++k)
        if (g.inputs[k] == n.inputs[i]) out[k] = true;
    }
  }
  return out;
}

bool IsRunTimeValueRefusal(const absl::Status& s) {
  return absl::StrContains(s.message(), "socd:needs-value") ||
         absl::StrContains(s.message(), "known only at run time");
}

std::unique_ptr<CompiledPartition> WithRunTimeValues(std::shared_ptr<const graph::Graph> g,
                                                     std::unique_ptr<CompiledPartition> inner,
                                                     PartitionFactory compile) {
  bool any = false;
  for (bool b : ValueInputs(*g)) any = any || b;
  if (!any) return inner;
  return std::make_unique<run_values::RunValuePartition>(std::move(g), std::move(inner),
                                                         std::move(compile));
}

}  // namespace socd::backends
