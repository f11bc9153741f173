#include "backends/vulkan/vk_partition.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/memory/copy.h"
#include "backends/vulkan/vk_host_memory.h"
#include "graph/shape_inference.h"

namespace socd::vulkan {
namespace vk_partition {

using backends::ValueLocation;

size_t RoundUp(size_t v, size_t a) { return a ? (v + a - 1) / a * a : v; }

size_t ValueBytes(const backends::StaticPlan& p, int v, bool half) {
  const size_t n = static_cast<size_t>(std::max<int64_t>(0, graph::NumElements(p.vals[v].shape)));
  return n * (half ? 2 : graph::DTypeSize(p.vals[v].dtype));
}

}  // namespace vk_partition

using backends::ValueLocation;
using vk_partition::RoundUp;
using vk_partition::ValueBytes;

VulkanPartition::VulkanPartition(std::shared_ptr<Context> ctx,
                                 std::shared_ptr<const graph::Graph> g)
    : ctx_(std::move(ctx)), g_(std::move(g)) {}

VulkanPartition::~VulkanPartition() {
  VkDevice d = ctx_->device();
  vkDeviceWaitIdle(d);
  ReleaseDescriptors();
  if (queries_) vkDestroyQueryPool(d, queries_, nullptr);
  if (cmd_) vkFreeCommandBuffers(d, ctx_->command_pool(), 1, &cmd_);
}

void VulkanPartition::ReleaseDescriptors() {
  if (desc_pool_) vkDestroyDescriptorPool(ctx_->device(), desc_pool_, nullptr);
  desc_pool_ = VK_NULL_HANDLE;
}

std::vector<graph::TensorView> VulkanPartition::planned_outputs() const {
  std::vector<graph::TensorView> out;
  if (!prepared_) return out;
  for (int o : g_->outputs) out.push_back({plan_.vals[o].dtype, plan_.vals[o].shape, nullptr});
  return out;
}

absl::Status VulkanPartition::Prepare(const std::vector<graph::Shape>& input_shapes) {
  if (prepared_ && input_shapes == prepared_shapes_) return absl::OkStatus();
  const auto t0 = std::chrono::steady_clock::now();
  prepared_ = false;
  vkDeviceWaitIdle(ctx_->device());
  ReleaseDescriptors();
  dispatches_.clear();
  if (input_shapes.size() != g_->inputs.size())
    return absl::InvalidArgumentError(absl::StrCat("vulkan: expected ", g_->inputs.size(),
                                                   " input shapes, got ", input_shapes.size()));
  graph::NodeEvaluator eval = cpu::EvaluateNode;
  backends::StaticPlanOptions po;
  po.evaluator = &eval;
  po.alignment = std::max<size_t>(64, ctx_->caps().storage_alignment);
  auto plan = backends::BuildStaticPlan(*g_, input_shapes, po);
  if (!plan.ok()) {
    if (graph::IsNeedsValue(plan.status())) {
      return absl::UnimplementedError(
          absl::StrCat("vulkan: shapes depend on run-time tensor values (", plan.status().message(),
                       "); the vulkan backend runs static plans only"));
    }
    return plan.status();
  }
  plan_ = *std::move(plan);
  if (auto s = BuildDispatches(); !s.ok()) return s;
  if (auto s = UploadConstants(); !s.ok()) return s;
  if (auto s = AllocateArena(); !s.ok()) return s;
  if (auto s = AllocateDescriptors(); !s.ok()) return s;
  ctx_->SavePipelineCache();
  stats_ = {};
  stats_.arena_bytes = plan_.arena_bytes;
  stats_.tensor_bytes = plan_.tensor_bytes;
  prepared_shapes_ = input_shapes;
  prepared_ = true;
  prepare_ms_ =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  spdlog::debug("vulkan: prepared {} dispatches, arena {} bytes, {:.1f} ms", dispatches_.size(),
                plan_.arena_bytes, prepare_ms_);
  return absl::OkStatus();
}

absl::Status VulkanPartition::BuildDispatches() {
  for (const backends::PlanStep& st : plan_.steps) {
    const graph::Node& n = g_->nodes[st.node];
    const OpEntry* op = FindOp(n.op_type);
    if (!op || !n.domain.empty())
      return absl::UnimplementedError(
          absl::StrCat("vulkan: no shader for ", n.Describe(), " (op ", n.op_type, ")"));
    KernelContext k{
        n, plan_, st.in_values, st.out_values, ctx_->fp16(), ctx_->caps().max_storage_range};
    k.typed = ctx_->caps().shader_int64;
    k.float64 = ctx_->caps().shader_float64;
    std::vector<Dispatch> ds;
    if (auto s = op->build(k, ds); !s.ok()) return s;
    for (Dispatch& d : ds) {
      // Tables become plan-time constant values of their own, placed and bound like weights.
      for (Binding& b : d.bindings) {
        if (b.table < 0) continue;
        if (static_cast<size_t>(b.table) >= d.tables.size())
          return absl::InternalError(absl::StrCat("vulkan: ", d.label, ": no table ", b.table));
        const std::shared_ptr<const graph::Tensor>& t = d.tables[b.table];
        b.value = static_cast<int>(plan_.vals.size());
        plan_.vals.push_back({t->dtype(), t->shape(), true, t});
        plan_.locs.push_back({ValueLocation::kConstant, 0, -1, t->data()});
        plan_.root.push_back(b.value);
        b.table = -1;
      }
      if (d.push.size() > static_cast<size_t>(kPushWords))
        return absl::InternalError(absl::StrCat("vulkan: ", d.label, ": too many push constants"));
      auto p = ctx_->GetPipeline(d.shader, d.fp16, d.spec, static_cast<int>(d.bindings.size()));
      if (!p.ok()) return p.status();
      Prepared pd;
      pd.d = std::move(d);
      pd.pipeline = *p;
      dispatches_.push_back(std::move(pd));
    }
  }
  return absl::OkStatus();
}

absl::Status VulkanPartition::UploadConstants() {
  const_offset_.clear();
  const size_t align = std::max<size_t>(256, ctx_->caps().storage_alignment);
  size_t total = 0;
  for (const Prepared& p : dispatches_) {
    for (const Binding& b : p.d.bindings) {
      if (plan_.locs[b.value].kind != ValueLocation::kConstant) continue;
      auto key = std::make_pair(b.value, b.half);
      if (const_offset_.count(key)) continue;
      const_offset_[key] = total;
      total = RoundUp(total + std::max<size_t>(ValueBytes(plan_, b.value, b.half), 4), align);
    }
  }
  total = std::max<size_t>(total, align);  // also the binding for empty tensors
  void* host = nullptr;
  std::unique_ptr<Buffer> stage;
  if (ctx_->zero_copy()) {
    auto ub = memory::UnifiedBuffer::Allocate(RoundUp(total, ctx_->caps().import_alignment),
                                              "socd-vk-consts");
    if (!ub.ok()) return ub.status();
    const_host_ = *std::move(ub);
    host = const_host_->data();
  } else {
    auto s = ctx_->AllocateHostVisible(total);
    if (!s.ok()) return s.status();
    stage = *std::move(s);
    host = stage->host();
  }
  for (const auto& [key, off] : const_offset_) {
    const auto& [v, half] = key;
    const graph::Tensor* t = plan_.vals[v].value.get();
    uint8_t* dst = static_cast<uint8_t*>(host) + off;
    if (half) {
      // Conversion to the fp16-storage variant's weights (not a copy of the tensor's bytes).
      const float* src = t->as<float>();
      uint16_t* h = reinterpret_cast<uint16_t*>(dst);
      for (int64_t i = 0; i < t->numel(); ++i) h[i] = graph::FloatToHalf(src[i]);
    } else {
      memory::CopyBytes(dst, t->data(), t->bytes());
    }
  }
  if (ctx_->zero_copy()) {
    auto b = ctx_->ImportHost(const_host_->data(), RoundUp(total, ctx_->caps().import_alignment));
    if (!b.ok()) return b.status();
    consts_ = *std::move(b);
    return absl::OkStatus();
  }
  auto dev = ctx_->AllocateDeviceLocal(total);
  if (!dev.ok()) return dev.status();
  consts_ = *std::move(dev);
  // One upload through the staging buffer (its host side was filled through CopyBytes).
  VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ai.commandPool = ctx_->command_pool();
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  if (!cmd_) SOCD_VK_CALL(vkAllocateCommandBuffers(ctx_->device(), &ai, &cmd_));
  SOCD_VK_CALL(vkResetCommandBuffer(cmd_, 0));
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  SOCD_VK_CALL(vkBeginCommandBuffer(cmd_, &bi));
  VkBufferCopy region{0, 0, total};
  vkCmdCopyBuffer(cmd_, stage->handle(), consts_->handle(), 1, &region);
  SOCD_VK_CALL(vkEndCommandBuffer(cmd_));
  return ctx_->SubmitAndWait(cmd_);
}

absl::Status VulkanPartition::AllocateArena() {
  const size_t bytes = std::max<size_t>(plan_.arena_bytes, 16);
  const size_t ia = ctx_->caps().import_alignment;
  const auto& g = *g_;
  input_used_.assign(g.inputs.size(), false);
  for (const Prepared& p : dispatches_)
    for (const Binding& b : p.d.bindings)
      if (plan_.locs[b.value].kind == ValueLocation::kInput)
        input_used_[plan_.locs[b.value].input] = true;
  input_buf_.assign(g.inputs.size(), nullptr);
  input_stage_host_.clear();
  input_stage_host_.resize(g.inputs.size());
  input_stage_.clear();
  input_stage_.resize(g.inputs.size());
  input_device_.clear();
  input_device_.resize(g.inputs.size());
  output_stage_.clear();
  output_stage_.resize(g.outputs.size());
  output_host_.clear();
  output_host_.resize(g.outputs.size());
  if (ctx_->zero_copy()) {
    if (!arena_host_ || arena_host_->size() < RoundUp(bytes, ia)) {
      arena_.reset();
      auto ub = memory::UnifiedBuffer::Allocate(RoundUp(bytes, ia), "socd-vk-arena");
      if (!ub.ok()) return ub.status();
      arena_host_ = *std::move(ub);
      auto b = ctx_->ImportHost(arena_host_->data(), arena_host_->size());
      if (!b.ok()) return b.status();
      arena_ = *std::move(b);
    }
    // Inputs that cannot be imported are copied (counted) into these imported buffers.
    for (size_t i = 0; i < g.inputs.size(); ++i) {
      if (!input_used_[i]) continue;
      const size_t ib = RoundUp(std::max<size_t>(ValueBytes(plan_, g.inputs[i], false), 4), ia);
      auto ub = memory::UnifiedBuffer::Allocate(ib, "socd-vk-input");
      if (!ub.ok()) return ub.status();
      input_stage_host_[i] = *std::move(ub);
      auto b = ctx_->ImportHost(input_stage_host_[i]->data(), ib);
      if (!b.ok()) return b.status();
      input_stage_[i] = *std::move(b);
    }
    return absl::OkStatus();
  }
  arena_host_.reset();
  if (!arena_ || arena_->size() < bytes) {
    auto b = ctx_->AllocateDeviceLocal(bytes);
    if (!b.ok()) return b.status();
    arena_ = *std::move(b);
  }
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    if (!input_used_[i]) continue;
    const size_t ib = RoundUp(std::max<size_t>(ValueBytes(plan_, g.inputs[i], false), 4), 4);
    auto s = ctx_->AllocateHostVisible(ib);
    if (!s.ok()) return s.status();
    input_stage_[i] = *std::move(s);
    auto d = ctx_->AllocateDeviceLocal(ib);
    if (!d.ok()) return d.status();
    input_device_[i] = *std::move(d);
  }
  for (size_t k = 0; k < g.outputs.size(); ++k) {
    const int o = g.outputs[k];
    if (plan_.locs[o].kind != ValueLocation::kArena) continue;
    auto s = ctx_->AllocateHostVisible(std::max<size_t>(ValueBytes(plan_, o, false), 4));
    if (!s.ok()) return s.status();
    output_stage_[k] = *std::move(s);
    auto h = memory::UnifiedBuffer::Allocate(std::max<size_t>(ValueBytes(plan_, o, false), 4),
                                             "socd-vk-output");
    if (!h.ok()) return h.status();
    output_host_[k] = *std::move(h);
  }
  return absl::OkStatus();
}

