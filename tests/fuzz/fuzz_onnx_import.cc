// libFuzzer target: arbitrary bytes as an ONNX model file. Everything a model goes through when
// the daemon loads it must turn bad input into a Status: import, the load passes, kernel
// creation and planning (Session::FromGraph), and one run on small inputs. A crash, a leak or
// undefined behaviour here is a bug in the engine, not in the fuzzer.
//
// libFuzzer only gets anywhere at thousands of inputs a second, so models that would be slow
// to run are only imported and shape-inferred: too many nodes (bodies of control flow
// included), a Loop (its trip count is data), a tensor above kMaxElements, or a node whose
// input x output size suggests a long kernel. Each limit is far above what a
// mutated seed needs to reach the interesting code.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backends/cpu/cpu_backend.h"
#include "graph/onnx_import.h"
#include "graph/passes/passes.h"
#include "graph/shape_inference.h"
#include "scheduler/session.h"

namespace socd::fuzz {

constexpr size_t kMaxNodes = 64;
constexpr int64_t kMaxElements = int64_t{1} << 16;  // per tensor
constexpr int64_t kMaxWork = int64_t{1} << 26;      // per node: largest input x all outputs

// Concrete shapes for the graph's runtime inputs: declared dims, 1 for symbolic ones, a
// scalar for an input of unknown rank.
std::vector<graph::Shape> InputShapes(const graph::Graph& g) {
  std::vector<graph::Shape> shapes;
  for (int v : g.inputs) {
    graph::Shape s;
    for (const graph::Dim& d : g.values[v].type.dims) s.push_back(d.is_static() ? d.value : 1);
    shapes.push_back(std::move(s));
  }
  return shapes;
}

// Nodes of the graph and of every control-flow body in it; `loop` is set if a Loop is among them
// (its trip count comes from the data, so no shape check bounds its run time).
size_t CountNodes(const graph::Graph& g, bool& loop) {
  size_t n = g.nodes.size();
  for (const graph::Node& node : g.nodes) {
    loop = loop || node.op_type == "Loop";
    for (const auto& [name, a] : node.attrs)
      if (a.kind == graph::Attribute::Kind::kGraph && a.g) n += CountNodes(*a.g, loop);
  }
  return n;
}

int64_t Elements(const graph::InferredValue& v) {
  return v.known ? graph::NumElements(v.shape) : 0;
}

// True if no tensor of the plan is big and no node looks expensive to run.
bool SmallEnough(const graph::Graph& g, const std::vector<graph::InferredValue>& vals) {
  for (const graph::InferredValue& v : vals) {
    if (Elements(v) < 0 || Elements(v) > kMaxElements) return false;
  }
  for (const graph::Node& n : g.nodes) {
    int64_t in = 1, out = 0;
    for (int v : n.inputs)
      if (v != graph::kNoValue) in = std::max(in, Elements(vals[v]));
    for (int v : n.outputs)
      if (v != graph::kNoValue) out += Elements(vals[v]);
    if (in * std::max<int64_t>(out, 1) > kMaxWork) return false;
  }
  return true;
}

// Input contents drawn from the fuzz bytes: small values of both signs, so index-like inputs
// are sometimes out of range or negative (kernels must reject or wrap them, not read wild).
int SmallValue(const uint8_t* data, size_t size, int64_t i) {
  return size ? data[static_cast<size_t>(i) % size] % 16 - 8 : 0;
}

template <typename T>
void FillAs(graph::Tensor& t, const uint8_t* data, size_t size, T (*convert)(int)) {
  T* p = t.as<T>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = convert(SmallValue(data, size, i));
}

template <typename T>
T Signed(int v) {
  return static_cast<T>(v);
}
template <typename T>
T Unsigned(int v) {
  return static_cast<T>(v + 8);
}
float Float(int v) { return v * 0.5f; }
double Double(int v) { return v * 0.5; }
uint16_t Half(int v) { return graph::FloatToHalf(v * 0.5f); }
uint16_t BFloat(int v) { return graph::FloatToBFloat16(v * 0.5f); }
uint8_t Bool(int v) { return static_cast<uint8_t>(v & 1); }

void FillInput(graph::Tensor& t, const uint8_t* data, size_t size) {
  using graph::DType;
  switch (t.dtype()) {
    case DType::kFloat32:
      return FillAs<float>(t, data, size, Float);
    case DType::kFloat64:
      return FillAs<double>(t, data, size, Double);
    case DType::kFloat16:
      return FillAs<uint16_t>(t, data, size, Half);
    case DType::kBFloat16:
      return FillAs<uint16_t>(t, data, size, BFloat);
    case DType::kInt8:
      return FillAs<int8_t>(t, data, size, Signed<int8_t>);
    case DType::kInt16:
      return FillAs<int16_t>(t, data, size, Signed<int16_t>);
    case DType::kInt32:
      return FillAs<int32_t>(t, data, size, Signed<int32_t>);
    case DType::kInt64:
      return FillAs<int64_t>(t, data, size, Signed<int64_t>);
    case DType::kUInt8:
      return FillAs<uint8_t>(t, data, size, Unsigned<uint8_t>);
    case DType::kUInt16:
      return FillAs<uint16_t>(t, data, size, Unsigned<uint16_t>);
    case DType::kUInt32:
      return FillAs<uint32_t>(t, data, size, Unsigned<uint32_t>);
    case DType::kUInt64:
      return FillAs<uint64_t>(t, data, size, Unsigned<uint64_t>);
    case DType::kBool:
      return FillAs<uint8_t>(t, data, size, Bool);
    default:
      return;  // left zeroed
  }
}

void LoadAndRun(const uint8_t* data, size_t size) {
  graph::ImportOptions io;
  // External data must never resolve to a real file: the fuzzer would read whatever lies in
  // its working directory.
  io.external_data_dir = "/nonexistent/socd-fuzz";
  io.max_model_bytes = size_t{1} << 20;
  auto imported = graph::ImportOnnx(std::string(reinterpret_cast<const char*>(data), size), io);
  bool loop = false;
  if (!imported.ok() || CountNodes(*imported, loop) > kMaxNodes) return;

  // Probe on a copy what the plan would allocate and compute, before the real load does it.
  graph::Graph probe = *imported;
  graph::PassStats stats;
  if (!graph::Canonicalize(probe, stats).ok()) return;
  const std::vector<graph::Shape> shapes = InputShapes(probe);
  const graph::NodeEvaluator eval = cpu::EvaluateNode;
  graph::InferOptions opts;
  opts.evaluator = &eval;
  opts.max_eval_elements = 4096;
  auto vals = graph::InferGraph(probe, shapes, opts);
  // An error or a data-dependent shape: the sizes past that node are unknown, so stop here.
  if (!vals.ok() || !SmallEnough(probe, *vals) || loop) return;

  scheduler::SessionOptions so;
  so.threads = 1;
  auto session = scheduler::Session::FromGraph(*std::move(imported), so);
  if (!session.ok()) return;
  std::vector<std::unique_ptr<graph::Tensor>> inputs;
  std::vector<graph::TensorView> views;
  const auto model_inputs = (*session)->inputs();
  if (model_inputs.size() != shapes.size()) return;
  for (size_t i = 0; i < model_inputs.size(); ++i) {
    inputs.push_back(std::make_unique<graph::Tensor>(model_inputs[i]->type.dtype, shapes[i]));
    FillInput(*inputs.back(), data, size);
    views.push_back(inputs.back()->view());
  }
  std::vector<graph::TensorView> outputs;
  (*session)->Run(views, outputs).IgnoreError();
}

}  // namespace socd::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  socd::fuzz::LoadAndRun(data, size);
  return 0;
}
