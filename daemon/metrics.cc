#include "daemon/metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "backends/backend.h"
#include "backends/memory/copy.h"

namespace socd::daemon {

namespace metrics_impl {

using ModelPtr = std::shared_ptr<LoadedModel>;

void Header(std::string& out, absl::string_view name, absl::string_view type,
            absl::string_view help) {
  absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

std::string ModelLabels(const LoadedModel& m) {
  return absl::StrCat("{model=\"", EscapeLabelValue(m.name), "\",version=\"", m.version, "\"}");
}

// One family with a sample per loaded model version.
void PerModel(std::string& out, const std::vector<ModelPtr>& loaded, absl::string_view name,
              absl::string_view type, absl::string_view help,
              const std::function<uint64_t(const LoadedModel&)>& value) {
  Header(out, name, type, help);
  for (const auto& m : loaded) absl::StrAppend(&out, name, ModelLabels(*m), " ", value(*m), "\n");
}

uint64_t Us(const std::atomic<uint64_t>& ns) { return ns.load(std::memory_order_relaxed) / 1000; }

// Fields of /proc/self/stat after the command name (which may itself hold spaces and ')').
std::vector<std::string> ProcStatFields() {
  std::ifstream f("/proc/self/stat");
  std::string line;
  std::getline(f, line);
  std::vector<std::string> fields;
  auto close = line.rfind(')');
  if (close == std::string::npos) return fields;
  std::istringstream rest(line.substr(close + 1));
  for (std::string s; rest >> s;) fields.push_back(s);
  return fields;  // fields[0] is field 3 (state); starttime (field 22) is fields[19]
}

// Seconds since boot at which this process started, or -1.
double StartSinceBoot() {
  auto fields = ProcStatFields();
  long ticks = sysconf(_SC_CLK_TCK);
  if (fields.size() < 20 || ticks <= 0) return -1;
  return std::strtod(fields[19].c_str(), nullptr) / static_cast<double>(ticks);
}

double SecondsSinceBoot() {
  std::ifstream f("/proc/uptime");
  double up = -1;
  if (!(f >> up)) return -1;
  return up;
}

}  // namespace metrics_impl

std::string EscapeLabelValue(absl::string_view v) {
  std::string o;
  o.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      o += "\\\\";
    else if (c == '"')
      o += "\\\"";
    else if (c == '\n')
      o += "\\n";
    else
      o += c;
  }
  return o;
}

uint64_t ResidentMemoryBytes() {
  std::ifstream f("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  if (!(f >> size >> resident)) return 0;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

double ProcessStartTimeSeconds() {
  double start = metrics_impl::StartSinceBoot();
  if (start < 0) return 0;
  std::ifstream f("/proc/stat");
  for (std::string key; f >> key;) {
    if (key == "btime") {
      double btime = 0;
      f >> btime;
      return btime + start;
    }
  }
  return 0;
}

Metrics::Metrics(const ModelRepository* repo)
    : repo_(repo), started_(std::chrono::steady_clock::now()) {
  busy_ns_["cpu"] = 0;  // always exported, even before the first inference
}

void Metrics::AccumulateBusy(const std::vector<std::shared_ptr<LoadedModel>>& loaded) {
  // Unloaded versions that requests still hold stay tracked until their last request ends.
  std::vector<std::shared_ptr<LoadedModel>> models = loaded;
  for (const auto& [ptr, seen] : seen_) {
    if (auto m = seen.model.lock(); m && std::find(loaded.begin(), loaded.end(), m) == loaded.end())
      models.push_back(std::move(m));
  }
  std::map<const LoadedModel*, Seen> now;
  for (const auto& m : models) {
    const uint64_t ns = m->stats.compute_infer_ns.load(std::memory_order_relaxed);
    uint64_t before = 0;
    auto it = seen_.find(m.get());
    // The address of a freed model can be reused by a new one: trust the entry only while its
    // weak_ptr still points at this very model.
    if (it != seen_.end() && it->second.model.lock() == m) before = it->second.infer_ns;
    const std::string backend(backends::BackendKindName(m->session->backend_info().kind));
    busy_ns_[backend] += ns >= before ? ns - before : 0;
    now[m.get()] = Seen{m, ns};
  }
  seen_ = std::move(now);
}

std::string Metrics::Render() {
  using namespace metrics_impl;  // NOLINT: file-local helpers
  const std::vector<ModelPtr> loaded = repo_->Loaded();
  const std::vector<ModelIndexEntry> index = repo_->Index();
  std::string out;
  out.reserve(4096 + loaded.size() * 2048);

  PerModel(out, loaded, "socd_inference_request_success", "counter",
           "Number of successful inference requests, all batch sizes",
           [](const LoadedModel& m) { return m.stats.success_count.load(); });
  PerModel(out, loaded, "socd_inference_request_failure", "counter",
           "Number of failed inference requests (invalid input, queue full, timeout, "
           "cancellation, execution error), all batch sizes",
           [](const LoadedModel& m) { return m.stats.fail_count.load(); });
  PerModel(out, loaded, "socd_inference_count", "counter",
           "Number of inferences performed (a batch of N counts N; socd does not batch yet)",
           [](const LoadedModel& m) { return m.stats.inference_count.load(); });
  PerModel(out, loaded, "socd_inference_exec_count", "counter",
           "Number of model executions performed",
           [](const LoadedModel& m) { return m.stats.execution_count.load(); });
  PerModel(out, loaded, "socd_inference_request_duration_us", "counter",
           "Cumulative end-to-end inference request handling time of successful requests "
           "(microseconds)",
           [](const LoadedModel& m) { return Us(m.stats.success_ns); });
  PerModel(out, loaded, "socd_inference_queue_duration_us", "counter",
           "Cumulative time requests spent waiting in the scheduling queue (microseconds)",
           [](const LoadedModel& m) { return Us(m.stats.queue_ns); });
  PerModel(out, loaded, "socd_inference_compute_input_duration_us", "counter",
           "Cumulative time spent validating and preparing request inputs (microseconds)",
           [](const LoadedModel& m) { return Us(m.stats.compute_input_ns); });
  PerModel(out, loaded, "socd_inference_compute_infer_duration_us", "counter",
           "Cumulative time spent executing the model (microseconds)",
           [](const LoadedModel& m) { return Us(m.stats.compute_infer_ns); });
  PerModel(out, loaded, "socd_inference_compute_output_duration_us", "counter",
           "Cumulative time spent writing response outputs (microseconds)",
           [](const LoadedModel& m) { return Us(m.stats.compute_output_ns); });
  PerModel(out, loaded, "socd_queue_depth", "gauge",
           "Requests waiting in the model's queue now (not counting the one running)",
           [](const LoadedModel& m) { return m.queue ? m.queue->depth() : 0; });

  // Readiness per model name from the index, so UNAVAILABLE models are visible too.
  std::map<std::string, bool> ready;
  for (const auto& e : index) ready[e.name] = ready[e.name] || e.state == "READY";
  Header(out, "socd_model_ready", "gauge",
         "1 if at least one version of the model is READY, 0 if it is UNAVAILABLE");
  for (const auto& [name, r] : ready) {
    absl::StrAppend(&out, "socd_model_ready{model=\"", EscapeLabelValue(name), "\"} ", r ? 1 : 0,
                    "\n");
  }

  Header(out, "socd_bytes_copied_total", "counter",
         "Tensor bytes copied between buffers by socd since start (client <-> arena, output "
         "copies); zero-copy paths add nothing");
  absl::StrAppend(&out, "socd_bytes_copied_total ", memory::BytesCopied(), "\n");

  // Process lifetime from the kernel's clock, falling back to this object's age.
  double uptime = -1;
  if (double start = StartSinceBoot(), now = SecondsSinceBoot(); start >= 0 && now >= start)
    uptime = now - start;
  if (uptime <= 0)
    uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  {
    std::lock_guard<std::mutex> l(mu_);
    AccumulateBusy(loaded);
    Header(out, "socd_backend_busy_us_total", "counter",
           "Cumulative time the backend spent executing models (sum of all models' "
           "compute_infer time on it, microseconds)");
    for (const auto& [backend, ns] : busy_ns_) {
      absl::StrAppend(&out, "socd_backend_busy_us_total{backend=\"", EscapeLabelValue(backend),
                      "\"} ", ns / 1000, "\n");
    }
    Header(out, "socd_backend_utilization", "gauge",
           "Busy fraction of the backend over the process lifetime: "
           "socd_backend_busy_us_total / (seconds since the process started * 1e6); "
           "can exceed 1 when several models execute concurrently");
    for (const auto& [backend, ns] : busy_ns_) {
      absl::StrAppend(&out, "socd_backend_utilization{backend=\"", EscapeLabelValue(backend),
                      "\"} ", absl::StrFormat("%.6f", uptime > 0 ? ns / 1e9 / uptime : 0.0), "\n");
    }
  }

  Header(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  absl::StrAppend(&out, "process_resident_memory_bytes ", ResidentMemoryBytes(), "\n");
  Header(out, "process_start_time_seconds", "gauge",
         "Start time of the process since unix epoch in seconds.");
  absl::StrAppend(&out, "process_start_time_seconds ",
                  absl::StrFormat("%.2f", ProcessStartTimeSeconds()), "\n");
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) == 0) {
    const double cpu =
        ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    Header(out, "process_cpu_seconds_total", "counter",
           "Total user and system CPU time spent in seconds.");
    absl::StrAppend(&out, "process_cpu_seconds_total ", absl::StrFormat("%.6f", cpu), "\n");
  }
  return out;
}

}  // namespace socd::daemon
