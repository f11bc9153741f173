#include "backends/vulkan/vulkan_backend.h"

#include <spdlog/spdlog.h>

#include <mutex>

#include "absl/strings/str_cat.h"
#include "backends/run_values.h"
#include "backends/vulkan/vk_calibrate.h"
#include "backends/vulkan/vk_context.h"
#include "backends/vulkan/vk_kernel.h"
#include "backends/vulkan/vk_partition.h"

namespace socd::vulkan {
namespace vulkan_backend {

class VulkanBackend : public backends::Backend {
 public:
  // The device is opened at the first Compile or info(): a process that only asks Supports()
  // (the conformance runner's probe, a model refused by Supports) never pays for it.
  VulkanBackend(int device, std::string name, int threads) : device_(device) {
    info_.kind = backends::BackendKind::kVulkan;
    info_.name = absl::StrCat("vulkan: ", name);
    info_.threads = threads;
  }

  absl::StatusOr<std::shared_ptr<Context>> Ctx() const {
    std::lock_guard<std::mutex> l(mu_);
    if (!ctx_) {
      auto c = Context::Open(device_);
      if (!c.ok()) return c.status();
      ctx_ = *std::move(c);
      info_.unified_memory = ctx_->zero_copy();
    }
    return ctx_;
  }

  // Measured lazily: calibration costs shader runs that sessions which never ask should not pay.
  const backends::BackendInfo& info() const override {
    std::call_once(calibrated_, [this] {
      auto ctx = Ctx();
      if (!ctx.ok()) {
        spdlog::warn("vulkan: {}", std::string(ctx.status().message()));
        return;
      }
      auto c = Calibrate(**ctx);
      if (!c.ok()) {
        spdlog::warn("vulkan: calibration failed: {}", std::string(c.status().message()));
        return;
      }
      info_.peak_gflops_fp32 = c->gflops_fp32;
      info_.peak_gflops_fp16 = c->gflops_fp16;
      info_.bandwidth_gbps = c->bandwidth_gbps;
      info_.launch_overhead_us = c->launch_overhead_us;
    });
    return info_;
  }

  absl::Status Supports(const graph::Node& n) const override {
    if (!n.domain.empty() && n.domain != "ai.onnx")
      return absl::UnimplementedError(
          absl::StrCat("vulkan: no shader for domain '", n.domain, "' (", n.op_type, ")"));
    if (!FindOp(n.op_type))
      return absl::UnimplementedError(absl::StrCat("vulkan: no shader for ", n.op_type));
    if (auto a = FusedActivation(n); !a.ok()) return a.status();
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<backends::CompiledPartition>> Compile(
      std::shared_ptr<const graph::Graph> g, const backends::CompileOptions&) override {
    for (const auto& n : g->nodes)
      if (auto s = Supports(n); !s.ok()) return s;
    auto ctx = Ctx();
    if (!ctx.ok()) return ctx.status();
    std::shared_ptr<Context> c = *std::move(ctx);
    std::unique_ptr<backends::CompiledPartition> inner(new VulkanPartition(c, g));
    // Shape-deciding graph inputs (Reshape's shape, Clip's min/max...): planned per run from
    // their values, on a copy of the graph where they are constants.
    return backends::WithRunTimeValues(
        std::move(g), std::move(inner),
        [c](std::shared_ptr<const graph::Graph> spec)
            -> absl::StatusOr<std::unique_ptr<backends::CompiledPartition>> {
          return std::unique_ptr<backends::CompiledPartition>(new VulkanPartition(c, spec));
        });
  }

 private:
  int device_;
  mutable std::mutex mu_;
  mutable std::shared_ptr<Context> ctx_;
  mutable backends::BackendInfo info_;
  mutable std::once_flag calibrated_;
};

}  // namespace vulkan_backend

absl::StatusOr<std::unique_ptr<backends::Backend>> CreateVulkanBackend(int device, int threads) {
  auto names = Context::DeviceNames();
  if (!names.ok()) return names.status();
  if (device < 0 || device >= static_cast<int>(names->size()))
    return absl::NotFoundError(absl::StrCat("vulkan: no device ", device, " (", names->size(),
                                            " Vulkan device(s) on this machine)"));
  return std::unique_ptr<backends::Backend>(
      new vulkan_backend::VulkanBackend(device, (*names)[device], threads));
}

absl::StatusOr<std::vector<backends::DeviceDescription>> ListVulkanDevices() {
  auto caps = Context::Enumerate();
  if (!caps.ok()) {
    // No loader or no driver is "no devices", not an error for discovery.
    if (absl::IsFailedPrecondition(caps.status()) || absl::IsInternal(caps.status())) {
      spdlog::debug("vulkan: no devices: {}", std::string(caps.status().message()));
      return std::vector<backends::DeviceDescription>{};
    }
    return caps.status();
  }
  std::vector<backends::DeviceDescription> out;
  for (const auto& c : *caps) out.push_back(c.desc);
  return out;
}

}  // namespace socd::vulkan
