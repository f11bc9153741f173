#include "backends/opencl/opencl_backend.h"

#include <mutex>

#include "absl/strings/str_cat.h"
#include "backends/opencl/cl_calibration.h"
#include "backends/opencl/cl_device.h"
#include "backends/opencl/cl_ops.h"
#include "backends/opencl/cl_partition.h"
#include "spdlog/spdlog.h"

namespace socd::opencl {

namespace opencl_backend_impl {

class OpenClBackend : public backends::Backend {
 public:
  OpenClBackend(std::shared_ptr<ClRuntime> rt, int threads) : rt_(std::move(rt)) {
    const ClDeviceInfo& d = rt_->info();
    info_.kind = backends::BackendKind::kOpenCL;
    info_.name = absl::StrCat("opencl: ", d.desc.name, " (", d.desc.driver,
                              rt_->staging() ? ", staging copies" : ", zero-copy", ")");
    info_.unified_memory = !rt_->staging();
    info_.threads = threads;
  }

  // Calibrated on first use (short kernels, then cached on disk): model loads and forked
  // conformance tests that never ask do not pay for it.
  const backends::BackendInfo& info() const override {
    std::call_once(calibrated_, [this] {
      auto c = LoadOrCalibrate(*rt_);
      if (!c.ok()) {
        spdlog::warn("opencl: calibration failed: {}", std::string(c.status().message()));
        return;
      }
      info_.peak_gflops_fp32 = c->peak_gflops_fp32;
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
    auto p = ClPartition::Create(rt_, std::move(g));
    if (!p.ok()) return p.status();
    return std::unique_ptr<backends::CompiledPartition>(std::move(*p));
  }

 private:
  std::shared_ptr<ClRuntime> rt_;
  mutable backends::BackendInfo info_;
  mutable std::once_flag calibrated_;
};

}  // namespace opencl_backend_impl

absl::StatusOr<std::unique_ptr<backends::Backend>> CreateOpenClBackend(int device, int threads) {
  auto rt = ClRuntime::Open(device);
  if (!rt.ok()) return rt.status();
  return std::unique_ptr<backends::Backend>(
      new opencl_backend_impl::OpenClBackend(*std::move(rt), std::max(1, threads)));
}

absl::StatusOr<std::vector<backends::DeviceDescription>> ListOpenClDevices() {
  auto devs = EnumerateClDevices();
  if (!devs.ok()) return devs.status();
  std::vector<backends::DeviceDescription> out;
  for (const auto& d : *devs) out.push_back(d.desc);
  return out;
}

}  // namespace socd::opencl
