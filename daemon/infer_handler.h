// One ModelInfer request end to end, independent of the gRPC transport: validation
// (daemon/infer_request.h), the model's queue (priority, deadline, fairness between clients,
// dynamic batching), the run, and the per-model statistics.
#pragma once

#include <chrono>
#include <functional>

#include "absl/status/status.h"
#include "daemon/infer_request.h"
#include "daemon/model_repository.h"
#include "daemon/shm_registry.h"
#include "inference.pb.h"
#include "scheduler/request_queue.h"

namespace socd::daemon {

class InferHandler {
 public:
  InferHandler(ModelRepository* repo, ShmRegistry* shm, InferLimits limits = {})
      : repo_(repo), shm_(shm), limits_(limits) {}

  // `cancelled` is polled while the request waits so abandoned requests do no work.
  // `deadline` is the transport's (the gRPC deadline); the request's "timeout" parameter
  // (microseconds) or the model's default queue timeout may shorten it. `client` identifies
  // the caller for round-robin fairness (the daemon passes the peer's pid).
  absl::Status Infer(
      const inference::ModelInferRequest& req, inference::ModelInferResponse* resp,
      const std::function<bool()>& cancelled = nullptr,
      std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max(),
      uint64_t client = 0);

 private:
  // Runs the batch the queue gave this request (its own request is member 0), completes the
  // other members and releases the model. Returns the caller's own outcome.
  absl::Status RunBatch(scheduler::Batch& batch, LoadedModel& model);
  // One request alone on the model (the model is held by the caller).
  absl::Status RunAlone(PreparedRequest& p, LoadedModel& model);

  ModelRepository* repo_;
  ShmRegistry* shm_;
  InferLimits limits_;
};

}  // namespace socd::daemon
