#include "backends/opencl/cl_calibration.h"

#include <unistd.h>
#include <chrono>
#include <cstdio>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "backends/cache_dir.h"
#include "spdlog/spdlog.h"

namespace socd::opencl {

namespace cl_calibration_impl {

std::string CachePath(const ClRuntime& rt) {
  auto dir = backends::CacheDir("opencl");
  if (!dir.ok()) return "";
  const auto& i = rt.info();
  const uint64_t key =
      StableHash(absl::StrCat(i.desc.name, "|", i.platform_name, "|", i.driver_version));
  // v2: + the fp16 peak.
  return absl::StrCat(*dir, "/calibration-v2-", absl::StrFormat("%016x", key), ".txt");
}

// Best of `reps` timings (seconds) of enqueueing `launch` `per_rep` times and waiting once.
template <typename F>
absl::StatusOr<double> BestSeconds(cl_command_queue q, int reps, int per_rep, F launch) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < per_rep; ++k)
      if (auto s = launch(); !s.ok()) return s;
    SOCD_CL_RETURN_IF_ERROR(clFinish(q));
    best = std::min(best,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

struct Resources {
  cl_command_queue q = nullptr;
  cl_kernel k[3] = {};
  cl_mem m[2] = {};
  ~Resources() {
    for (cl_kernel x : k)
      if (x) clReleaseKernel(x);
    for (cl_mem x : m)
      if (x) clReleaseMemObject(x);
    if (q) clReleaseCommandQueue(q);
  }
};

}  // namespace cl_calibration_impl

absl::StatusOr<ClCalibration> Calibrate(ClRuntime& rt) {
  namespace impl = cl_calibration_impl;
  auto prog = rt.Program();
  if (!prog.ok()) return prog.status();
  impl::Resources r;
  cl_int err = CL_SUCCESS;
  r.q = clCreateCommandQueue(rt.context(), rt.device(), 0, &err);
  if (err != CL_SUCCESS) return ClError("clCreateCommandQueue", err);
  const char* names[3] = {"calib_fma", "calib_copy", "calib_noop"};
  for (int i = 0; i < 3; ++i) {
    r.k[i] = clCreateKernel(*prog, names[i], &err);
    if (err != CL_SUCCESS) return ClError(absl::StrCat("clCreateKernel(", names[i], ")"), err);
  }
  constexpr size_t kBytes = size_t{32} << 20;  // beyond any last-level cache we target
  for (int i = 0; i < 2; ++i) {
    r.m[i] = clCreateBuffer(rt.context(), CL_MEM_READ_WRITE, kBytes, nullptr, &err);
    if (err != CL_SUCCESS) return ClError("clCreateBuffer(calibration)", err);
  }
  ClCalibration c;
  // Arithmetic: 8 independent FMA chains per work-item, nothing touching memory in the loop.
  const size_t fma_items = 16384;
  const cl_int iters = 1024;
  const cl_float s = 0.999f;
  SOCD_CL_RETURN_IF_ERROR(clSetKernelArg(r.k[0], 0, sizeof(cl_mem), &r.m[1]));
  SOCD_CL_RETURN_IF_ERROR(clSetKernelArg(r.k[0], 1, sizeof iters, &iters));
  SOCD_CL_RETURN_IF_ERROR(clSetKernelArg(r.k[0], 2, sizeof s, &s));
  const size_t local = 64;
  auto fma = [&]() -> absl::Status {
    SOCD_CL_RETURN_IF_ERROR(
        clEnqueueNDRangeKernel(r.q, r.k[0], 1, nullptr, &fma_items, &local, 0, nullptr, nullptr));
    return absl::OkStatus();
  };
  if (auto w = impl::BestSeconds(r.q, 1, 1, fma); !w.ok()) return w.status();  // compile, warm
  auto t = impl::BestSeconds(r.q, 3, 1, fma);
  if (!t.ok()) return t.status();
  c.peak_gflops_fp32 = 2.0 * 8 * iters * static_cast<double>(fma_items) / *t / 1e9;
  // fp16: the same chains as half2, where the device has cl_khr_fp16 (calib.cl compiles the
  // kernel only there).
  if (rt.info().desc.fp16) {
    cl_kernel h = clCreateKernel(*prog, "calib_fma_f16", &err);
    if (err != CL_SUCCESS) return ClError("clCreateKernel(calib_fma_f16)", err);
    auto fma16 = [&]() -> absl::Status {
      SOCD_CL_RETURN_IF_ERROR(
          clEnqueueNDRangeKernel(r.q, h, 1, nullptr, &fma_items, &local, 0, nullptr, nullptr));
      return absl::OkStatus();
    };
    absl::StatusOr<double> th = absl::InternalError("not run");
    if ((err = clSetKernelArg(h, 0, sizeof(cl_mem), &r.m[1])) == CL_SUCCESS &&
        (err = clSetKernelArg(h, 1, sizeof iters, &iters)) == CL_SUCCESS &&
        (err = clSetKernelArg(h, 2, sizeof s, &s)) == CL_SUCCESS) {
      if (auto w = impl::BestSeconds(r.q, 1, 1, fma16); w.ok())
        th = impl::BestSeconds(r.q, 3, 1, fma16);
    }
    clReleaseKernel(h);
    if (err != CL_SUCCESS) return ClError("clSetKernelArg(calib_fma_f16)", err);
    if (!th.ok()) return th.status();
    c.peak_gflops_fp16 = 4.0 * 8 * iters * static_cast<double>(fma_items) / *th / 1e9;
  } else {
    spdlog::info("opencl: '{}' has no cl_khr_fp16: fp16 peak not measured (0)",
                 rt.info().desc.name);
  }
  // Bandwidth: read one buffer, write the other.
  const size_t vec_items = kBytes / 16;
  SOCD_CL_RETURN_IF_ERROR(clSetKernelArg(r.k[1], 0, sizeof(cl_mem), &r.m[0]));
  SOCD_CL_RETURN_IF_ERROR(clSetKernelArg(r.k[1], 1, sizeof(cl_mem), &r.m[1]));
  auto copy = [&]() -> absl::Status {
    SOCD_CL_RETURN_IF_ERROR(
        clEnqueueNDRangeKernel(r.q, r.k[1], 1, nullptr, &vec_items, &local, 0, nullptr, nullptr));
    return absl::OkStatus();
  };
  if (auto w = impl::BestSeconds(r.q, 1, 1, copy); !w.ok()) return w.status();
  t = impl::BestSeconds(r.q, 3, 1, copy);
  if (!t.ok()) return t.status();
  c.bandwidth_gbps = 2.0 * static_cast<double>(kBytes) / *t / 1e9;
  // Launch overhead: many tiny kernels back to back, one wait (as a partition runs).
  SOCD_CL_RETURN_IF_ERROR(clSetKernelArg(r.k[2], 0, sizeof(cl_mem), &r.m[1]));
  auto noop = [&]() -> absl::Status {
    SOCD_CL_RETURN_IF_ERROR(
        clEnqueueNDRangeKernel(r.q, r.k[2], 1, nullptr, &local, &local, 0, nullptr, nullptr));
    return absl::OkStatus();
  };
  if (auto w = impl::BestSeconds(r.q, 1, 10, noop); !w.ok()) return w.status();
  constexpr int kLaunches = 200;
  t = impl::BestSeconds(r.q, 3, kLaunches, noop);
  if (!t.ok()) return t.status();
  c.launch_overhead_us = *t / kLaunches * 1e6;
  const std::string path = impl::CachePath(rt);
  if (!path.empty()) {
    const std::string tmp = absl::StrCat(path, ".tmp.", getpid());
    std::ofstream f(tmp);
    f << c.peak_gflops_fp32 << " " << c.bandwidth_gbps << " " << c.launch_overhead_us << " "
      << c.peak_gflops_fp16 << "\n";
    f.close();
    if (f) std::rename(tmp.c_str(), path.c_str());
  }
  spdlog::debug(
      "opencl: calibrated {:.1f} GFLOP/s fp32, {:.1f} GFLOP/s fp16, {:.1f} GB/s, {:.1f} "
      "us per launch",
      c.peak_gflops_fp32, c.peak_gflops_fp16, c.bandwidth_gbps, c.launch_overhead_us);
  return c;
}

absl::StatusOr<ClCalibration> LoadOrCalibrate(ClRuntime& rt) {
  const std::string path = cl_calibration_impl::CachePath(rt);
  if (!path.empty()) {
    std::ifstream f(path);
    ClCalibration c;
    if (f >> c.peak_gflops_fp32 >> c.bandwidth_gbps >> c.launch_overhead_us >> c.peak_gflops_fp16 &&
        c.peak_gflops_fp32 > 0 && c.bandwidth_gbps > 0) {
      c.from_cache = true;
      return c;
    }
  }
  return Calibrate(rt);
}

}  // namespace socd::opencl
