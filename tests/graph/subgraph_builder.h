// Builds small ONNX models with control-flow bodies for the subgraph tests (tests/graph and
// tests/cpu), imports them and runs them through a real Session.
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/onnx_import.h"
#include "onnx/onnx_pb.h"
#include "scheduler/session.h"

namespace socd::subgraph_builder {

using onnx::TensorProto;

// A value: name, element type (TensorProto::FLOAT...), dims (-1: symbolic "d"); `shaped`
// false leaves the shape out.
inline void Typed(onnx::ValueInfoProto* v, const std::string& name, int elem,
                  const std::vector<int64_t>& dims = {}, bool shaped = true) {
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem);
  if (!shaped) return;
  auto* shape = tt->mutable_shape();
  for (int64_t d : dims) {
    if (d >= 0)
      shape->add_dim()->set_dim_value(d);
    else
      shape->add_dim()->set_dim_param("d");
  }
}
inline void In(onnx::GraphProto* g, const std::string& name, int elem,
               const std::vector<int64_t>& dims = {}, bool shaped = true) {
  Typed(g->add_input(), name, elem, dims, shaped);
}
inline void Out(onnx::GraphProto* g, const std::string& name, int elem,
                const std::vector<int64_t>& dims = {}, bool shaped = true) {
  Typed(g->add_output(), name, elem, dims, shaped);
}

inline onnx::NodeProto* Op(onnx::GraphProto* g, const std::string& op,
                           const std::vector<std::string>& in, const std::vector<std::string>& out,
                           const std::string& name = "") {
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(name.empty() ? op + "_" + (out.empty() ? "" : out[0]) : name);
  for (const auto& i : in) n->add_input(i);
  for (const auto& o : out) n->add_output(o);
  return n;
}

inline onnx::GraphProto* Body(onnx::NodeProto* n, const std::string& attr) {
  auto* a = n->add_attribute();
  a->set_name(attr);
  a->set_type(onnx::AttributeProto::GRAPH);
  a->mutable_g()->set_name(attr);
  return a->mutable_g();
}
inline void IntAttr(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
inline void IntsAttr(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

inline void FloatInit(onnx::GraphProto* g, const std::string& name,
                      const std::vector<int64_t>& dims, const std::vector<float>& v) {
  auto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  for (float f : v) t->add_float_data(f);
}
inline void Int64Init(onnx::GraphProto* g, const std::string& name,
                      const std::vector<int64_t>& dims, const std::vector<int64_t>& v) {
  auto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(TensorProto::INT64);
  for (int64_t d : dims) t->add_dims(d);
  for (int64_t x : v) t->add_int64_data(x);
}

inline onnx::ModelProto Model(int opset = 16) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* os = m.add_opset_import();
  os->set_domain("");
  os->set_version(opset);
  m.mutable_graph()->set_name("main");
  return m;
}

inline absl::StatusOr<graph::Graph> Import(const onnx::ModelProto& m) {
  std::string bytes;
  if (!m.SerializeToString(&bytes)) return absl::InternalError("cannot serialize");
  return graph::ImportOnnx(bytes);
}

// An input value for Run: dtype, shape and bytes.
struct HostValue {
  graph::DType dtype;
  graph::Shape shape;
  std::vector<uint8_t> bytes;
  template <typename T>
  std::vector<T> as() const {
    std::vector<T> v(bytes.size() / sizeof(T));
    if (!v.empty()) std::memcpy(v.data(), bytes.data(), bytes.size());
    return v;
  }
};
template <typename T>
HostValue Val(graph::Shape shape, const std::vector<T>& v) {
  HostValue x{graph::DTypeOf<T>::value, std::move(shape),
              std::vector<uint8_t>(v.size() * sizeof(T))};
  if (!v.empty()) std::memcpy(x.bytes.data(), v.data(), x.bytes.size());
  return x;
}

// Imports, loads (passes, compile, plan) and runs once; outputs copied out of the session.
inline absl::StatusOr<std::vector<HostValue>> RunModel(const onnx::ModelProto& m,
                                                       const std::vector<HostValue>& inputs,
                                                       int threads = 1) {
  auto g = Import(m);
  if (!g.ok()) return g.status();
  scheduler::SessionOptions opts;
  opts.threads = threads;
  auto s = scheduler::Session::FromGraph(*std::move(g), opts);
  if (!s.ok()) return s.status();
  std::vector<graph::TensorView> views;
  for (const auto& in : inputs)
    views.push_back({in.dtype, in.shape, const_cast<uint8_t*>(in.bytes.data())});
  std::vector<graph::TensorView> outs;
  if (auto st = (*s)->Run(views, outs); !st.ok()) return st;
  std::vector<HostValue> res;
  for (const auto& v : outs) {
    HostValue o{v.dtype, v.shape, std::vector<uint8_t>(v.bytes())};
    if (!o.bytes.empty()) std::memcpy(o.bytes.data(), v.data, o.bytes.size());
    res.push_back(std::move(o));
  }
  return res;
}

}  // namespace socd::subgraph_builder
