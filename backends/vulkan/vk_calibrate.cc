#include "backends/vulkan/vk_calibrate.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "backends/cache_dir.h"

namespace socd::vulkan {
namespace vk_calibrate {

using Clock = std::chrono::steady_clock;

// Runs `dispatches` dispatches of `p` (bindings `bufs`) in one command buffer; wall time in s.
absl::StatusOr<double> Time(Context& ctx, const Pipeline* p, const std::vector<VkBuffer>& bufs,
                            const std::vector<int32_t>& push, uint32_t gx, uint32_t gy,
                            int dispatches) {
  VkDevice d = ctx.device();
  VkDescriptorPool pool = VK_NULL_HANDLE;
  VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, static_cast<uint32_t>(bufs.size())};
  VkDescriptorPoolCreateInfo pci{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  pci.maxSets = 1;
  pci.poolSizeCount = 1;
  pci.pPoolSizes = &size;
  SOCD_VK_CALL(vkCreateDescriptorPool(d, &pci, nullptr, &pool));
  VkCommandBuffer cb = VK_NULL_HANDLE;
  auto cleanup = [&] {
    if (cb) vkFreeCommandBuffers(d, ctx.command_pool(), 1, &cb);
    vkDestroyDescriptorPool(d, pool, nullptr);
  };
  VkDescriptorSet set = VK_NULL_HANDLE;
  VkDescriptorSetAllocateInfo ai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
  ai.descriptorPool = pool;
  ai.descriptorSetCount = 1;
  ai.pSetLayouts = &p->set_layout;
  if (VkResult r = vkAllocateDescriptorSets(d, &ai, &set); r != VK_SUCCESS) {
    cleanup();
    return VkError("vkAllocateDescriptorSets", r);
  }
  std::vector<VkDescriptorBufferInfo> infos;
  std::vector<VkWriteDescriptorSet> writes;
  infos.reserve(bufs.size());
  for (size_t i = 0; i < bufs.size(); ++i) {
    infos.push_back({bufs[i], 0, VK_WHOLE_SIZE});
    VkWriteDescriptorSet w{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    w.dstSet = set;
    w.dstBinding = static_cast<uint32_t>(i);
    w.descriptorCount = 1;
    w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    w.pBufferInfo = &infos.back();
    writes.push_back(w);
  }
  vkUpdateDescriptorSets(d, static_cast<uint32_t>(writes.size()), writes.data(), 0, nullptr);
  VkCommandBufferAllocateInfo cai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  cai.commandPool = ctx.command_pool();
  cai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  cai.commandBufferCount = 1;
  if (VkResult r = vkAllocateCommandBuffers(d, &cai, &cb); r != VK_SUCCESS) {
    cleanup();
    return VkError("vkAllocateCommandBuffers", r);
  }
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  vkBeginCommandBuffer(cb, &bi);
  VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
  for (int i = 0; i < dispatches; ++i) {
    vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, p->pipeline);
    vkCmdBindDescriptorSets(cb, VK_PIPELINE_BIND_POINT_COMPUTE, p->layout, 0, 1, &set, 0, nullptr);
    vkCmdPushConstants(cb, p->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
                       static_cast<uint32_t>(push.size() * 4), push.data());
    vkCmdDispatch(cb, gx, gy, 1);
    vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                         VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &mb, 0, nullptr, 0, nullptr);
  }
  if (VkResult r = vkEndCommandBuffer(cb); r != VK_SUCCESS) {
    cleanup();
    return VkError("vkEndCommandBuffer", r);
  }
  auto t0 = Clock::now();
  absl::Status s = ctx.SubmitAndWait(cb);
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  cleanup();
  if (!s.ok()) return s;
  return secs;
}

}  // namespace vk_calibrate

