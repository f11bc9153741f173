// One ModelInfer request end to end, independent of the gRPC transport: validation, input
// resolution (raw bytes in place, typed contents decoded, shared-memory regions in place), the
// run, and output encoding. Every rejection names the field, tensor or region at fault.
#pragma once

#include <chrono>
#include <functional>

#include "absl/status/status.h"
#include "daemon/model_repository.h"
#include "daemon/shm_registry.h"
#include "inference.pb.h"

namespace socd::daemon {

struct InferLimits {
  uint64_t max_input_bytes = uint64_t{1} << 30;  // per request, all inputs together
};

class InferHandler {
 public:
  InferHandler(ModelRepository* repo, ShmRegistry* shm, InferLimits limits = {})
      : repo_(repo), shm_(shm), limits_(limits) {}

  // `cancelled` is polled before the model runs so abandoned requests do no work.
  // `deadline` is the transport's (the gRPC deadline); the request's "timeout" parameter
  // (microseconds) or the model's default queue timeout may shorten it.
  absl::Status Infer(const inference::ModelInferRequest& req, inference::ModelInferResponse* resp,
                     const std::function<bool()>& cancelled = nullptr,
                     std::chrono::steady_clock::time_point deadline =
                         std::chrono::steady_clock::time_point::max());

 private:
  ModelRepository* repo_;
  ShmRegistry* shm_;
  InferLimits limits_;
};

}  // namespace socd::daemon
