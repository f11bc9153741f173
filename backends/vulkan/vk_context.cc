#include "backends/vulkan/vk_context.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "backends/memory/unified_buffer.h"
#include "backends/vulkan/vk_instance.h"

namespace socd::vulkan {
namespace vk_context {

bool EnvFlag(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::strcmp(v, "0") != 0;
}

std::mutex g_open_mu;
std::map<int, std::weak_ptr<Context>> g_open;

}  // namespace vk_context

std::string VkResultName(VkResult r) {
  switch (r) {
#define SOCD_VK_CASE(x) \
  case x:               \
    return #x;
    SOCD_VK_CASE(VK_SUCCESS)
    SOCD_VK_CASE(VK_NOT_READY)
    SOCD_VK_CASE(VK_TIMEOUT)
    SOCD_VK_CASE(VK_INCOMPLETE)
    SOCD_VK_CASE(VK_ERROR_OUT_OF_HOST_MEMORY)
    SOCD_VK_CASE(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    SOCD_VK_CASE(VK_ERROR_INITIALIZATION_FAILED)
    SOCD_VK_CASE(VK_ERROR_DEVICE_LOST)
    SOCD_VK_CASE(VK_ERROR_MEMORY_MAP_FAILED)
    SOCD_VK_CASE(VK_ERROR_LAYER_NOT_PRESENT)
    SOCD_VK_CASE(VK_ERROR_EXTENSION_NOT_PRESENT)
    SOCD_VK_CASE(VK_ERROR_FEATURE_NOT_PRESENT)
    SOCD_VK_CASE(VK_ERROR_INCOMPATIBLE_DRIVER)
    SOCD_VK_CASE(VK_ERROR_TOO_MANY_OBJECTS)
    SOCD_VK_CASE(VK_ERROR_FORMAT_NOT_SUPPORTED)
    SOCD_VK_CASE(VK_ERROR_FRAGMENTED_POOL)
    SOCD_VK_CASE(VK_ERROR_OUT_OF_POOL_MEMORY)
    SOCD_VK_CASE(VK_ERROR_INVALID_EXTERNAL_HANDLE)
    SOCD_VK_CASE(VK_ERROR_UNKNOWN)
#undef SOCD_VK_CASE
    default:
      return absl::StrCat("VkResult(", static_cast<int>(r), ")");
  }
}

absl::Status VkError(const std::string& call, VkResult r) {
  std::string msg = absl::StrCat("vulkan: ", call, " failed: ", VkResultName(r));
  if (r == VK_ERROR_OUT_OF_HOST_MEMORY || r == VK_ERROR_OUT_OF_DEVICE_MEMORY ||
      r == VK_ERROR_OUT_OF_POOL_MEMORY || r == VK_ERROR_TOO_MANY_OBJECTS)
    return absl::ResourceExhaustedError(msg);
  return absl::InternalError(msg);
}

absl::StatusOr<std::vector<DeviceCaps>> Context::Enumerate() {
  auto inst = AcquireInstance();
  if (!inst.ok()) return inst.status();
  auto pds = PhysicalDevices((*inst)->instance);
  if (!pds.ok()) return pds.status();
  std::vector<DeviceCaps> out;
  for (size_t i = 0; i < pds->size(); ++i)
    out.push_back(DescribeDevice((*pds)[i], static_cast<int>(i), (*inst)->api_version));
  return out;
}

absl::StatusOr<std::vector<std::string>> Context::DeviceNames() {
  auto inst = AcquireInstance();
  if (!inst.ok()) return inst.status();
  auto pds = PhysicalDevices((*inst)->instance);
  if (!pds.ok()) return pds.status();
  std::vector<std::string> out;
  for (VkPhysicalDevice pd : *pds) {
    VkPhysicalDeviceProperties props{};
    vkGetPhysicalDeviceProperties(pd, &props);
    out.push_back(props.deviceName);
  }
  return out;
}

absl::StatusOr<std::shared_ptr<Context>> Context::Open(int index) {
  std::lock_guard<std::mutex> l(vk_context::g_open_mu);
  if (auto live = vk_context::g_open[index].lock()) return live;
  std::shared_ptr<Context> c(new Context);
  if (auto s = c->Init(index); !s.ok()) return s;
  vk_context::g_open[index] = c;
  return c;
}

absl::Status Context::Init(int index) {
  // SOCD_VK_DEBUG=1: per-dispatch timings and device decisions in the log (the tools have no
  // log-level flag of their own).
  if (vk_context::EnvFlag("SOCD_VK_DEBUG")) spdlog::set_level(spdlog::level::debug);
  auto inst = AcquireInstance();
  if (!inst.ok()) return inst.status();
  instance_ = *inst;
  auto pds = PhysicalDevices(instance_->instance);
  if (!pds.ok()) return pds.status();
  if (index < 0 || index >= static_cast<int>(pds->size())) {
    return absl::NotFoundError(absl::StrCat("vulkan: no device ", index, " (", pds->size(),
                                            " Vulkan device(s) on this machine)"));
  }
  phys_ = (*pds)[index];
  caps_ = DescribeDevice(phys_, index, instance_->api_version);
  // Tests the no-float64 typed shaders on a device that has shaderFloat64 (lavapipe): the
  // feature is then neither enabled nor used, as on a GPU without it (most mobile ones).
  if (vk_context::EnvFlag("SOCD_VK_NO_FLOAT64")) caps_.shader_float64 = false;
  vkGetPhysicalDeviceMemoryProperties(phys_, &mem_props_);

  uint32_t qn = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(phys_, &qn, nullptr);
  std::vector<VkQueueFamilyProperties> qf(qn);
  vkGetPhysicalDeviceQueueFamilyProperties(phys_, &qn, qf.data());
  int family = -1;
  for (uint32_t i = 0; i < qn; ++i) {
    if (qf[i].queueFlags & VK_QUEUE_COMPUTE_BIT) {
      family = static_cast<int>(i);
      if (!(qf[i].queueFlags & VK_QUEUE_GRAPHICS_BIT)) break;  // prefer a compute-only queue
    }
  }
  if (family < 0)
    return absl::FailedPreconditionError(
        absl::StrCat("vulkan: device '", caps_.desc.name, "' has no compute queue"));
  queue_family_ = static_cast<uint32_t>(family);
  if (qf[family].timestampValidBits == 0) caps_.timestamp_period_ns = 0;

  float prio = 1.0f;
  VkDeviceQueueCreateInfo qci{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  qci.queueFamilyIndex = queue_family_;
  qci.queueCount = 1;
  qci.pQueuePriorities = &prio;
  std::vector<const char*> exts;
  if (caps_.host_import) {
    exts.push_back(VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME);
    get_host_ptr_props_ = nullptr;
  }
  VkPhysicalDevice16BitStorageFeatures s16{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
  s16.storageBuffer16BitAccess = caps_.fp16_storage ? VK_TRUE : VK_FALSE;
  // Typed shaders compute integers in 64 bits; the fp16 calibration needs fp16 arithmetic.
  VkPhysicalDeviceShaderFloat16Int8Features f16i8{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
  f16i8.shaderFloat16 = caps_.shader_float16 ? VK_TRUE : VK_FALSE;
  if (caps_.shader_float16 && caps_.float16_int8_ext)
    exts.push_back(VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME);
  VkPhysicalDeviceFeatures2 f2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  f2.features.shaderInt64 = caps_.shader_int64 ? VK_TRUE : VK_FALSE;
  f2.features.shaderFloat64 = caps_.shader_float64 ? VK_TRUE : VK_FALSE;
  f2.pNext = &s16;
  if (caps_.shader_float16) s16.pNext = &f16i8;
  VkDeviceCreateInfo dci{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  dci.pNext = &f2;
  dci.queueCreateInfoCount = 1;
  dci.pQueueCreateInfos = &qci;
  dci.enabledExtensionCount = static_cast<uint32_t>(exts.size());
  dci.ppEnabledExtensionNames = exts.data();
  SOCD_VK_CALL(vkCreateDevice(phys_, &dci, nullptr, &device_));
  vkGetDeviceQueue(device_, queue_family_, 0, &queue_);
  if (caps_.host_import) {
    get_host_ptr_props_ = reinterpret_cast<PFN_vkGetMemoryHostPointerPropertiesEXT>(
        vkGetDeviceProcAddr(device_, "vkGetMemoryHostPointerPropertiesEXT"));
  }
  VkCommandPoolCreateInfo pci{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pci.queueFamilyIndex = queue_family_;
  SOCD_VK_CALL(vkCreateCommandPool(device_, &pci, nullptr, &pool_));
  VkFenceCreateInfo fci{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  SOCD_VK_CALL(vkCreateFence(device_, &fci, nullptr, &fence_));

  zero_copy_ = caps_.desc.unified_memory && get_host_ptr_props_ != nullptr &&
               !vk_context::EnvFlag("SOCD_VK_FORCE_STAGING");
  fp16_ = caps_.fp16_storage && vk_context::EnvFlag("SOCD_VK_FP16");
  if (vk_context::EnvFlag("SOCD_VK_FP16") && !caps_.fp16_storage)
    spdlog::warn("vulkan: SOCD_VK_FP16=1 but '{}' lacks storageBuffer16BitAccess; using fp32",
                 caps_.desc.name);
  if (auto s = LoadPipelineCache(); !s.ok())
    spdlog::warn("vulkan: pipeline cache not loaded: {}", std::string(s.message()));
  spdlog::debug("vulkan: opened '{}' ({}), zero_copy={} fp16={}", caps_.desc.name, caps_.desc.type,
                zero_copy_, fp16_);
  return absl::OkStatus();
}

Context::~Context() {
  if (device_ == VK_NULL_HANDLE) return;
  vkDeviceWaitIdle(device_);
  SavePipelineCache();
  for (auto& [k, p] : pipelines_) {
    vkDestroyPipeline(device_, p->pipeline, nullptr);
    vkDestroyPipelineLayout(device_, p->layout, nullptr);
  }
  for (auto& [k, m] : modules_) vkDestroyShaderModule(device_, m, nullptr);
  for (auto& [k, l] : set_layouts_) vkDestroyDescriptorSetLayout(device_, l, nullptr);
  if (pipeline_cache_) vkDestroyPipelineCache(device_, pipeline_cache_, nullptr);
  if (fence_) vkDestroyFence(device_, fence_, nullptr);
  if (pool_) vkDestroyCommandPool(device_, pool_, nullptr);
  vkDestroyDevice(device_, nullptr);
}

absl::StatusOr<uint32_t> Context::FindMemoryType(uint32_t bits, VkMemoryPropertyFlags want) const {
  for (uint32_t i = 0; i < mem_props_.memoryTypeCount; ++i)
    if ((bits & (1u << i)) && (mem_props_.memoryTypes[i].propertyFlags & want) == want) return i;
  return absl::ResourceExhaustedError(absl::StrCat(
      "vulkan: no memory type with flags 0x", absl::Hex(want), " in bits 0x", absl::Hex(bits)));
}

Buffer::~Buffer() {
  VkDevice d = ctx_->device();
  if (buf_) vkDestroyBuffer(d, buf_, nullptr);
  if (mem_) {
    if (kind_ == kHostVisible && host_) vkUnmapMemory(d, mem_);
    vkFreeMemory(d, mem_, nullptr);
  }
}

namespace vk_context {

constexpr VkBufferUsageFlags kUsage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
                                      VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                                      VK_BUFFER_USAGE_TRANSFER_DST_BIT;

}  // namespace vk_context

absl::StatusOr<std::unique_ptr<Buffer>> Context::ImportHost(void* p, size_t bytes) {
  if (!zero_copy_ || !get_host_ptr_props_) {
    return absl::FailedPreconditionError(absl::StrCat(
        "vulkan: device '", caps_.desc.name, "' does not import host memory here (",
        caps_.desc.unified_memory ? "SOCD_VK_FORCE_STAGING=1" : "not unified memory", ")"));
  }
  // The validation layers do not check this; a misaligned import is undefined behaviour.
  if (bytes == 0 || !memory::IsImportable(p, bytes, caps_.import_alignment)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "vulkan: cannot import host memory at ", absl::Hex(reinterpret_cast<uintptr_t>(p)), " of ",
        bytes, " bytes: pointer and size must be non-zero multiples of ", caps_.import_alignment,
        " (minImportedHostPointerAlignment)"));
  }
  std::unique_ptr<Buffer> b(new Buffer(this, Buffer::kImported));
  VkExternalMemoryBufferCreateInfo ext{VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO};
  ext.handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT;
  VkBufferCreateInfo bci{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bci.pNext = &ext;
  bci.size = bytes;
  bci.usage = vk_context::kUsage;
  SOCD_VK_CALL(vkCreateBuffer(device_, &bci, nullptr, &b->buf_));
  VkMemoryRequirements req{};
  vkGetBufferMemoryRequirements(device_, b->buf_, &req);
  VkMemoryHostPointerPropertiesEXT hp{VK_STRUCTURE_TYPE_MEMORY_HOST_POINTER_PROPERTIES_EXT};
  SOCD_VK_CALL(
      get_host_ptr_props_(device_, VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT, p, &hp));
  auto type =
      FindMemoryType(req.memoryTypeBits & hp.memoryTypeBits,
                     VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
  if (!type.ok()) return type.status();
  VkImportMemoryHostPointerInfoEXT imp{VK_STRUCTURE_TYPE_IMPORT_MEMORY_HOST_POINTER_INFO_EXT};
  imp.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT;
  imp.pHostPointer = p;
  VkMemoryAllocateInfo mai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  mai.pNext = &imp;
  mai.allocationSize = bytes;
  mai.memoryTypeIndex = *type;
  SOCD_VK_CALL(vkAllocateMemory(device_, &mai, nullptr, &b->mem_));
  SOCD_VK_CALL(vkBindBufferMemory(device_, b->buf_, b->mem_, 0));
  b->host_ = p;
  b->size_ = bytes;
  return b;
}

absl::StatusOr<std::unique_ptr<Buffer>> Context::AllocateHostVisible(size_t bytes) {
  std::unique_ptr<Buffer> b(new Buffer(this, Buffer::kHostVisible));
  VkBufferCreateInfo bci{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bci.size = std::max<size_t>(bytes, 16);
  bci.usage = vk_context::kUsage;
  SOCD_VK_CALL(vkCreateBuffer(device_, &bci, nullptr, &b->buf_));
  VkMemoryRequirements req{};
  vkGetBufferMemoryRequirements(device_, b->buf_, &req);
  auto type = FindMemoryType(req.memoryTypeBits, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                                     VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
  if (!type.ok()) return type.status();
  VkMemoryAllocateInfo mai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  mai.allocationSize = req.size;
  mai.memoryTypeIndex = *type;
  SOCD_VK_CALL(vkAllocateMemory(device_, &mai, nullptr, &b->mem_));
  SOCD_VK_CALL(vkBindBufferMemory(device_, b->buf_, b->mem_, 0));
  SOCD_VK_CALL(vkMapMemory(device_, b->mem_, 0, VK_WHOLE_SIZE, 0, &b->host_));
  b->size_ = bytes;
  return b;
}

absl::StatusOr<std::unique_ptr<Buffer>> Context::AllocateDeviceLocal(size_t bytes) {
  std::unique_ptr<Buffer> b(new Buffer(this, Buffer::kDeviceLocal));
  VkBufferCreateInfo bci{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bci.size = std::max<size_t>(bytes, 16);
  bci.usage = vk_context::kUsage;
  SOCD_VK_CALL(vkCreateBuffer(device_, &bci, nullptr, &b->buf_));
  VkMemoryRequirements req{};
  vkGetBufferMemoryRequirements(device_, b->buf_, &req);
  auto type = FindMemoryType(req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
  if (!type.ok()) return type.status();
  VkMemoryAllocateInfo mai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  mai.allocationSize = req.size;
  mai.memoryTypeIndex = *type;
  SOCD_VK_CALL(vkAllocateMemory(device_, &mai, nullptr, &b->mem_));
  SOCD_VK_CALL(vkBindBufferMemory(device_, b->buf_, b->mem_, 0));
  b->size_ = bytes;
  return b;
}

absl::Status Context::SubmitAndWait(VkCommandBuffer cb) {
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cb;
  std::lock_guard<std::mutex> l(submit_mu_);
  SOCD_VK_CALL(vkResetFences(device_, 1, &fence_));
  SOCD_VK_CALL(vkQueueSubmit(queue_, 1, &si, fence_));
  SOCD_VK_CALL(vkWaitForFences(device_, 1, &fence_, VK_TRUE, UINT64_MAX));
  return absl::OkStatus();
}

}  // namespace socd::vulkan
