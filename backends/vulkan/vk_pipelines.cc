// Compute pipelines built from the embedded SPIR-V, and the on-disk VkPipelineCache that makes a
// second process's pipeline builds cheap. The cache file is keyed by pipelineCacheUUID and the
// driver version (the same key Vulkan itself checks in the cache header), and written atomically
// (temp file + rename) because several processes (ctest -j, the conformance runner's children)
// share it.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/cache_dir.h"
#include "backends/vulkan/vk_context.h"
#include "backends/vulkan/vk_shaders.h"

namespace socd::vulkan {

std::string Context::CacheKey() const {
  std::string hex;
  for (uint8_t b : caps_.pipeline_cache_uuid) absl::StrAppend(&hex, absl::Hex(b, absl::kZeroPad2));
  return absl::StrCat(hex, "-", absl::Hex(caps_.vendor_id), "-", absl::Hex(caps_.device_id), "-",
                      caps_.driver_version);
}

absl::Status Context::LoadPipelineCache() {
  std::string data;
  auto dir = backends::CacheDir("vulkan");
  if (dir.ok()) {
    cache_path_ = absl::StrCat(*dir, "/pipelines-", CacheKey(), ".bin");
    std::ifstream f(cache_path_, std::ios::binary);
    if (f) data.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  VkPipelineCacheCreateInfo ci{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  ci.initialDataSize = data.size();
  ci.pInitialData = data.empty() ? nullptr : data.data();
  VkResult r = vkCreatePipelineCache(device_, &ci, nullptr, &pipeline_cache_);
  if (r != VK_SUCCESS && !data.empty()) {
    // A corrupt or foreign file: start empty rather than fail.
    ci.initialDataSize = 0;
    ci.pInitialData = nullptr;
    r = vkCreatePipelineCache(device_, &ci, nullptr, &pipeline_cache_);
  }
  if (r != VK_SUCCESS) return VkError("vkCreatePipelineCache", r);
  cache_loaded_bytes_ = ci.initialDataSize;
  spdlog::debug("vulkan: pipeline cache {} ({} bytes loaded)", cache_path_, data.size());
  if (!dir.ok()) return dir.status();
  return absl::OkStatus();
}

void Context::SavePipelineCache() {
  std::lock_guard<std::mutex> l(mu_);
  if (!cache_dirty_ || cache_path_.empty() || !pipeline_cache_) return;
  size_t n = 0;
  if (vkGetPipelineCacheData(device_, pipeline_cache_, &n, nullptr) != VK_SUCCESS) return;
  std::string data(n, '\0');
  if (vkGetPipelineCacheData(device_, pipeline_cache_, &n, data.data()) != VK_SUCCESS) return;
  data.resize(n);
  const std::string tmp = absl::StrCat(cache_path_, ".tmp.", getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!f) {
      spdlog::warn("vulkan: cannot write pipeline cache {}", tmp);
      std::remove(tmp.c_str());
      return;
    }
  }
  if (std::rename(tmp.c_str(), cache_path_.c_str()) != 0) {
    spdlog::warn("vulkan: cannot rename pipeline cache to {}", cache_path_);
    std::remove(tmp.c_str());
    return;
  }
  cache_dirty_ = false;
}

absl::StatusOr<VkDescriptorSetLayout> Context::SetLayout(int bindings) {
  auto it = set_layouts_.find(bindings);
  if (it != set_layouts_.end()) return it->second;
  std::vector<VkDescriptorSetLayoutBinding> b(bindings);
  for (int i = 0; i < bindings; ++i) {
    b[i].binding = static_cast<uint32_t>(i);
    b[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    b[i].descriptorCount = 1;
    b[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  }
  VkDescriptorSetLayoutCreateInfo ci{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  ci.bindingCount = static_cast<uint32_t>(bindings);
  ci.pBindings = b.data();
  VkDescriptorSetLayout l = VK_NULL_HANDLE;
  SOCD_VK_CALL(vkCreateDescriptorSetLayout(device_, &ci, nullptr, &l));
  set_layouts_[bindings] = l;
  return l;
}

absl::StatusOr<const Pipeline*> Context::GetPipeline(const std::string& name, bool fp16,
                                                     const std::vector<int32_t>& spec,
                                                     int bindings) {
  std::lock_guard<std::mutex> l(mu_);
  const EmbeddedShader* sh = FindEmbeddedShader(name);
  if (!sh) return absl::InternalError(absl::StrCat("vulkan: no embedded shader '", name, "'"));
  // Without shaderFloat64 the typed shaders' no-double build: any double in a module declares
  // the Float64 capability, which such a device rejects. Shaders without that variant declare
  // no double; typed shaders read no fp16 weights, so the fp16 variant never matters for them.
  const bool nof64 = !caps_.shader_float64 && sh->nof64 != nullptr;
  const std::string variant = nof64 ? "nof64" : fp16 ? "f16" : "f32";
  const std::string key =
      absl::StrCat(name, "/", variant, "/", bindings, "/", absl::StrJoin(spec, ","));
  auto it = pipelines_.find(key);
  if (it != pipelines_.end()) return it->second.get();
  const auto t0 = std::chrono::steady_clock::now();
  const std::string mkey = absl::StrCat(name, "/", variant);
  VkShaderModule& mod = modules_[mkey];
  if (!mod) {
    VkShaderModuleCreateInfo mci{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    mci.codeSize = nof64 ? sh->nof64_bytes : fp16 ? sh->f16_bytes : sh->f32_bytes;
    mci.pCode = nof64 ? sh->nof64 : fp16 ? sh->f16 : sh->f32;
    VkResult r = vkCreateShaderModule(device_, &mci, nullptr, &mod);
    if (r != VK_SUCCESS) {
      modules_.erase(mkey);
      return VkError(absl::StrCat("vkCreateShaderModule(", mkey, ")"), r);
    }
  }
  auto layout = SetLayout(bindings);
  if (!layout.ok()) return layout.status();
  auto p = std::make_unique<Pipeline>();
  p->set_layout = *layout;
  p->bindings = bindings;
  VkPushConstantRange pcr{VK_SHADER_STAGE_COMPUTE_BIT, 0, kPushWords * 4};
  VkPipelineLayoutCreateInfo lci{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  lci.setLayoutCount = 1;
  lci.pSetLayouts = &p->set_layout;
  lci.pushConstantRangeCount = 1;
  lci.pPushConstantRanges = &pcr;
  SOCD_VK_CALL(vkCreatePipelineLayout(device_, &lci, nullptr, &p->layout));
  std::vector<VkSpecializationMapEntry> entries(spec.size());
  for (size_t i = 0; i < spec.size(); ++i)
    entries[i] = {static_cast<uint32_t>(i), static_cast<uint32_t>(i * 4), 4};
  VkSpecializationInfo si{};
  si.mapEntryCount = static_cast<uint32_t>(entries.size());
  si.pMapEntries = entries.data();
  si.dataSize = spec.size() * 4;
  si.pData = spec.data();
  VkComputePipelineCreateInfo ci{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  ci.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
  ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  ci.stage.module = mod;
  ci.stage.pName = "main";
  ci.stage.pSpecializationInfo = spec.empty() ? nullptr : &si;
  ci.layout = p->layout;
  VkResult r = vkCreateComputePipelines(device_, pipeline_cache_, 1, &ci, nullptr, &p->pipeline);
  if (r != VK_SUCCESS) {
    vkDestroyPipelineLayout(device_, p->layout, nullptr);
    return VkError(absl::StrCat("vkCreateComputePipelines(", key, ")"), r);
  }
  cache_dirty_ = true;
  ++pipelines_built_;
  pipeline_build_ms_ +=
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  const Pipeline* out = p.get();
  pipelines_[key] = std::move(p);
  return out;
}

}  // namespace socd::vulkan
