// VulkanPartition::Run: binds caller memory (imported, or staged through the counting copy),
// records the partition's one command buffer, submits it once and reads timestamps.
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "backends/memory/copy.h"
#include "backends/vulkan/vk_host_memory.h"
#include "backends/vulkan/vk_partition.h"

namespace socd::vulkan {
namespace vk_partition_run {

size_t RoundUp(size_t v, size_t a) { return a ? (v + a - 1) / a * a : v; }

}  // namespace vk_partition_run

using backends::ValueLocation;

Buffer* VulkanPartition::ImportCached(const void* p, size_t bytes, bool* hit) {
  *hit = false;
  if (!ctx_->zero_copy() || !p || bytes == 0) return nullptr;
  const size_t align = ctx_->caps().import_alignment;
  const size_t rounded = vk_partition_run::RoundUp(bytes, align);
  // Registered UnifiedBuffers are mapped to a page boundary, so their tail may be imported.
  const uint64_t serial =
      memory::IsImportable(p, rounded, align) ? RegisteredHostMemory(p, rounded) : 0;
  const size_t size = serial ? rounded : bytes;
  if (!serial && !memory::IsImportable(p, bytes, align)) return nullptr;
  const ImportKey key{p, size, serial};
  auto it = imports_.find(key);
  if (it != imports_.end()) {
    *hit = true;
    return it->second.get();
  }
  auto b = ctx_->ImportHost(const_cast<void*>(p), size);
  if (!b.ok()) {
    spdlog::debug("vulkan: import of caller memory failed, staging instead: {}",
                  std::string(b.status().message()));
    return nullptr;
  }
  Buffer* out = b->get();
  imports_[key] = *std::move(b);
  return out;
}

VulkanPartition::Bound VulkanPartition::Resolve(const Binding& b) const {
  const int v = b.value;
  const ValueLocation& loc = plan_.locs[v];
  const size_t es = b.half ? 2 : graph::DTypeSize(plan_.vals[v].dtype);
  const int64_t n = std::max<int64_t>(0, graph::NumElements(plan_.vals[v].shape));
  const int64_t count = b.count < 0 ? n - b.first : b.count;
  Bound out;
  // Whole words: shaders address 32-bit elements (a bool mask is filled word by word); every
  // slot is aligned to at least 64 bytes, so rounding up stays inside it.
  out.range = (static_cast<VkDeviceSize>(count) * es + 3) / 4 * 4;
  const VkDeviceSize sub = static_cast<VkDeviceSize>(b.first) * es;
  if (out.range == 0) {
    // Empty tensors are never read; any valid range will do.
    out.buf = consts_->handle();
    out.offset = 0;
    out.range = 16;
    return out;
  }
  auto ov = root_override_.find(plan_.root[v]);
  if (ov != root_override_.end()) {
    out.buf = ov->second->handle();
    out.offset = sub;
    return out;
  }
  switch (loc.kind) {
    case ValueLocation::kArena:
      out.buf = arena_->handle();
      out.offset = loc.offset + sub;
      break;
    case ValueLocation::kInput:
      out.buf = input_buf_[loc.input]->handle();
      out.offset = sub;
      break;
    case ValueLocation::kConstant:
      out.buf = consts_->handle();
      out.offset = const_offset_.at({v, b.half}) + sub;
      break;
    default:
      out.buf = consts_->handle();
      out.offset = 0;
      out.range = 16;
      break;
  }
  return out;
}

absl::Status VulkanPartition::Run(const std::vector<graph::TensorView>& inputs,
                                  std::vector<graph::TensorView>& outputs,
                                  const std::vector<void*>& out_dest) {
  const graph::Graph& g = *g_;
  if (inputs.size() != g.inputs.size()) return backends::CheckRunInputs(g, inputs, "vulkan");
  std::vector<graph::Shape> shapes;
  for (const auto& t : inputs) shapes.push_back(t.shape);
  if (auto s = Prepare(shapes); !s.ok()) return s;
  if (auto s = backends::CheckRunInputs(g, inputs, "vulkan"); !s.ok()) return s;
  run_info_ = {};
  // Imports of memory that is not (or no longer) registered are not kept: the address may
  // have been freed and reused.
  for (auto it = imports_.begin(); it != imports_.end();) {
    if (it->first.serial == 0 ||
        RegisteredHostMemory(it->first.p, it->first.bytes) != it->first.serial)
      it = imports_.erase(it);
    else
      ++it;
  }
  // Inputs: imported where the caller's memory allows, else copied through the choke point.
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!input_used_[i]) continue;
    const size_t bytes = inputs[i].bytes();
    bool hit = false;
    Buffer* b = ImportCached(inputs[i].data, bytes, &hit);
    if (b) {
      input_buf_[i] = b;
      ++run_info_.inputs_imported;
      run_info_.import_cache_hits += hit ? 1 : 0;
      run_info_.imports.push_back({inputs[i].data, b->host()});
      continue;
    }
    void* stage = ctx_->zero_copy() ? input_stage_host_[i]->data() : input_stage_[i]->host();
    if (bytes) memory::CopyBytes(stage, inputs[i].data, bytes);
    input_buf_[i] = ctx_->zero_copy() ? input_stage_[i].get() : input_device_[i].get();
    ++run_info_.inputs_staged;
  }
  // Outputs the caller wants in its own memory: the producing dispatch writes there directly.
  root_override_.clear();
  for (size_t k = 0; k < out_dest.size() && k < g.outputs.size(); ++k) {
    const int o = g.outputs[k];
    if (!out_dest[k] || plan_.locs[o].kind != ValueLocation::kArena ||
        root_override_.count(plan_.root[o]))
      continue;
    bool hit = false;
    const size_t bytes =
        graph::TensorView{plan_.vals[o].dtype, plan_.vals[o].shape, nullptr}.bytes();
    Buffer* b = ImportCached(out_dest[k], bytes, &hit);
    if (!b) continue;
    root_override_[plan_.root[o]] = b;
    run_info_.import_cache_hits += hit ? 1 : 0;
    run_info_.imports.push_back({out_dest[k], b->host()});
  }
  // Descriptor sets change only where a binding's buffer changed since the last run.
  std::vector<VkDescriptorBufferInfo> infos;
  std::vector<VkWriteDescriptorSet> writes;
  for (Prepared& p : dispatches_) {
    bool changed = false;
    std::vector<Bound> now;
    for (const Binding& b : p.d.bindings) now.push_back(Resolve(b));
    for (size_t i = 0; i < now.size(); ++i) changed |= !(now[i] == p.bound[i]);
    if (!changed) continue;
    for (size_t i = 0; i < now.size(); ++i) {
      if (now[i].range > ctx_->caps().max_storage_range)
        return absl::UnimplementedError(absl::StrCat("vulkan: ", p.d.label, ": a ", now[i].range,
                                                     "-byte tensor exceeds maxStorageBufferRange (",
                                                     ctx_->caps().max_storage_range, ")"));
    }
    infos.clear();
    writes.clear();
    infos.reserve(now.size());
    for (size_t i = 0; i < now.size(); ++i) {
      infos.push_back({now[i].buf, now[i].offset, now[i].range});
      VkWriteDescriptorSet w{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
      w.dstSet = p.set;
      w.dstBinding = static_cast<uint32_t>(i);
      w.descriptorCount = 1;
      w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      w.pBufferInfo = &infos.back();
      writes.push_back(w);
    }
    vkUpdateDescriptorSets(ctx_->device(), static_cast<uint32_t>(writes.size()), writes.data(), 0,
                           nullptr);
    p.bound = std::move(now);
  }
  if (auto s = Record(inputs); !s.ok()) return s;
  if (auto s = ctx_->SubmitAndWait(cmd_); !s.ok()) return s;
  // Per-dispatch GPU time from the timestamps written after each dispatch.
  timings_.clear();
  if (queries_ && !dispatches_.empty()) {
    std::vector<uint64_t> ts(dispatches_.size() + 1);
    VkResult r = vkGetQueryPoolResults(ctx_->device(), queries_, 0,
                                       static_cast<uint32_t>(ts.size()), ts.size() * 8, ts.data(),
                                       8, VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT);
    if (r == VK_SUCCESS) {
      const double ns = ctx_->caps().timestamp_period_ns;
      for (size_t i = 0; i < dispatches_.size(); ++i) {
        timings_.push_back({dispatches_[i].d.label, dispatches_[i].d.shader,
                            static_cast<double>(ts[i + 1] - ts[i]) * ns / 1000.0});
        spdlog::debug("vulkan: dispatch {} {} ({}): {:.1f} us", i, dispatches_[i].d.label,
                      dispatches_[i].d.shader, timings_.back().us);
      }
    }
  }
  outputs.clear();
  for (size_t k = 0; k < g.outputs.size(); ++k) {
    const int o = g.outputs[k];
    const ValueLocation& loc = plan_.locs[o];
    graph::TensorView t{plan_.vals[o].dtype, plan_.vals[o].shape, nullptr};
    auto ov = root_override_.find(plan_.root[o]);
    if (ov != root_override_.end()) {
      t.data = out_dest[k];
      ++run_info_.outputs_imported;
    } else if (loc.kind == ValueLocation::kArena) {
      if (ctx_->zero_copy()) {
        t.data = static_cast<uint8_t*>(arena_host_->data()) + loc.offset;
      } else {
        // Staging: the device-to-host transfer lands in host-visible memory; moving it to
        // the caller's side goes through the counting copy, so bytes_copied shows it.
        void* dst = k < out_dest.size() && out_dest[k] ? out_dest[k] : output_host_[k]->data();
        if (t.bytes()) memory::CopyBytes(dst, output_stage_[k]->host(), t.bytes());
        t.data = dst;
        if (dst == (k < out_dest.size() ? out_dest[k] : nullptr)) ++run_info_.outputs_copied;
      }
    } else if (loc.kind == ValueLocation::kInput) {
      t.data = inputs[loc.input].data;
    } else if (loc.kind == ValueLocation::kConstant) {
      t.data = const_cast<void*>(loc.ptr);
    }
    if (k < out_dest.size() && out_dest[k] && t.data != out_dest[k]) {
      if (t.bytes()) memory::CopyBytes(out_dest[k], t.data, t.bytes());
      t.data = out_dest[k];
      ++run_info_.outputs_copied;
    }
    outputs.push_back(t);
  }
  return absl::OkStatus();
}

