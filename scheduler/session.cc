#include "scheduler/session.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/opencl/opencl_backend.h"
#include "backends/vulkan/vulkan_backend.h"
#include "graph/onnx_import.h"
#include "graph/op_schema.h"

namespace socd::scheduler {

absl::StatusOr<std::unique_ptr<backends::Backend>> CreateBackend(const SessionOptions& opts) {
  if (opts.backend == "cpu")
    return std::unique_ptr<backends::Backend>(new cpu::CpuBackend(opts.threads));
  if (opts.backend == "vulkan") return vulkan::CreateVulkanBackend(opts.device, opts.threads);
  if (opts.backend == "opencl") return opencl::CreateOpenClBackend(opts.device, opts.threads);
  return absl::InvalidArgumentError(
      absl::StrCat("unknown backend '", opts.backend, "' (available: cpu, vulkan, opencl)"));
}

absl::StatusOr<std::unique_ptr<Session>> Session::Load(const std::string& path,
                                                       const SessionOptions& opts) {
  auto t0 = std::chrono::steady_clock::now();
  auto g = graph::ImportOnnxFile(path);
  if (!g.ok()) return g.status();
  auto s = FromGraph(*std::move(g), opts);
  if (!s.ok())
    return absl::Status(s.status().code(), absl::StrCat(path, ": ", s.status().message()));
  (*s)->load_stats_.load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

absl::StatusOr<std::unique_ptr<Session>> Session::FromGraph(graph::Graph g,
                                                            const SessionOptions& opts) {
  auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<Session> s(new Session);
  auto backend = CreateBackend(opts);
  if (!backend.ok()) return backend.status();
  s->backend_ = *std::move(backend);
  s->load_stats_.nodes_imported = static_cast<int>(g.nodes.size());
  // Every node must be a known operator before anything runs: report the first unknown one.
  for (const auto& n : g.nodes) {
    if (auto sc = graph::OpRegistry::Get().Find(n); !sc.ok()) return sc.status();
    if (auto sp = s->backend_->Supports(n); !sp.ok()) return sp;
  }
  graph::NodeEvaluator eval = cpu::EvaluateNode;
  if (auto st = graph::RunLoadPasses(g, eval, opts.optimize, s->load_stats_.passes); !st.ok()) {
    return st;
  }
  for (const auto& n : g.nodes) {
    if (auto sp = s->backend_->Supports(n); !sp.ok()) return sp;
  }
  s->load_stats_.nodes_after_passes = static_cast<int>(g.nodes.size());
  s->graph_ = std::make_shared<const graph::Graph>(std::move(g));
  backends::CompileOptions co;
  co.threads = opts.threads;
  auto part = s->backend_->Compile(s->graph_, co);
  if (!part.ok()) return part.status();
  s->partition_ = *std::move(part);
  // Static input shapes: plan now, so the first request pays nothing extra.
  std::vector<graph::Shape> shapes;
  bool all_static = true;
  for (int i : s->graph_->inputs) {
    const auto& t = s->graph_->values[i].type;
    if (!t.has_shape) {
      all_static = false;
      break;
    }
    graph::Shape sh;
    for (const auto& d : t.dims) {
      if (!d.is_static()) all_static = false;
      sh.push_back(d.value);
    }
    shapes.push_back(sh);
  }
  if (all_static) {
    if (auto st = s->partition_->Prepare(shapes); !st.ok()) return st;
  }
  s->load_stats_.load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

std::vector<const graph::Value*> Session::inputs() const {
  std::vector<const graph::Value*> v;
  for (int i : graph_->inputs) v.push_back(&graph_->values[i]);
  return v;
}

std::vector<const graph::Value*> Session::outputs() const {
  std::vector<const graph::Value*> v;
  for (int i : graph_->outputs) v.push_back(&graph_->values[i]);
  return v;
}

std::vector<graph::TensorView> Session::PlannedOutputs(
    const std::vector<graph::Shape>& input_shapes) {
  if (!partition_->Prepare(input_shapes).ok()) return {};
  return partition_->planned_outputs();
}

absl::Status Session::Run(const std::vector<graph::TensorView>& inputs,
                          std::vector<graph::TensorView>& outputs,
                          const std::vector<void*>& out_dest) {
  if (inputs.size() != graph_->inputs.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("model expects ", graph_->inputs.size(), " inputs, got ", inputs.size()));
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const graph::Value& v = graph_->values[graph_->inputs[i]];
    if (inputs[i].dtype != v.type.dtype) {
      return absl::InvalidArgumentError(absl::StrCat("input '", v.name, "': expected ",
                                                     graph::DTypeName(v.type.dtype), ", got ",
                                                     graph::DTypeName(inputs[i].dtype)));
    }
    if (inputs[i].data == nullptr && inputs[i].numel() > 0) {
      return absl::InvalidArgumentError(absl::StrCat("input '", v.name, "' has no data"));
    }
  }
  return partition_->Run(inputs, outputs, out_dest);
}

}  // namespace socd::scheduler