absl::StatusOr<Calibration> Calibrate(Context& ctx) {
  Calibration c;
  std::string path;
  if (auto dir = backends::CacheDir("vulkan"); dir.ok()) {
    // v2: bandwidth from shaders/stream.comp (v1 timed the strided copy kernel); v3: + fp16.
    path = absl::StrCat(*dir, "/calibration-v3-", ctx.CacheKey(), ".txt");
    std::ifstream f(path);
    if (f >> c.gflops_fp32 >> c.bandwidth_gbps >> c.launch_overhead_us >> c.gflops_fp16) {
      c.from_cache = true;
      return c;
    }
  }
  // FMA throughput: 64K invocations x 8 chains x `iters` FMAs.
  const uint32_t invocations = 1 << 16;
  const int iters = 256;
  auto out = ctx.AllocateDeviceLocal(invocations * 4);
  if (!out.ok()) return out.status();
  auto fma = ctx.GetPipeline("calib", false, {}, 1);
  if (!fma.ok()) return fma.status();
  if (auto w = vk_calibrate::Time(ctx, *fma, {(*out)->handle()}, {iters}, invocations / 64, 1, 1);
      !w.ok())
    return w.status();  // warm-up (first-run compilation inside the driver)
  auto t = vk_calibrate::Time(ctx, *fma, {(*out)->handle()}, {iters}, invocations / 64, 1, 1);
  if (!t.ok()) return t.status();
  c.gflops_fp32 = 2.0 * 8 * iters * invocations / *t / 1e9;
  // fp16: the same chains as f16vec2 (4 flops per FMA), where the device has fp16 arithmetic.
  if (ctx.caps().shader_float16) {
    auto h = ctx.GetPipeline("calib_f16", false, {}, 1);
    if (!h.ok()) return h.status();
    if (auto w = vk_calibrate::Time(ctx, *h, {(*out)->handle()}, {iters}, invocations / 64, 1, 1);
        !w.ok())
      return w.status();
    auto th = vk_calibrate::Time(ctx, *h, {(*out)->handle()}, {iters}, invocations / 64, 1, 1);
    if (!th.ok()) return th.status();
    c.gflops_fp16 = 4.0 * 8 * iters * invocations / *th / 1e9;
  } else {
    spdlog::info("vulkan: '{}' has no shaderFloat16: fp16 peak not measured (0)",
                 ctx.caps().desc.name);
  }
  // Bandwidth: copy 32 MiB (read + write).
  const size_t bytes = 32u << 20;
  auto src = ctx.AllocateDeviceLocal(bytes);
  auto dst = ctx.AllocateDeviceLocal(bytes);
  if (!src.ok()) return src.status();
  if (!dst.ok()) return dst.status();
  // A plain vec4 stream (shaders/stream.comp), warmed up once, then 3 copies in one submit.
  auto stream = ctx.GetPipeline("stream", false, {}, 2);
  if (!stream.ok()) return stream.status();
  const int32_t vec4s = static_cast<int32_t>(bytes / 16);
  // 256 workgroups of 64: enough to fill a GPU's cores, few enough for lavapipe.
  const uint32_t vx = 256, vy = 1;
  const std::vector<VkBuffer> pair = {(*src)->handle(), (*dst)->handle()};
  if (auto w = vk_calibrate::Time(ctx, *stream, pair, {vec4s}, vx, vy, 1); !w.ok())
    return w.status();
  auto bw = vk_calibrate::Time(ctx, *stream, pair, {vec4s}, vx, vy, 3);
  if (!bw.ok()) return bw.status();
  // The strided copy kernel: launch overhead below.
  auto copy = ctx.GetPipeline("copy", false, {}, 2);
  if (!copy.ok()) return copy.status();
  const int32_t words = static_cast<int32_t>(bytes / 4);
  std::vector<int32_t> push(22, 0);
  push[0] = words;
  push[1] = 1;
  push[2] = words;
  push[8] = 1;
  push[14] = 1;
  c.bandwidth_gbps = 3.0 * 2 * bytes / *bw / 1e9;
  // Launch overhead: the slope between 1 and 201 one-workgroup dispatches in one submit.
  std::vector<int32_t> tiny = push;
  tiny[0] = tiny[2] = 64;
  auto one = vk_calibrate::Time(ctx, *copy, {(*src)->handle(), (*dst)->handle()}, tiny, 1, 1, 1);
  auto many = vk_calibrate::Time(ctx, *copy, {(*src)->handle(), (*dst)->handle()}, tiny, 1, 1, 201);
  if (!one.ok()) return one.status();
  if (!many.ok()) return many.status();
  c.launch_overhead_us = std::max(0.0, (*many - *one) / 200 * 1e6);
  spdlog::info(
      "vulkan: calibrated '{}': {:.1f} GFLOP/s fp32, {:.1f} GFLOP/s fp16, {:.1f} GB/s, {:.1f} "
      "us/dispatch",
      ctx.caps().desc.name, c.gflops_fp32, c.gflops_fp16, c.bandwidth_gbps, c.launch_overhead_us);
  if (!path.empty()) {
    const std::string tmp = absl::StrCat(path, ".tmp");
    {
      std::ofstream f(tmp, std::ios::trunc);
      f << c.gflops_fp32 << " " << c.bandwidth_gbps << " " << c.launch_overhead_us << " "
        << c.gflops_fp16 << "\n";
    }
    std::rename(tmp.c_str(), path.c_str());
  }
  return c;
}

}  // namespace socd::vulkan
