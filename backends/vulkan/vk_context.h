// One opened Vulkan device: instance (with the validation layer and a debug-utils messenger when
// SOCD_VK_VALIDATION=1), physical-device capabilities, the compute queue, buffers (imported host
// memory or device-local), and the pipeline cache. Shared by a backend and its partitions.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "backends/backend.h"

namespace socd::vulkan {

// "VK_ERROR_OUT_OF_DEVICE_MEMORY", ...
std::string VkResultName(VkResult r);
// An error Status naming the failed call and its VkResult.
absl::Status VkError(const std::string& call, VkResult r);

#define SOCD_VK_CALL(expr)                                                           \
  do {                                                                               \
    VkResult socd_vk_r_ = (expr);                                                    \
    if (socd_vk_r_ != VK_SUCCESS) return ::socd::vulkan::VkError(#expr, socd_vk_r_); \
  } while (0)

// Every warning/error the debug-utils messenger received in this process (recorded only when
// SOCD_VK_VALIDATION=1, which also enables VK_LAYER_KHRONOS_validation).
std::vector<std::string> ValidationMessages();

struct DeviceCaps {
  backends::DeviceDescription desc;
  bool host_import = false;        // VK_EXT_external_memory_host
  size_t import_alignment = 4096;  // minImportedHostPointerAlignment
  bool fp16_storage = false;       // storageBuffer16BitAccess
  bool shader_int64 = false;       // typed shaders (integer and bool tensors) need it
  bool shader_float64 = false;     // float64 tensors (else typed shaders run their nof64 build)
  bool shader_float16 = false;     // fp16 arithmetic (shaderFloat16): the fp16 peak
  bool float16_int8_ext = false;   // VK_KHR_shader_float16_int8 needed (pre-1.2 device)
  VkDeviceSize storage_alignment = 256;
  VkDeviceSize max_storage_range = 0;
  float timestamp_period_ns = 0;  // 0: no timestamps on the compute queue
  uint8_t pipeline_cache_uuid[VK_UUID_SIZE] = {};
  uint32_t driver_version = 0;
  uint32_t vendor_id = 0, device_id = 0;
};

class Context;

// A VkBuffer and its memory: imported host memory (host == the caller's pointer), host-visible
// device memory (host == the mapping), or device-local memory (host == nullptr).
class Buffer {
 public:
  enum Kind { kImported, kHostVisible, kDeviceLocal };
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  VkBuffer handle() const { return buf_; }
  void* host() const { return host_; }
  size_t size() const { return size_; }
  Kind kind() const { return kind_; }

 private:
  friend class Context;
  Buffer(Context* c, Kind k) : ctx_(c), kind_(k) {}
  Context* ctx_;
  Kind kind_;
  VkBuffer buf_ = VK_NULL_HANDLE;
  VkDeviceMemory mem_ = VK_NULL_HANDLE;
  void* host_ = nullptr;
  size_t size_ = 0;
};

struct Pipeline {
  VkPipeline pipeline = VK_NULL_HANDLE;
  VkPipelineLayout layout = VK_NULL_HANDLE;
  VkDescriptorSetLayout set_layout = VK_NULL_HANDLE;
  int bindings = 0;
};

constexpr int kPushWords = 32;  // 128 bytes: the minimum maxPushConstantsSize

class Context {
 public:
  // Opens physical device `index` (shared with other callers that opened it and still hold it).
  static absl::StatusOr<std::shared_ptr<Context>> Open(int index);
  // Describes every physical device without creating logical devices.
  static absl::StatusOr<std::vector<DeviceCaps>> Enumerate();
  // Just the names (instance only: no logical device is created).
  static absl::StatusOr<std::vector<std::string>> DeviceNames();
  ~Context();

  VkDevice device() const { return device_; }
  VkQueue queue() const { return queue_; }
  uint32_t queue_family() const { return queue_family_; }
  const DeviceCaps& caps() const { return caps_; }
  // Unified memory in use: host memory is imported. False on non-unified devices or with
  // SOCD_VK_FORCE_STAGING=1 (device-local buffers and counted staging copies).
  bool zero_copy() const { return zero_copy_; }
  // fp16-storage shader variants selected (SOCD_VK_FP16=1 on a device with 16-bit storage).
  bool fp16() const { return fp16_; }

  // Imports caller memory without copying. Refuses (InvalidArgument) a pointer or size that is
  // not a multiple of minImportedHostPointerAlignment, naming both and the alignment.
  absl::StatusOr<std::unique_ptr<Buffer>> ImportHost(void* p, size_t bytes);
  absl::StatusOr<std::unique_ptr<Buffer>> AllocateHostVisible(size_t bytes);
  absl::StatusOr<std::unique_ptr<Buffer>> AllocateDeviceLocal(size_t bytes);

  // The compute pipeline for shader `name` (fp16: its fp16-storage variant) with these
  // specialization constants (ids 0..n-1) and `bindings` storage buffers.
  absl::StatusOr<const Pipeline*> GetPipeline(const std::string& name, bool fp16,
                                              const std::vector<int32_t>& spec, int bindings);
  // Writes the pipeline cache to CacheDir("vulkan") if new pipelines were built since the last
  // save. Errors are logged, not returned: the cache is an optimisation.
  void SavePipelineCache();
  int pipelines_built() const { return pipelines_built_; }
  double pipeline_build_ms() const { return pipeline_build_ms_; }
  // Path of the on-disk pipeline cache ("" when no cache directory is usable).
  const std::string& pipeline_cache_path() const { return cache_path_; }
  // Bytes of pipeline cache read from disk when this device was opened (0: cold start).
  size_t pipeline_cache_loaded_bytes() const { return cache_loaded_bytes_; }
  // Key of this device and driver for on-disk caches: pipelineCacheUUID + driver version.
  std::string CacheKey() const;

  // Records with `record`, submits once and waits on one fence.
  absl::Status SubmitAndWait(VkCommandBuffer cb);
  VkCommandPool command_pool() const { return pool_; }

 private:
  friend class Buffer;
  Context() = default;
  absl::Status Init(int index);
  absl::StatusOr<uint32_t> FindMemoryType(uint32_t bits, VkMemoryPropertyFlags want) const;
  absl::StatusOr<VkDescriptorSetLayout> SetLayout(int bindings);
  absl::Status LoadPipelineCache();

  std::shared_ptr<struct Instance> instance_;
  VkPhysicalDevice phys_ = VK_NULL_HANDLE;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  uint32_t queue_family_ = 0;
  VkCommandPool pool_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
  VkPhysicalDeviceMemoryProperties mem_props_{};
  DeviceCaps caps_;
  bool zero_copy_ = false;
  bool fp16_ = false;
  PFN_vkGetMemoryHostPointerPropertiesEXT get_host_ptr_props_ = nullptr;

  std::mutex mu_;         // pipelines and caches
  std::mutex submit_mu_;  // the queue and the fence
  VkPipelineCache pipeline_cache_ = VK_NULL_HANDLE;
  std::string cache_path_;
  size_t cache_loaded_bytes_ = 0;
  bool cache_dirty_ = false;
  int pipelines_built_ = 0;
  double pipeline_build_ms_ = 0;
  std::map<int, VkDescriptorSetLayout> set_layouts_;
  std::map<std::string, VkShaderModule> modules_;
  std::map<std::string, std::unique_ptr<Pipeline>> pipelines_;
};

}  // namespace socd::vulkan
