#include "backends/opencl/opencl_backend.h"

#include <mutex>

#include "absl/strings/str_cat.h"
#include "backends/opencl/cl_calibration.h"
#include "backends/opencl/cl_device.h"
#include "backends/opencl/cl_ops.h"
#include "backends/opencl/cl_partition.h"
#include "backends/run_values.h"
#include "spdlog/spdlog.h"

namespace socd::opencl {

namespace opencl_backend_impl {

// The device is opened on first need (Compile, info), not at creation: Supports() needs no
// driver, and socd-conformance creates a backend in every forked test, most of which only ask
// Supports() (PoCL's start-up alone is ~40 ms per process).
class OpenClBackend : public backends::Backend {
 public:
  OpenClBackend(int device, int threads) : device_(device), threads_(threads) {}

  // Calibrated on first use (short kernels, then cached on disk): model loads and forked
  // conformance tests that never ask do not pay for it.
  const backends::BackendInfo& info() const override {
    std::call_once(described_, [this] {
      info_.kind = backends::BackendKind::kOpenCL;
      info_.threads = threads_;
      auto rt = Runtime();
      if (!rt.ok()) {
        info_.name = absl::StrCat("opencl: unavailable (", rt.status().message(), ")");
        return;
      }
      const ClDeviceInfo& d = (*rt)->info();
      info_.name = absl::StrCat("opencl: ", d.desc.name, " (", d.desc.driver,
                                (*rt)->staging() ? ", staging copies" : ", zero-copy", ")");
      info_.unified_memory = !(*rt)->staging();
      auto c = LoadOrCalibrate(**rt);
      if (!c.ok()) {
        spdlog::warn("opencl: calibration failed: {}", std::string(c.status().message()));
        return;
      }
      info_.peak_gflops_fp32 = c->peak_gflops_fp32;
      info_.peak_gflops_fp16 = c->peak_gflops_fp16;
      info_.bandwidth_gbps = c->bandwidth_gbps;
      info_.launch_overhead_us = c->launch_overhead_us;
    });
    return info_;
  }

  absl::Status Supports(const graph::Node& node) const override {
    if (!node.domain.empty() && node.domain != "ai.onnx")
      return absl::UnimplementedError(
          absl::StrCat("opencl: ", node.Describe(), ": domain '", node.domain, "' not supported"));
    const auto& ops = ClOps();
    auto it = ops.find(node.op_type);
    if (it == ops.end())
      return absl::UnimplementedError(
          absl::StrCat("opencl: operator ", node.op_type, " has no OpenCL kernel"));
    if (it->second.check) return it->second.check(node);
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<backends::CompiledPartition>> Compile(
      std::shared_ptr<const graph::Graph> g, const backends::CompileOptions& opts) override {
    for (const auto& n : g->nodes)
      if (auto s = Supports(n); !s.ok()) return s;
    auto rt = Runtime();
    if (!rt.ok()) return rt.status();
    std::shared_ptr<ClRuntime> r = *rt;
    auto p = ClPartition::Create(r, g);
    if (!p.ok()) return p.status();
    // Shape-deciding graph inputs (Reshape's shape, Slice's starts...): planned per run from
    // their values, on a copy of the graph where they are constants.
    return backends::WithRunTimeValues(
        std::move(g), std::unique_ptr<backends::CompiledPartition>(std::move(*p)),
        [r](std::shared_ptr<const graph::Graph> spec)
            -> absl::StatusOr<std::unique_ptr<backends::CompiledPartition>> {
          auto q = ClPartition::Create(r, std::move(spec));
          if (!q.ok()) return q.status();
          return std::unique_ptr<backends::CompiledPartition>(std::move(*q));
        });
  }

 private:
  absl::StatusOr<std::shared_ptr<ClRuntime>> Runtime() const { return ClRuntime::Open(device_); }

  int device_;
  int threads_;
  mutable backends::BackendInfo info_;
  mutable std::once_flag described_;
};

}  // namespace opencl_backend_impl

absl::StatusOr<std::unique_ptr<backends::Backend>> CreateOpenClBackend(int device, int threads) {
  if (device < 0) return absl::InvalidArgumentError("opencl: device index must be >= 0");
  return std::unique_ptr<backends::Backend>(
      new opencl_backend_impl::OpenClBackend(device, std::max(1, threads)));
}

absl::StatusOr<std::vector<backends::DeviceDescription>> ListOpenClDevices() {
  auto devs = EnumerateClDevices();
  if (!devs.ok()) return devs.status();
  std::vector<backends::DeviceDescription> out;
  for (const auto& d : *devs) out.push_back(d.desc);
  return out;
}

}  // namespace socd::opencl
