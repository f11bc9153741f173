// socd-run: load a model, run it on given or random inputs, check against a test_data_set,
// and time it. A developer tool; the daemon serves the same Session.
//
//   socd-run MODEL.onnx [--inputs DIR] [--check DIR] [--threads N] [--runs N] [--warmup N]
//            [--backend cpu|vulkan|opencl] [--device N] [--dim NAME=V] [--json]
// Exit status: 0 ok, 1 check mismatch or run error, 2 usage/load error, 3 unsupported operator
// (or element type).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/memory/copy.h"
#include "backends/memory/unified_buffer.h"
#include "backends/opencl/opencl_backend.h"
#include "backends/vulkan/vulkan_backend.h"
#include "graph/onnx_import.h"
#include "graph/sequence_io.h"
#include "graph/tensor_compare.h"
#include "scheduler/session.h"

namespace fs = std::filesystem;
using socd::graph::DType;
using socd::graph::Tensor;
using socd::graph::TensorView;

namespace {

struct Args {
  std::string model, inputs_dir, check_dir, backend = "cpu";
  int threads = 1, runs = 1, warmup = -1, device = 0;
  bool json = false, list_devices = false;
  std::map<std::string, int64_t> dims;
};

int Usage() {
  std::fprintf(
      stderr,
      "usage: socd-run MODEL.onnx [--inputs DIR] [--check DIR] [--threads N] [--runs N]"
      " [--warmup N] [--backend cpu|vulkan|opencl] [--device N] [--dim NAME=VALUE] [--json]\n"
      "       socd-run --list-devices [--json]\n");
  return 2;
}

// Everything socd does not implement (operator, opset version, element type) is UNIMPLEMENTED.
bool IsUnsupported(const absl::Status& s) { return s.code() == absl::StatusCode::kUnimplemented; }

std::string JsonEscape(absl::string_view s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      o += ' ';
      continue;
    }
    o += c;
  }
  return o;
}

// Deterministic inputs for models run without data: floats in [0,1), integers 0..9.
std::shared_ptr<Tensor> RandomTensor(DType dt, const socd::graph::Shape& shape, std::mt19937& rng) {
  auto t = std::make_shared<Tensor>(dt, shape);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  for (int64_t i = 0; i < t->numel(); ++i) {
    switch (dt) {
      case DType::kFloat32:
        t->as<float>()[i] = u(rng);
        break;
      case DType::kFloat64:
        t->as<double>()[i] = u(rng);
        break;
      case DType::kInt64:
        t->as<int64_t>()[i] = rng() % 10;
        break;
      case DType::kInt32:
        t->as<int32_t>()[i] = rng() % 10;
        break;
      case DType::kInt8:
        t->as<int8_t>()[i] = rng() % 10;
        break;
      case DType::kUInt8:
      case DType::kBool:
        t->as<uint8_t>()[i] = rng() % (dt == DType::kBool ? 2 : 10);
        break;
      default:
        break;
    }
  }
  return t;
}

// Every Vulkan and OpenCL device, as the backends discover them.
int ListDevices(bool json) {
  std::vector<socd::backends::DeviceDescription> all;
  for (auto list : {socd::vulkan::ListVulkanDevices, socd::opencl::ListOpenClDevices}) {
    auto devs = list();
    if (!devs.ok()) {
      std::fprintf(stderr, "socd-run: %s\n", std::string(devs.status().message()).c_str());
      continue;
    }
    all.insert(all.end(), devs->begin(), devs->end());
  }
  for (const auto& d : all) {
    const std::string kind(socd::backends::BackendKindName(d.kind));
    if (json) {
      std::printf(
          "{\"backend\":\"%s\",\"device\":%d,\"name\":\"%s\",\"type\":\"%s\",\"driver\":\"%s\","
          "\"unified_memory\":%s,\"memory_bytes\":%llu,\"fp16\":%s,\"int8\":%s,"
          "\"subgroup_size\":%d}\n",
          kind.c_str(), d.index, JsonEscape(d.name).c_str(), d.type.c_str(),
          JsonEscape(d.driver).c_str(), d.unified_memory ? "true" : "false",
          static_cast<unsigned long long>(d.memory_bytes), d.fp16 ? "true" : "false",
          d.int8 ? "true" : "false", d.subgroup_size);
    } else {
      std::printf("%-7s %d  %s [%s, %s memory, %.1f GiB, fp16 %s, int8 %s, subgroup %d]  %s\n",
                  kind.c_str(), d.index, d.name.c_str(), d.type.c_str(),
                  d.unified_memory ? "unified" : "device-local",
                  static_cast<double>(d.memory_bytes) / (1u << 30), d.fp16 ? "yes" : "no",
                  d.int8 ? "yes" : "no", d.subgroup_size, d.driver.c_str());
    }
  }
  if (all.empty()) std::fprintf(stderr, "socd-run: no Vulkan or OpenCL devices found\n");
  return 0;
}

