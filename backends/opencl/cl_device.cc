#include "backends/opencl/cl_device.h"

#include <cstdlib>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "backends/cache_dir.h"
#include "backends/opencl/cl_kernel_sources.h"
#include "spdlog/spdlog.h"

namespace socd::opencl {

namespace cl_device_impl {

std::string DeviceString(cl_device_id d, cl_device_info what) {
  size_t n = 0;
  if (clGetDeviceInfo(d, what, 0, nullptr, &n) != CL_SUCCESS || n == 0) return "";
  std::string s(n, '\0');
  if (clGetDeviceInfo(d, what, n, s.data(), nullptr) != CL_SUCCESS) return "";
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

std::string PlatformString(cl_platform_id p, cl_platform_info what) {
  size_t n = 0;
  if (clGetPlatformInfo(p, what, 0, nullptr, &n) != CL_SUCCESS || n == 0) return "";
  std::string s(n, '\0');
  if (clGetPlatformInfo(p, what, n, s.data(), nullptr) != CL_SUCCESS) return "";
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

template <typename T>
T DeviceValue(cl_device_id d, cl_device_info what, T def) {
  T v{};
  return clGetDeviceInfo(d, what, sizeof v, &v, nullptr) == CL_SUCCESS ? v : def;
}

std::string TypeName(cl_device_type t, bool unified) {
  if (t & CL_DEVICE_TYPE_CPU) return "cpu";
  if (t & CL_DEVICE_TYPE_GPU) return unified ? "integrated-gpu" : "discrete-gpu";
  return "other";
}

ClDeviceInfo Describe(cl_platform_id p, cl_device_id d, int index) {
  ClDeviceInfo info;
  info.platform = p;
  info.device = d;
  info.platform_name = PlatformString(p, CL_PLATFORM_NAME);
  info.driver_version = DeviceString(d, CL_DRIVER_VERSION);
  // Unified from the driver's own answer, never from the device type.
  info.host_unified = DeviceValue<cl_bool>(d, CL_DEVICE_HOST_UNIFIED_MEMORY, CL_FALSE) == CL_TRUE;
  const cl_uint align_bits = DeviceValue<cl_uint>(d, CL_DEVICE_MEM_BASE_ADDR_ALIGN, 1024);
  info.base_align = std::max<size_t>(align_bits / 8, 4);
  info.max_work_group = DeviceValue<size_t>(d, CL_DEVICE_MAX_WORK_GROUP_SIZE, 1);
  const std::string ext = DeviceString(d, CL_DEVICE_EXTENSIONS);
  backends::DeviceDescription& desc = info.desc;
  desc.kind = backends::BackendKind::kOpenCL;
  desc.index = index;
  desc.name = DeviceString(d, CL_DEVICE_NAME);
  desc.type = TypeName(DeviceValue<cl_device_type>(d, CL_DEVICE_TYPE, 0), info.host_unified);
  desc.driver = absl::StrCat(info.platform_name, " ", info.driver_version);
  desc.unified_memory = info.host_unified;
  desc.memory_bytes = DeviceValue<cl_ulong>(d, CL_DEVICE_GLOBAL_MEM_SIZE, 0);
  desc.fp16 = absl::StrContains(ext, "cl_khr_fp16");
  info.fp64 = absl::StrContains(ext, "cl_khr_fp64");
  // OpenCL C 1.2 has 8-bit integer types everywhere; packed int8 dot products are an extension.
  desc.int8 = absl::StrContains(ext, "cl_khr_integer_dot_product") ||
              absl::StrContains(ext, "cl_arm_integer_dot_product");
  // Subgroup (SIMD) width: Intel reports its sizes; otherwise the preferred work-group
  // multiple (an OpenCL 3.0 device query PoCL answers; with cl_khr_subgroups it is the
  // subgroup size on every driver we know). 0 when the driver answers neither.
  if (absl::StrContains(ext, "cl_intel_subgroups")) {
    size_t sizes[8] = {};
    size_t n = 0;
    if (clGetDeviceInfo(d, 0x4108 /* CL_DEVICE_SUB_GROUP_SIZES_INTEL */, sizeof sizes, sizes, &n) ==
            CL_SUCCESS &&
        n >= sizeof(size_t)) {
      desc.subgroup_size = static_cast<int>(sizes[n / sizeof(size_t) - 1]);
    }
  }
  if (desc.subgroup_size == 0) {
    desc.subgroup_size = static_cast<int>(
        DeviceValue<size_t>(d, 0x1067 /* CL_DEVICE_PREFERRED_WORK_GROUP_SIZE_MULTIPLE */, 0));
  }
  return info;
}

}  // namespace cl_device_impl

absl::StatusOr<std::vector<ClDeviceInfo>> EnumerateClDevices() {
  std::vector<ClDeviceInfo> out;
  cl_uint np = 0;
  cl_int err = clGetPlatformIDs(0, nullptr, &np);
  if (err == -1001 /* CL_PLATFORM_NOT_FOUND_KHR: no ICD installed */ || np == 0) return out;
  if (err != CL_SUCCESS) return ClError("clGetPlatformIDs", err);
  std::vector<cl_platform_id> plats(np);
  if (err = clGetPlatformIDs(np, plats.data(), nullptr); err != CL_SUCCESS)
    return ClError("clGetPlatformIDs", err);
  for (cl_platform_id p : plats) {
    cl_uint nd = 0;
    err = clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, nullptr, &nd);
    if (err == CL_DEVICE_NOT_FOUND || nd == 0) continue;
    if (err != CL_SUCCESS) return ClError("clGetDeviceIDs", err);
    std::vector<cl_device_id> devs(nd);
    if (err = clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, nd, devs.data(), nullptr); err != CL_SUCCESS)
      return ClError("clGetDeviceIDs", err);
    for (cl_device_id d : devs)
      out.push_back(cl_device_impl::Describe(p, d, static_cast<int>(out.size())));
  }
  return out;
}

absl::StatusOr<std::shared_ptr<ClRuntime>> ClRuntime::Open(int index) {
  static std::mutex* mu = new std::mutex;
  static auto* opened = new std::map<int, std::shared_ptr<ClRuntime>>;
  std::lock_guard<std::mutex> lock(*mu);
  if (auto it = opened->find(index); it != opened->end()) return it->second;
  // PoCL keeps its own compiled-kernel cache; put it beside ours unless the user chose.
  if (!std::getenv("POCL_CACHE_DIR")) {
    if (auto dir = backends::CacheDir("opencl/pocl"); dir.ok())
      setenv("POCL_CACHE_DIR", dir->c_str(), 0);
  }
  auto devs = EnumerateClDevices();
  if (!devs.ok()) return devs.status();
  if (devs->empty()) return absl::NotFoundError("opencl: no OpenCL device (no driver installed)");
  if (index < 0 || index >= static_cast<int>(devs->size())) {
    return absl::InvalidArgumentError(absl::StrCat("opencl: no device ", index, " (", devs->size(),
                                                   " device(s): see socd-run --list-devices)"));
  }
  std::shared_ptr<ClRuntime> rt(new ClRuntime);
  rt->info_ = (*devs)[index];
  cl_context_properties props[] = {CL_CONTEXT_PLATFORM,
                                   reinterpret_cast<cl_context_properties>(rt->info_.platform), 0};
  cl_int err = CL_SUCCESS;
  rt->context_ = clCreateContext(props, 1, &rt->info_.device, nullptr, nullptr, &err);
  if (err != CL_SUCCESS) return ClError("clCreateContext", err);
  const char* force = std::getenv("SOCD_CL_FORCE_STAGING");
  rt->staging_ = !rt->info_.host_unified || (force && std::string(force) == "1");
  (*opened)[index] = rt;
  return rt;
}

ClRuntime::~ClRuntime() {
  if (program_) clReleaseProgram(program_);
  if (context_) clReleaseContext(context_);
}

size_t ClRuntime::alignment() const { return std::max<size_t>(64, info_.base_align); }

absl::StatusOr<cl_program> ClRuntime::Program() {
  std::lock_guard<std::mutex> lock(mu_);
  if (program_) return program_;
  const std::string key =
      absl::StrCat(info_.desc.name, "|", info_.platform_name, "|", info_.driver_version);
  auto p = BuildCachedProgram(context_, info_.device, key, ProgramSource(), "-cl-std=CL1.2",
                              &build_stats_);
  if (!p.ok()) return p.status();
  program_ = *p;
  return program_;
}

ProgramBuildStats ClRuntime::build_stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return build_stats_;
}

std::string ProgramSource() {
  std::string s;
  for (const KernelSource& k : EmbeddedKernelSources()) absl::StrAppend(&s, k.text, "\n");
  return s;
}

}  // namespace socd::opencl
