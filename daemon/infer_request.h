// One validated ModelInfer request, ready to run alone or in a batch: its inputs resolved to
// views (raw bytes and shared memory in place, typed contents decoded), its requested outputs
// checked, its scheduling parameters read. Every rejection names the field, tensor or region.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "daemon/model_repository.h"
#include "daemon/shm_registry.h"
#include "inference.pb.h"

namespace socd::daemon {

struct ShmRef {
  bool used = false;
  std::string region;
  uint64_t offset = 0;
  uint64_t byte_size = 0;
};

struct InferLimits {
  uint64_t max_input_bytes = uint64_t{1} << 30;  // per request, all inputs together
};

struct PreparedRequest {
  using Clock = std::chrono::steady_clock;
  const inference::ModelInferRequest* req = nullptr;
  inference::ModelInferResponse* resp = nullptr;
  std::shared_ptr<LoadedModel> model;
  // Keep decoded inputs and shared-memory regions alive while the request runs: a region
  // unregistered meanwhile is unmapped only when the last request using it finishes.
  std::vector<std::shared_ptr<graph::Tensor>> owned;
  std::vector<std::shared_ptr<const ShmRegion>> regions;
  std::vector<graph::TensorView> views;           // model input order
  std::vector<std::pair<size_t, ShmRef>> wanted;  // model output index, destination
  std::vector<std::string*> raw_slot;             // parallel to wanted (null for shm)
  uint32_t priority = 0;
  uint64_t timeout_us = 0;
  uint32_t rows = 1;  // dim 0 when the model batches
  std::function<bool()> cancelled;
  // Filled by whoever runs the request (its own thread or its batch's runner).
  Clock::time_point t_start, t_queue, t_run, t_ran;
};

// Validates `req` against `p.model` and fills `p` (everything but timing and raw_slot).
absl::Status PrepareRequest(const ShmRegistry& shm, const InferLimits& limits,
                            const inference::ModelInferRequest& req, PreparedRequest& p);

// Adds the response's raw_output_contents entries (one per requested output not in shared
// memory) and, where `planned` knows the output sizes, points `dest` (per model output) at the
// response bytes or the shared-memory window so kernels write outputs in place.
void PlaceOutputs(const std::vector<graph::TensorView>& planned, PreparedRequest& p,
                  std::vector<void*>& dest);

// Writes the requested outputs (`outs`, per model output) into the response and shared memory,
// copying only what was not already written in place.
absl::Status WriteOutputs(const std::vector<graph::TensorView>& outs, PreparedRequest& p);

}  // namespace socd::daemon
