// Runs one ONNX node through a real Session (the graph passes, the static plan, the CPU
// kernels), for the kernel tests in tests/cpu: inputs are graph inputs unless constant (then
// plan-time values) or omitted (an empty optional input).
#pragma once

#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/ir.h"
#include "graph/string_store.h"
#include "graph/tensor.h"
#include "scheduler/session.h"

namespace socd::node_runner {

struct Input {
  graph::DType dtype;
  graph::Shape shape;
  std::vector<uint8_t> bytes;
  bool constant = false;
  bool omitted = false;
  std::vector<std::string> strings;  // kString: the elements (bytes then hold their views)
};

template <typename T>
Input In(graph::Shape shape, const std::vector<T>& v, bool constant = false) {
  Input in{graph::DTypeOf<T>::value, std::move(shape), std::vector<uint8_t>(v.size() * sizeof(T)),
           constant};
  if (!v.empty()) std::memcpy(in.bytes.data(), v.data(), in.bytes.size());  // memcpy(null): UB
  return in;
}
// A string input; its element views point into the Input's own `strings`.
inline Input Strs(graph::Shape shape, std::vector<std::string> v, bool constant = false) {
  Input in{graph::DType::kString, std::move(shape), {}, constant, false, std::move(v)};
  return in;
}
inline Input Omitted() { return Input{graph::DType::kUndefined, {}, {}, false, true}; }

struct Output {
  graph::DType dtype;
  graph::Shape shape;
  std::vector<uint8_t> bytes;
  std::vector<std::string> strings;  // kString outputs, copied before the session ends
  template <typename T>
  std::vector<T> as() const {
    std::vector<T> v(bytes.size() / sizeof(T));
    if (!v.empty()) std::memcpy(v.data(), bytes.data(), bytes.size());
    return v;
  }
};

using Attrs = std::map<std::string, graph::Attribute>;
inline graph::Attribute Int(int64_t v) {
  graph::Attribute a;
  a.kind = graph::Attribute::Kind::kInt;
  a.i = v;
  return a;
}
inline graph::Attribute Ints(std::vector<int64_t> v) {
  graph::Attribute a;
  a.kind = graph::Attribute::Kind::kInts;
  a.ints = std::move(v);
  return a;
}
inline graph::Attribute Float(float v) {
  graph::Attribute a;
  a.kind = graph::Attribute::Kind::kFloat;
  a.f = v;
  return a;
}
inline graph::Attribute Str(std::string s) {
  graph::Attribute a;
  a.kind = graph::Attribute::Kind::kString;
  a.s = std::move(s);
  return a;
}

// Builds the one-node graph and runs it once; the outputs are copied out of the session.
inline absl::StatusOr<std::vector<Output>> RunNode(const std::string& op, std::vector<Input> inputs,
                                                   Attrs attrs, int opset, int outputs = 1,
                                                   int threads = 1,
                                                   const std::string& node_name = "n") {
  graph::Graph g;
  g.opsets[""] = opset;
  graph::Node n;
  n.name = node_name;
  n.op_type = op;
  n.opset = opset;
  n.attrs = std::move(attrs);
  std::vector<graph::TensorView> views;
  for (Input& in : inputs) {  // string elements view the Input's strings (alive until return)
    if (in.dtype != graph::DType::kString || in.constant) continue;
    in.bytes.assign(in.strings.size() * sizeof(graph::StringElem), 0);
    auto* e = reinterpret_cast<graph::StringElem*>(in.bytes.data());
    for (size_t k = 0; k < in.strings.size(); ++k)
      e[k] = {in.strings[k].data(), in.strings[k].size()};
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Input& in = inputs[i];
    if (in.omitted) {
      n.inputs.push_back(graph::kNoValue);
    } else if (in.constant) {
      auto t = std::make_shared<graph::Tensor>(in.dtype, in.shape);
      if (!in.bytes.empty()) std::memcpy(t->data(), in.bytes.data(), in.bytes.size());
      for (size_t k = 0; k < in.strings.size(); ++k) t->SetString(k, in.strings[k]);
      n.inputs.push_back(g.AddConstant("c" + std::to_string(i), t));
    } else {
      graph::TensorType tt{in.dtype, true, {}};
      for (int64_t d : in.shape) tt.dims.push_back(graph::Dim{d, ""});
      const int v = g.AddValue("x" + std::to_string(i), tt);
      g.inputs.push_back(v);
      n.inputs.push_back(v);
      views.push_back({in.dtype, in.shape, const_cast<uint8_t*>(in.bytes.data())});
    }
  }
  for (int o = 0; o < outputs; ++o) {
    const int y = g.AddValue("y" + std::to_string(o));
    n.outputs.push_back(y);
    g.outputs.push_back(y);
  }
  g.nodes.push_back(n);
  if (auto s = g.TopoSort(); !s.ok()) return s;
  scheduler::SessionOptions opts;
  opts.threads = threads;
  auto s = scheduler::Session::FromGraph(std::move(g), opts);
  if (!s.ok()) return s.status();
  std::vector<graph::TensorView> outs;
  if (auto st = (*s)->Run(views, outs); !st.ok()) return st;
  std::vector<Output> res;
  for (const auto& v : outs) {
    Output o{v.dtype, v.shape, std::vector<uint8_t>(v.bytes())};
    if (!o.bytes.empty()) std::memcpy(o.bytes.data(), v.data, o.bytes.size());
    if (v.dtype == graph::DType::kString) {
      for (int64_t k = 0; k < v.numel(); ++k) o.strings.emplace_back(graph::StringAt(v, k));
    }
    res.push_back(std::move(o));
  }
  return res;
}

}  // namespace socd::node_runner
