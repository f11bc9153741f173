// socd's graph IR: a flat list of Values (tensors) and Nodes (operators) in topological order.
// Values are referred to by index so passes can rewrite nodes without pointer fix-ups.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "graph/dtype.h"
#include "graph/tensor.h"

namespace socd::graph {

// One dimension of a declared tensor type: a fixed size, a named symbol bound at run time
// ("batch_size"), or unknown (value < 0 and no symbol).
struct Dim {
  int64_t value = -1;
  std::string symbol;
  bool is_static() const { return value >= 0; }
};

struct ContainerType;  // graph/sequence_type.h

struct TensorType {
  DType dtype = DType::kUndefined;
  bool has_shape = false;  // false: rank unknown
  std::vector<Dim> dims;
  // Set for sequence/optional values (dtype kHandle, a scalar): what the handle holds.
  std::shared_ptr<const ContainerType> container;
  std::string ToString() const;
};

class Graph;

struct Attribute {
  enum class Kind { kFloat, kInt, kString, kTensor, kFloats, kInts, kStrings, kGraph, kOther };
  Kind kind = Kind::kOther;
  float f = 0;
  int64_t i = 0;
  std::string s;
  std::shared_ptr<const Tensor> t;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  // kGraph: a control-flow body (Loop/If/Scan), imported recursively. Its inputs are the op's
  // formal body inputs followed by one input per implicit input of the node (graph/subgraph.h).
  std::shared_ptr<Graph> g;
};

struct Value {
  std::string name;
  TensorType type;                         // declared (from the model) or inferred
  std::shared_ptr<const Tensor> constant;  // set for initializers and folded values
  int producer = -1;                       // node index, -1 for graph inputs and constants
};

constexpr int kNoValue = -1;  // an omitted optional input or output

struct Node {
  std::string name;
  std::string op_type;
  std::string domain;  // "" for ai.onnx
  int opset = 0;       // the opset version of `domain` the model imports
  std::vector<int> inputs;
  std::vector<int> outputs;
  std::map<std::string, Attribute> attrs;
  // The last `implicit_inputs` entries of `inputs` are outer-scope values the node's subgraphs
  // read (as ONNX Runtime records them), so ordering, liveness and planning see those reads.
  int implicit_inputs = 0;

  bool HasAttr(const std::string& n) const { return attrs.count(n) != 0; }
  int64_t GetInt(const std::string& n, int64_t def) const;
  float GetFloat(const std::string& n, float def) const;
  std::string GetString(const std::string& n, const std::string& def) const;
  std::vector<int64_t> GetInts(const std::string& n) const;  // empty if absent
  std::vector<float> GetFloats(const std::string& n) const;
  bool has_input(size_t i) const { return i < inputs.size() && inputs[i] != kNoValue; }
  // "Conv 'conv1'" — how errors name a node.
  std::string Describe() const;
};

class Graph {
 public:
  std::vector<Value> values;
  std::vector<Node> nodes;  // topologically sorted after import and after every pass
  std::vector<int> inputs;  // runtime inputs (initializers excluded)
  std::vector<int> outputs;
  std::map<std::string, int> opsets;  // domain -> version
  int64_t ir_version = 0;
  std::string name;

  int AddValue(std::string name, TensorType type = {});
  int AddConstant(std::string name, std::shared_ptr<const Tensor> t);
  // Index of the value with this name, or -1.
  int FindValue(const std::string& name) const;
  const Tensor* ConstantOf(int value) const {
    return value >= 0 ? values[value].constant.get() : nullptr;
  }
  // Recomputes `producer` and orders nodes so producers precede consumers. Fails on cycles or
  // on an input that nothing produces, naming the node.
  absl::Status TopoSort();
  // Number of nodes reading each value, graph outputs counting as one reader each.
  std::vector<int> UseCounts() const;
  // Drops values no node, input or output refers to, renumbering indices.
  void CompactValues();
  std::string UniqueName(const std::string& base);

 private:
  std::map<std::string, int> by_name_;
  int unique_counter_ = 0;
};

}  // namespace socd::graph
