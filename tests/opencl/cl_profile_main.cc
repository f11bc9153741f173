// socd-cl-profile MODEL.onnx DATASET_DIR [--runs N]: runs a model on the OpenCL backend with
// profiling events and prints one JSON line: program build (cache hit or not, ms), launches
// per run, median run wall time, median summed kernel time, and the per-dispatch overhead
// ((wall - kernel time) / launches). The numbers in docs/BENCHMARKS.md come from here.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "backends/cpu/cpu_backend.h"
#include "backends/opencl/cl_device.h"
#include "backends/opencl/cl_partition.h"
#include "backends/opencl/opencl_backend.h"
#include "graph/onnx_import.h"
#include "graph/passes/passes.h"

namespace fs = std::filesystem;
using namespace socd;

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "socd-cl-profile: %s\n", std::string(s.message()).c_str());
  return 1;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: socd-cl-profile MODEL.onnx DATASET_DIR [--runs N]\n");
    return 2;
  }
  int runs = 10;
  if (argc >= 5 && std::string(argv[3]) == "--runs") runs = std::max(1, std::atoi(argv[4]));
  auto g = graph::ImportOnnxFile(argv[1]);
  if (!g.ok()) return Fail(g.status());
  graph::PassStats ps;
  graph::NodeEvaluator eval = cpu::EvaluateNode;
  if (auto s = graph::RunLoadPasses(*g, eval, true, ps); !s.ok()) return Fail(s);
  auto graph = std::make_shared<const graph::Graph>(*std::move(g));
  std::vector<std::shared_ptr<graph::Tensor>> data;
  std::vector<graph::TensorView> inputs;
  for (size_t i = 0; i < graph->inputs.size(); ++i) {
    auto t = graph::ReadTensorProtoFile(
        (fs::path(argv[2]) / ("input_" + std::to_string(i) + ".pb")).string());
    if (!t.ok()) return Fail(t.status());
    data.push_back(*t);
    inputs.push_back((*t)->view());
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto backend = opencl::CreateOpenClBackend(0, 1);
  if (!backend.ok()) return Fail(backend.status());
  auto part = (*backend)->Compile(graph, {});
  if (!part.ok()) return Fail(part.status());
  const double compile_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  auto* cl = dynamic_cast<opencl::ClPartition*>(part->get());
  auto rt = opencl::ClRuntime::Open(0);
  if (!rt.ok()) return Fail(rt.status());
  const opencl::ProgramBuildStats build = (*rt)->build_stats();
  std::vector<graph::TensorView> outs;
  const auto f0 = std::chrono::steady_clock::now();
  if (auto s = (*part)->Run(inputs, outs); !s.ok()) return Fail(s);  // PoCL compiles kernels
  const double first_run_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - f0).count();
  std::vector<double> wall, kern, plain;
  for (int r = 0; r < runs; ++r) {  // without events: the latency a request sees
    cl->set_profiling(false);
    if (auto s = (*part)->Run(inputs, outs); !s.ok()) return Fail(s);
    plain.push_back(cl->run_info().run_us);
  }
  for (int r = 0; r < runs; ++r) {  // with events: per-kernel device time
    cl->set_profiling(true);
    if (auto s = (*part)->Run(inputs, outs); !s.ok()) return Fail(s);
    wall.push_back(cl->run_info().run_us);
    kern.push_back(cl->run_info().kernel_us);
  }
  const int launches = cl->run_info().launches;
  const double w = Median(wall), k = Median(kern);
  std::printf(
      "{\"model\":\"%s\",\"program_cache_hit\":%s,\"program_build_ms\":%.1f,\"compile_ms\":%.1f,"
      "\"first_run_ms\":%.1f,\"launches\":%d,\"run_ms\":%.3f,\"run_profiled_ms\":%.3f,"
      "\"kernel_ms\":%.3f,\"overhead_us_per_dispatch\":%.1f}\n",
      fs::path(argv[1]).stem().c_str(), build.cache_hit ? "true" : "false", build.build_ms,
      compile_ms, first_run_ms, launches, Median(plain) / 1e3, w / 1e3, k / 1e3,
      launches ? (w - k) / launches : 0.0);
  return 0;
}
