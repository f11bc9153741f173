// Prometheus metrics (text exposition format 0.0.4) for socd, named like Triton's nv_* metrics
// so existing dashboards need only a prefix change: per-model request counters and cumulative
// durations, queue depth, bytes copied, per-backend busy time and utilization, model readiness
// and the standard process_* metrics. Rendered on demand from the repository: nothing is
// recorded on the inference path beyond the ModelStats counters it already keeps.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/strings/string_view.h"
#include "daemon/model_repository.h"

namespace socd::daemon {

class Metrics {
 public:
  explicit Metrics(const ModelRepository* repo);

  // The full exposition; thread-safe (scrapes may overlap with inference and with each other).
  std::string Render();

 private:
  // Backend busy time must stay monotonic although unloading a model drops its ModelStats, so
  // the time each model version spent is folded into a per-backend total scrape by scrape.
  struct Seen {
    std::weak_ptr<LoadedModel> model;
    uint64_t infer_ns = 0;
  };
  void AccumulateBusy(const std::vector<std::shared_ptr<LoadedModel>>& loaded);

  const ModelRepository* repo_;
  const std::chrono::steady_clock::time_point started_;
  std::mutex mu_;
  std::map<const LoadedModel*, Seen> seen_;
  std::map<std::string, uint64_t> busy_ns_;  // backend -> total
};

// The escaping the exposition format requires inside a quoted label value (\\, \", \n).
std::string EscapeLabelValue(absl::string_view v);

// Resident set size of this process in bytes (/proc/self/statm), 0 if unknown.
uint64_t ResidentMemoryBytes();
// Process start as seconds since the Unix epoch (/proc/self/stat + boot time), 0 if unknown.
double ProcessStartTimeSeconds();

}  // namespace socd::daemon