// input_0.pb, input_1.pb, ... in index order.
std::vector<std::string> DataFiles(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> files;
  for (int k = 0;; ++k) {
    fs::path p = fs::path(dir) / absl::StrCat(prefix, "_", k, ".pb");
    if (!fs::exists(p)) break;
    files.push_back(p.string());
  }
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (s == "--inputs")
      a.inputs_dir = next();
    else if (s == "--check")
      a.check_dir = next();
    else if (s == "--threads")
      a.threads = std::atoi(next().c_str());
    else if (s == "--runs")
      a.runs = std::atoi(next().c_str());
    else if (s == "--warmup")
      a.warmup = std::atoi(next().c_str());
    else if (s == "--backend")
      a.backend = next();
    else if (s == "--device")
      a.device = std::atoi(next().c_str());
    else if (s == "--json")
      a.json = true;
    else if (s == "--list-devices")
      a.list_devices = true;
    else if (s == "--dim") {
      std::string kv = next();
      auto eq = kv.find('=');
      if (eq == std::string::npos) return Usage();
      a.dims[kv.substr(0, eq)] = std::atoll(kv.c_str() + eq + 1);
    } else if (s == "-h" || s == "--help")
      return Usage(), 0;
    else if (!s.empty() && s[0] == '-')
      return Usage();
    else if (a.model.empty())
      a.model = s;
    else
      return Usage();
  }
  if (a.list_devices) return ListDevices(a.json);
  if (a.model.empty() || a.threads < 1 || a.runs < 1) return Usage();
  if (a.warmup < 0) a.warmup = a.runs > 1 ? 2 : 0;

  socd::scheduler::SessionOptions so;
  so.backend = a.backend;
  so.device = a.device;
  so.threads = a.threads;
  auto sess = socd::scheduler::Session::Load(a.model, so);
  if (!sess.ok()) {
    std::fprintf(stderr, "socd-run: %s\n", std::string(sess.status().message()).c_str());
    if (a.json)
      std::printf("{\"model\":\"%s\",\"error\":\"%s\"}\n", JsonEscape(a.model).c_str(),
                  JsonEscape(sess.status().message()).c_str());
    return IsUnsupported(sess.status()) ? 3 : 2;
  }
  auto& session = **sess;

  // Inputs: from --inputs DIR, else the --check DIR's inputs, else deterministic random.
  std::string in_dir = !a.inputs_dir.empty() ? a.inputs_dir : a.check_dir;
  std::vector<std::shared_ptr<Tensor>> inputs;
  // The objects behind sequence/optional inputs (graph/sequence_io.h), alive for every run.
  std::vector<std::shared_ptr<const socd::graph::HandleObject>> input_objects;
  auto model_inputs = session.inputs();
  if (!in_dir.empty()) {
    auto files = DataFiles(in_dir, "input");
    if (files.size() != model_inputs.size()) {
      std::fprintf(stderr, "socd-run: %s has %zu input files, the model has %zu inputs\n",
                   in_dir.c_str(), files.size(), model_inputs.size());
      return 2;
    }
    std::vector<std::shared_ptr<Tensor>> by_order(files.size());
    std::map<std::string, std::shared_ptr<Tensor>> by_name;
    for (size_t k = 0; k < files.size(); ++k) {
      std::string name;
      auto t = socd::graph::ReadValueFile(files[k], model_inputs[k]->type, &name);
      if (!t.ok()) {
        std::fprintf(stderr, "socd-run: %s\n", std::string(t.status().message()).c_str());
        return 2;
      }
      input_objects.push_back(t->object);
      by_order[k] = t->tensor;
      if (!name.empty()) by_name[name] = t->tensor;
    }
    for (size_t k = 0; k < model_inputs.size(); ++k) {
      auto it = by_name.find(model_inputs[k]->name);
      inputs.push_back(by_name.size() == files.size() && it != by_name.end() ? it->second
                                                                             : by_order[k]);
    }
  } else {
    std::mt19937 rng(1);
    for (const auto* v : model_inputs) {
      if (v->type.container) {
        std::fprintf(stderr, "socd-run: input '%s' is %s: give --inputs or --check\n",
                     v->name.c_str(), v->type.ToString().c_str());
        return 2;
      }
      socd::graph::Shape shape;
      for (const auto& d : v->type.dims) {
        if (d.is_static())
          shape.push_back(d.value);
        else
          shape.push_back(a.dims.count(d.symbol) ? a.dims[d.symbol] : 1);
      }
      inputs.push_back(RandomTensor(v->type.dtype, shape, rng));
    }
  }
  // Inputs live in unified buffers, as a client's shared-memory tensors would: a GPU backend on
  // a unified-memory device imports them instead of copying (bytes_copied stays 0). Filling
  // them is setup, before the measured runs.
  std::vector<std::unique_ptr<socd::memory::UnifiedBuffer>> in_buffers;
  std::vector<TensorView> in_views;
  for (auto& t : inputs) {
    TensorView v = t->view();
    if (v.bytes() > 0) {
      auto ub = socd::memory::UnifiedBuffer::Allocate(v.bytes(), "socd-run-input");
      if (ub.ok()) {
        socd::memory::CopyBytes((*ub)->data(), v.data, v.bytes());
        socd::vulkan::RegisterHostMemory((*ub)->data(), (*ub)->mapped_size());
        v.data = (*ub)->data();
        in_buffers.push_back(*std::move(ub));
      }
    }
    in_views.push_back(v);
  }

  std::vector<TensorView> outs;
  for (int w = 0; w < a.warmup; ++w) {
    if (auto s = session.Run(in_views, outs); !s.ok()) {
      std::fprintf(stderr, "socd-run: %s\n", std::string(s.message()).c_str());
      return IsUnsupported(s) ? 3 : 1;
    }
  }
  std::vector<double> times;
  uint64_t copied_before = socd::memory::BytesCopied();
  for (int r = 0; r < a.runs; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    auto s = session.Run(in_views, outs);
    times.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (!s.ok()) {
      std::fprintf(stderr, "socd-run: %s\n", std::string(s.message()).c_str());
      if (a.json)
        std::printf("{\"model\":\"%s\",\"error\":\"%s\"}\n", JsonEscape(a.model).c_str(),
                    JsonEscape(s.message()).c_str());
      return IsUnsupported(s) ? 3 : 1;
    }
  }
  uint64_t copied = (socd::memory::BytesCopied() - copied_before) / a.runs;
  std::sort(times.begin(), times.end());
  double median = times[times.size() / 2];
  double p90 = times[std::min(times.size() - 1, static_cast<size_t>(times.size() * 0.9))];

  bool check_run = !a.check_dir.empty();
  socd::graph::CompareResult cmp;
  if (check_run) {
    auto files = DataFiles(a.check_dir, "output");
    if (files.size() != outs.size()) {
      cmp.passed = false;
      cmp.message = absl::StrCat(a.check_dir, " has ", files.size(),
                                 " output files, the model has ", outs.size(), " outputs");
    } else {
      for (size_t k = 0; k < files.size(); ++k) {
        const socd::graph::Value& out = *session.outputs()[k];
        auto ref = socd::graph::ReadValueFile(files[k], out.type);
        if (!ref.ok()) {
          cmp.passed = false;
          cmp.message = std::string(ref.status().message());
          break;
        }
        const std::string what = absl::StrCat("output ", k, " '", out.name, "'");
        if (out.type.container)
          socd::graph::CompareHandleInto(what, outs[k], ref->object.get(), 1e-3, 1e-4, cmp);
        else
          socd::graph::CompareInto(what, outs[k], ref->tensor->view(), 1e-3, 1e-4, cmp);
      }
    }
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto rs = session.run_stats();
  if (a.json) {
    std::printf(
        "{\"model\":\"%s\",\"backend\":\"%s\",\"threads\":%d,\"runs\":%d,\"median_ms\":%.4f,"
        "\"p90_ms\":%.4f,\"min_ms\":%.4f,\"load_ms\":%.3f,\"arena_bytes\":%zu,\"tensor_bytes\":%zu,"
        "\"bytes_copied\":%llu,\"peak_rss_bytes\":%lld,\"nodes\":%d,\"dynamic\":%s",
        JsonEscape(fs::path(a.model).filename().string()).c_str(), a.backend.c_str(), a.threads,
        a.runs, median, p90, times.front(), session.load_stats().load_ms, rs.arena_bytes,
        rs.tensor_bytes, static_cast<unsigned long long>(copied),
        static_cast<long long>(ru.ru_maxrss) * 1024, session.load_stats().nodes_after_passes,
        rs.dynamic ? "true" : "false");
    if (check_run) {
      std::printf(",\"check\":{\"passed\":%s,\"max_abs_err\":%.6g,\"message\":\"%s\"}",
                  cmp.passed ? "true" : "false", cmp.max_abs_err, JsonEscape(cmp.message).c_str());
    }
    std::printf("}\n");
  } else {
    std::printf(
        "%s on %s, %d thread(s): median %.3f ms, p90 %.3f ms over %d run(s); load %.1f ms\n",
        a.model.c_str(), session.backend_info().name.c_str(), a.threads, median, p90, a.runs,
        session.load_stats().load_ms);
    std::printf(
        "arena %zu bytes (tensors %zu), copied %llu bytes/run, peak RSS %lld KiB, %d nodes (%s)\n",
        rs.arena_bytes, rs.tensor_bytes, static_cast<unsigned long long>(copied),
        static_cast<long long>(ru.ru_maxrss), session.load_stats().nodes_after_passes,
        session.load_stats().passes.ToString().c_str());
    for (size_t k = 0; k < outs.size(); ++k) {
      std::printf("output %zu '%s': %s%s\n", k, session.outputs()[k]->name.c_str(),
                  std::string(socd::graph::DTypeName(outs[k].dtype)).c_str(),
                  socd::graph::ShapeToString(outs[k].shape).c_str());
    }
    if (check_run) {
      std::printf("check %s: %s (max abs err %.3g)\n", a.check_dir.c_str(),
                  cmp.passed ? "PASSED" : "FAILED", cmp.max_abs_err);
      if (!cmp.passed) std::printf("  %s\n", cmp.message.c_str());
    }
  }
  return check_run && !cmp.passed ? 1 : 0;
}
