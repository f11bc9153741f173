#include "backends/vulkan/vk_instance.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"

namespace socd::vulkan {
namespace vk_instance {

std::mutex g_mu;
std::weak_ptr<Instance> g_instance;
std::vector<std::string> g_messages;

VKAPI_ATTR VkBool32 VKAPI_CALL OnDebugMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                              VkDebugUtilsMessageTypeFlagsEXT,
                                              const VkDebugUtilsMessengerCallbackDataEXT* data,
                                              void*) {
  std::string msg = data && data->pMessage ? data->pMessage : "(no message)";
  {
    std::lock_guard<std::mutex> l(g_mu);
    g_messages.push_back(msg);
  }
  // Printed with a fixed prefix so a ctest can fail on it (FAIL_REGULAR_EXPRESSION) in tools
  // that have no test harness of their own (socd-run, socd-conformance).
  spdlog::error("socd-vulkan validation ({}): {}",
                severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT ? "error" : "warning",
                msg);
  return VK_FALSE;
}

bool EnvOn(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::strcmp(v, "0") != 0;
}

bool HasLayer(const char* name) {
  uint32_t n = 0;
  if (vkEnumerateInstanceLayerProperties(&n, nullptr) != VK_SUCCESS) return false;
  std::vector<VkLayerProperties> props(n);
  if (vkEnumerateInstanceLayerProperties(&n, props.data()) != VK_SUCCESS) return false;
  for (const auto& p : props)
    if (std::strcmp(p.layerName, name) == 0) return true;
  return false;
}

bool HasInstanceExtension(const char* name) {
  uint32_t n = 0;
  if (vkEnumerateInstanceExtensionProperties(nullptr, &n, nullptr) != VK_SUCCESS) return false;
  std::vector<VkExtensionProperties> props(n);
  if (vkEnumerateInstanceExtensionProperties(nullptr, &n, props.data()) != VK_SUCCESS) return false;
  for (const auto& p : props)
    if (std::strcmp(p.extensionName, name) == 0) return true;
  return false;
}

const char* TypeName(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return "integrated-gpu";
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return "discrete-gpu";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return "virtual-gpu";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return "cpu";
    default:
      return "other";
  }
}

}  // namespace vk_instance

std::vector<std::string> ValidationMessages() {
  std::lock_guard<std::mutex> l(vk_instance::g_mu);
  return vk_instance::g_messages;
}

Instance::~Instance() {
  if (messenger != VK_NULL_HANDLE) {
    auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance, "vkDestroyDebugUtilsMessengerEXT"));
    if (destroy) destroy(instance, messenger, nullptr);
  }
  if (instance != VK_NULL_HANDLE) vkDestroyInstance(instance, nullptr);
}

