// A compiled partition on one Vulkan device. Prepare turns the static plan into dispatches,
// uploads constants once, and places every intermediate in one arena (a UnifiedBuffer imported
// with VK_EXT_external_memory_host, or device-local memory when staging). Run records one
// command buffer (all dispatches with barriers and timestamps), submits it once and waits on
// one fence.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "backends/backend.h"
#include "backends/memory/unified_buffer.h"
#include "backends/static_plan.h"
#include "backends/vulkan/vk_context.h"
#include "backends/vulkan/vk_kernel.h"

namespace socd::vulkan {

// What the last Run did with memory, for tests and logs.
struct VulkanRunInfo {
  int inputs_imported = 0;    // caller input memory bound directly (zero copy)
  int inputs_staged = 0;      // caller input copied (counted) into device-visible memory
  int outputs_imported = 0;   // out_dest bound directly: kernels wrote into caller memory
  int outputs_copied = 0;     // outputs copied (counted) to out_dest / host
  int import_cache_hits = 0;  // imports reused from an earlier run
  // For each import made or reused this run: the caller's pointer and the host pointer of the
  // Vulkan buffer bound to the shaders (equal: nothing in between).
  std::vector<std::pair<const void*, const void*>> imports;
};

struct DispatchTiming {
  std::string label;
  std::string shader;
  double us = 0;
};

class VulkanPartition : public backends::CompiledPartition {
 public:
  VulkanPartition(std::shared_ptr<Context> ctx, std::shared_ptr<const graph::Graph> g);
  ~VulkanPartition() override;
  absl::Status Prepare(const std::vector<graph::Shape>& input_shapes) override;
  absl::Status Run(const std::vector<graph::TensorView>& inputs,
                   std::vector<graph::TensorView>& outputs,
                   const std::vector<void*>& out_dest = {}) override;
  std::vector<graph::TensorView> planned_outputs() const override;
  backends::RunStats stats() const override { return stats_; }

  const VulkanRunInfo& last_run() const { return run_info_; }
  // Per-dispatch GPU time of the last run (timestamp queries); empty without timestamps.
  const std::vector<DispatchTiming>& dispatch_timings() const { return timings_; }
  size_t dispatch_count() const { return dispatches_.size(); }
  // Host pointer of the arena (null when the arena is device-local).
  void* arena_host() const { return arena_host_ ? arena_host_->data() : nullptr; }
  double prepare_ms() const { return prepare_ms_; }

 private:
  struct Bound {
    VkBuffer buf = VK_NULL_HANDLE;
    VkDeviceSize offset = 0, range = 0;
    bool operator==(const Bound& o) const {
      return buf == o.buf && offset == o.offset && range == o.range;
    }
  };
  struct Prepared {
    Dispatch d;
    const Pipeline* pipeline = nullptr;
    VkDescriptorSet set = VK_NULL_HANDLE;
    std::vector<Bound> bound;  // what the set currently points at
  };
  absl::Status BuildDispatches();
  absl::Status UploadConstants();
  absl::Status AllocateArena();
  absl::Status AllocateDescriptors();
  // Buffer for caller memory: an import (cached by pointer and size) or nullptr when the
  // memory cannot be imported.
  Buffer* ImportCached(const void* p, size_t bytes, bool* hit);
  Bound Resolve(const Binding& b) const;
  absl::Status Record(const std::vector<graph::TensorView>& inputs);
  void ReleaseDescriptors();

  std::shared_ptr<Context> ctx_;
  std::shared_ptr<const graph::Graph> g_;
  bool prepared_ = false;
  std::vector<graph::Shape> prepared_shapes_;
  backends::StaticPlan plan_;
  std::vector<Prepared> dispatches_;
  backends::RunStats stats_;
  double prepare_ms_ = 0;

  // Arena: zero-copy = imported UnifiedBuffer; staging = device-local.
  std::unique_ptr<memory::UnifiedBuffer> arena_host_;
  std::unique_ptr<Buffer> arena_;
  // Constants (fp32 copies and fp16 conversions of weights), uploaded once at Prepare.
  std::unique_ptr<memory::UnifiedBuffer> const_host_;
  std::unique_ptr<Buffer> consts_;
  std::map<std::pair<int, bool>, size_t> const_offset_;
  // Per graph input: where shaders read it this run.
  std::vector<Buffer*> input_buf_;
  std::vector<std::unique_ptr<memory::UnifiedBuffer>> input_stage_host_;
  std::vector<std::unique_ptr<Buffer>> input_stage_;   // imported stage, or host-visible stage
  std::vector<std::unique_ptr<Buffer>> input_device_;  // staging mode: device-local copies
  std::vector<bool> input_used_;
  // Staging mode: host-visible buffers the outputs are copied back into.
  std::vector<std::unique_ptr<Buffer>> output_stage_;
  std::vector<std::unique_ptr<memory::UnifiedBuffer>> output_host_;
  // Storage-root overrides for outputs written straight into out_dest (zero-copy).
  std::map<int, Buffer*> root_override_;
  struct ImportKey {
    const void* p;
    size_t bytes;
    uint64_t serial;  // registration (0: unregistered memory, dropped after the run)
    bool operator<(const ImportKey& o) const {
      return std::tie(p, bytes, serial) < std::tie(o.p, o.bytes, o.serial);
    }
  };
  std::map<ImportKey, std::unique_ptr<Buffer>> imports_;

  VkDescriptorPool desc_pool_ = VK_NULL_HANDLE;
  VkCommandBuffer cmd_ = VK_NULL_HANDLE;
  VkQueryPool queries_ = VK_NULL_HANDLE;
  VulkanRunInfo run_info_;
  std::vector<DispatchTiming> timings_;
};

}  // namespace socd::vulkan