absl::Status VulkanPartition::AllocateDescriptors() {
  VkDevice d = ctx_->device();
  uint32_t total = 0;
  for (const Prepared& p : dispatches_) total += static_cast<uint32_t>(p.d.bindings.size());
  if (!dispatches_.empty()) {
    VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, std::max<uint32_t>(total, 1)};
    VkDescriptorPoolCreateInfo ci{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    ci.maxSets = static_cast<uint32_t>(dispatches_.size());
    ci.poolSizeCount = 1;
    ci.pPoolSizes = &size;
    SOCD_VK_CALL(vkCreateDescriptorPool(d, &ci, nullptr, &desc_pool_));
    std::vector<VkDescriptorSetLayout> layouts;
    for (const Prepared& p : dispatches_) layouts.push_back(p.pipeline->set_layout);
    std::vector<VkDescriptorSet> sets(layouts.size());
    VkDescriptorSetAllocateInfo ai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    ai.descriptorPool = desc_pool_;
    ai.descriptorSetCount = static_cast<uint32_t>(layouts.size());
    ai.pSetLayouts = layouts.data();
    SOCD_VK_CALL(vkAllocateDescriptorSets(d, &ai, sets.data()));
    for (size_t i = 0; i < sets.size(); ++i) {
      dispatches_[i].set = sets[i];
      dispatches_[i].bound.assign(dispatches_[i].d.bindings.size(), Bound{});
    }
  }
  if (!cmd_) {
    VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    ai.commandPool = ctx_->command_pool();
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ai.commandBufferCount = 1;
    SOCD_VK_CALL(vkAllocateCommandBuffers(d, &ai, &cmd_));
  }
  if (queries_) vkDestroyQueryPool(d, queries_, nullptr);
  queries_ = VK_NULL_HANDLE;
  if (ctx_->caps().timestamp_period_ns > 0) {
    VkQueryPoolCreateInfo qi{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
    qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
    qi.queryCount = static_cast<uint32_t>(dispatches_.size() + 1);
    SOCD_VK_CALL(vkCreateQueryPool(d, &qi, nullptr, &queries_));
  }
  return absl::OkStatus();
}

}  // namespace socd::vulkan