absl::StatusOr<std::shared_ptr<Instance>> AcquireInstance() {
  static std::mutex mu;
  std::lock_guard<std::mutex> l(mu);
  if (auto live = vk_instance::g_instance.lock()) return live;
  auto inst = std::make_shared<Instance>();
  uint32_t loader_api = VK_API_VERSION_1_0;
  auto enum_version = reinterpret_cast<PFN_vkEnumerateInstanceVersion>(
      vkGetInstanceProcAddr(nullptr, "vkEnumerateInstanceVersion"));
  if (enum_version) enum_version(&loader_api);
  if (loader_api < VK_API_VERSION_1_1) {
    return absl::FailedPreconditionError(
        "vulkan: the Vulkan loader offers only Vulkan 1.0; socd needs 1.1");
  }
  inst->api_version = loader_api >= VK_API_VERSION_1_2 ? VK_API_VERSION_1_2 : VK_API_VERSION_1_1;
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "socd";
  app.pEngineName = "socd";
  app.apiVersion = inst->api_version;
  std::vector<const char*> layers, exts;
  const bool validate = vk_instance::EnvOn("SOCD_VK_VALIDATION");
  if (validate) {
    if (!vk_instance::HasLayer("VK_LAYER_KHRONOS_validation")) {
      return absl::FailedPreconditionError(
          "vulkan: SOCD_VK_VALIDATION=1 but VK_LAYER_KHRONOS_validation is not installed "
          "(Debian: vulkan-validationlayers)");
    }
    layers.push_back("VK_LAYER_KHRONOS_validation");
    if (!vk_instance::HasInstanceExtension(VK_EXT_DEBUG_UTILS_EXTENSION_NAME)) {
      return absl::FailedPreconditionError(
          "vulkan: SOCD_VK_VALIDATION=1 but VK_EXT_debug_utils is not available");
    }
    exts.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
  }
  VkInstanceCreateInfo ci{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  ci.pApplicationInfo = &app;
  ci.enabledLayerCount = static_cast<uint32_t>(layers.size());
  ci.ppEnabledLayerNames = layers.data();
  ci.enabledExtensionCount = static_cast<uint32_t>(exts.size());
  ci.ppEnabledExtensionNames = exts.data();
  SOCD_VK_CALL(vkCreateInstance(&ci, nullptr, &inst->instance));
  if (validate) {
    auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(inst->instance, "vkCreateDebugUtilsMessengerEXT"));
    if (!create) return absl::InternalError("vulkan: vkCreateDebugUtilsMessengerEXT not found");
    VkDebugUtilsMessengerCreateInfoEXT mi{VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
    mi.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                         VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    mi.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
    mi.pfnUserCallback = vk_instance::OnDebugMessage;
    SOCD_VK_CALL(create(inst->instance, &mi, nullptr, &inst->messenger));
  }
  vk_instance::g_instance = inst;
  return inst;
}

absl::StatusOr<std::vector<VkPhysicalDevice>> PhysicalDevices(VkInstance inst) {
  uint32_t n = 0;
  SOCD_VK_CALL(vkEnumeratePhysicalDevices(inst, &n, nullptr));
  std::vector<VkPhysicalDevice> pds(n);
  if (n) SOCD_VK_CALL(vkEnumeratePhysicalDevices(inst, &n, pds.data()));
  pds.resize(n);
  return pds;
}

DeviceCaps DescribeDevice(VkPhysicalDevice pd, int index, uint32_t instance_api) {
  DeviceCaps c;
  VkPhysicalDeviceProperties props{};
  vkGetPhysicalDeviceProperties(pd, &props);
  const bool v12 = instance_api >= VK_API_VERSION_1_2 && props.apiVersion >= VK_API_VERSION_1_2;
  uint32_t n = 0;
  vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, nullptr);
  std::vector<VkExtensionProperties> exts(n);
  vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, exts.data());
  bool f16i8_ext = false;
  for (const auto& e : exts) {
    if (std::strcmp(e.extensionName, VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME) == 0)
      c.host_import = true;
    if (std::strcmp(e.extensionName, VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME) == 0)
      f16i8_ext = true;
  }
  VkPhysicalDeviceExternalMemoryHostPropertiesEXT host_props{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_MEMORY_HOST_PROPERTIES_EXT};
  VkPhysicalDeviceSubgroupProperties sub{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  VkPhysicalDeviceDriverProperties drv{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
  VkPhysicalDeviceProperties2 p2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  p2.pNext = &sub;
  if (c.host_import) {
    host_props.pNext = p2.pNext;
    p2.pNext = &host_props;
  }
  if (v12) {
    drv.pNext = p2.pNext;
    p2.pNext = &drv;
  }
  vkGetPhysicalDeviceProperties2(pd, &p2);
  VkPhysicalDevice16BitStorageFeatures s16{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
  VkPhysicalDeviceShaderFloat16Int8Features f16i8{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
  VkPhysicalDeviceFeatures2 f2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  f2.pNext = &s16;
  if (v12 || f16i8_ext) s16.pNext = &f16i8;
  vkGetPhysicalDeviceFeatures2(pd, &f2);

  VkPhysicalDeviceMemoryProperties mem{};
  vkGetPhysicalDeviceMemoryProperties(pd, &mem);
  const VkMemoryPropertyFlags shared = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT |
                                       VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                       VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  bool shared_type = false;
  for (uint32_t i = 0; i < mem.memoryTypeCount; ++i)
    if ((mem.memoryTypes[i].propertyFlags & shared) == shared) shared_type = true;
  uint64_t largest_local = 0;
  for (uint32_t i = 0; i < mem.memoryHeapCount; ++i)
    if (mem.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
      largest_local = std::max<uint64_t>(largest_local, mem.memoryHeaps[i].size);

  uint32_t qn = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(pd, &qn, nullptr);
  std::vector<VkQueueFamilyProperties> qf(qn);
  vkGetPhysicalDeviceQueueFamilyProperties(pd, &qn, qf.data());
  for (const auto& q : qf) {
    if ((q.queueFlags & VK_QUEUE_COMPUTE_BIT) && q.timestampValidBits > 0 &&
        props.limits.timestampComputeAndGraphics) {
      c.timestamp_period_ns = props.limits.timestampPeriod;
      break;
    }
  }

  auto& d = c.desc;
  d.kind = backends::BackendKind::kVulkan;
  d.index = index;
  d.name = props.deviceName;
  d.type = vk_instance::TypeName(props.deviceType);
  if (v12) {
    d.driver = absl::StrCat(drv.driverName, " ", drv.driverInfo);
  } else {
    d.driver = absl::StrCat("driver ", VK_VERSION_MAJOR(props.driverVersion), ".",
                            VK_VERSION_MINOR(props.driverVersion), ".",
                            VK_VERSION_PATCH(props.driverVersion));
  }
  // Unified means socd can hand the device host memory without copies: a memory type that is
  // device-local and host-visible/coherent, and the extension that imports host pointers.
  d.unified_memory = shared_type && c.host_import;
  d.memory_bytes = largest_local;
  c.fp16_storage = s16.storageBuffer16BitAccess == VK_TRUE;
  c.shader_int64 = f2.features.shaderInt64 == VK_TRUE;
  c.shader_float64 = f2.features.shaderFloat64 == VK_TRUE;
  c.shader_float16 = f16i8.shaderFloat16 == VK_TRUE;
  c.float16_int8_ext = !v12 && f16i8_ext;
  d.fp16 = c.fp16_storage;
  d.int8 = f16i8.shaderInt8 == VK_TRUE;
  d.subgroup_size = static_cast<int>(sub.subgroupSize);
  c.import_alignment = c.host_import ? host_props.minImportedHostPointerAlignment : 4096;
  c.storage_alignment = props.limits.minStorageBufferOffsetAlignment;
  c.max_storage_range = props.limits.maxStorageBufferRange;
  std::memcpy(c.pipeline_cache_uuid, props.pipelineCacheUUID, VK_UUID_SIZE);
  c.driver_version = props.driverVersion;
  c.vendor_id = props.vendorID;
  c.device_id = props.deviceID;
  return c;
}

}  // namespace socd::vulkan