absl::Status VulkanPartition::Record(const std::vector<graph::TensorView>& inputs) {
  const graph::Graph& g = *g_;
  SOCD_VK_CALL(vkResetCommandBuffer(cmd_, 0));
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  SOCD_VK_CALL(vkBeginCommandBuffer(cmd_, &bi));
  VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  if (queries_) {
    vkCmdResetQueryPool(cmd_, queries_, 0, static_cast<uint32_t>(dispatches_.size() + 1));
    vkCmdWriteTimestamp(cmd_, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, queries_, 0);
  }
  if (!ctx_->zero_copy()) {
    // Staging: host-visible copies of the inputs go to their device-local buffers first.
    bool any = false;
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!input_used_[i] || input_buf_[i] != input_device_[i].get()) continue;
      VkBufferCopy region{0, 0, std::max<VkDeviceSize>(inputs[i].bytes(), 4)};
      vkCmdCopyBuffer(cmd_, input_stage_[i]->handle(), input_device_[i]->handle(), 1, &region);
      any = true;
    }
    if (any) {
      mb.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
      mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT;
      vkCmdPipelineBarrier(cmd_, VK_PIPELINE_STAGE_TRANSFER_BIT,
                           VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &mb, 0, nullptr, 0, nullptr);
    }
  } else {
    // Host writes (inputs, staged copies) must be visible to the shaders.
    mb.srcAccessMask = VK_ACCESS_HOST_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT;
    vkCmdPipelineBarrier(cmd_, VK_PIPELINE_STAGE_HOST_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0,
                         1, &mb, 0, nullptr, 0, nullptr);
  }
  for (size_t i = 0; i < dispatches_.size(); ++i) {
    const Prepared& p = dispatches_[i];
    vkCmdBindPipeline(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, p.pipeline->pipeline);
    vkCmdBindDescriptorSets(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, p.pipeline->layout, 0, 1, &p.set,
                            0, nullptr);
    if (!p.d.push.empty())
      vkCmdPushConstants(cmd_, p.pipeline->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
                         static_cast<uint32_t>(p.d.push.size() * 4), p.d.push.data());
    vkCmdDispatch(cmd_, p.d.groups[0], p.d.groups[1], p.d.groups[2]);
    if (queries_)
      vkCmdWriteTimestamp(cmd_, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries_,
                          static_cast<uint32_t>(i + 1));
    mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
    vkCmdPipelineBarrier(cmd_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                         VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &mb, 0, nullptr, 0, nullptr);
  }
  if (!ctx_->zero_copy()) {
    mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
    vkCmdPipelineBarrier(cmd_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
                         0, 1, &mb, 0, nullptr, 0, nullptr);
    for (size_t k = 0; k < g.outputs.size(); ++k) {
      const int o = g.outputs[k];
      if (!output_stage_[k]) continue;
      const size_t bytes =
          graph::TensorView{plan_.vals[o].dtype, plan_.vals[o].shape, nullptr}.bytes();
      if (!bytes) continue;
      VkBufferCopy region{plan_.locs[o].offset, 0, bytes};
      vkCmdCopyBuffer(cmd_, arena_->handle(), output_stage_[k]->handle(), 1, &region);
    }
    mb.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(cmd_, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1,
                         &mb, 0, nullptr, 0, nullptr);
  } else {
    mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(cmd_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0,
                         1, &mb, 0, nullptr, 0, nullptr);
  }
  SOCD_VK_CALL(vkEndCommandBuffer(cmd_));
  return absl::OkStatus();
}

}  // namespace socd::vulkan
