// A Triton-layout model repository: <root>/<model>/config.pbtxt (optional) and
// <root>/<model>/<version>/model.onnx. Tracks each model's state (READY / UNAVAILABLE with the
// reason) so one broken model never takes the repository down.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "model_config.pb.h"
#include "scheduler/request_queue.h"
#include "scheduler/session.h"

namespace socd::daemon {

struct ModelStats {
  std::atomic<uint64_t> success_count{0}, success_ns{0};
  std::atomic<uint64_t> fail_count{0}, fail_ns{0};
  std::atomic<uint64_t> queue_count{0}, queue_ns{0};
  std::atomic<uint64_t> compute_input_ns{0}, compute_infer_ns{0}, compute_output_ns{0};
  std::atomic<uint64_t> inference_count{0}, execution_count{0};
  std::atomic<uint64_t> last_inference_ms{0};
};

// One loaded version of a model. Requests share it through shared_ptr, so unloading never
// frees a model under a running request.
struct LoadedModel {
  std::string name;
  int64_t version = 0;
  inference::ModelConfig config;  // as given, completed from the model where it was silent
  std::unique_ptr<scheduler::Session> session;
  // Orders requests (priority, deadlines, queue bound); a Session runs one request at a time.
  std::unique_ptr<scheduler::RequestQueue> queue;
  uint64_t default_timeout_us = 0;  // 0: none
  bool allow_timeout_override = true;
  ModelStats stats;
};

struct ModelIndexEntry {
  std::string name;
  std::string version;
  std::string state;   // READY, UNAVAILABLE
  std::string reason;  // why UNAVAILABLE
};

enum class ControlMode { kNone, kExplicit, kPoll };

struct RepositoryOptions {
  ControlMode mode = ControlMode::kNone;
  int threads = 1;
};

class ModelRepository {
 public:
  ModelRepository(std::string root, RepositoryOptions opts);

  // Loads every model found (mode none/poll) — failures become UNAVAILABLE entries.
  void LoadAll();
  absl::Status Load(const std::string& name);
  absl::Status Unload(const std::string& name);
  // The requested version ("" = highest loaded), or NotFound/Unavailable naming the model.
  absl::StatusOr<std::shared_ptr<LoadedModel>> Get(const std::string& name,
                                                   const std::string& version) const;
  std::vector<ModelIndexEntry> Index() const;
  std::vector<std::shared_ptr<LoadedModel>> Loaded() const;
  const RepositoryOptions& options() const { return opts_; }
  const std::string& root() const { return root_; }

 private:
  struct Entry {
    std::map<int64_t, std::shared_ptr<LoadedModel>> versions;
    std::string state = "UNAVAILABLE";
    std::string reason;
  };
  absl::StatusOr<std::map<int64_t, std::shared_ptr<LoadedModel>>> LoadModelDir(
      const std::string& name) const;

  std::string root_;
  RepositoryOptions opts_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> models_;
};

// Parses config.pbtxt text. Unknown fields (Triton features socd does not model) are warnings
// appended to `warnings`, not errors.
absl::StatusOr<inference::ModelConfig> ParseModelConfig(const std::string& text,
                                                        std::vector<std::string>* warnings);

// Checks a config against the loaded model and fills what it leaves out (inputs, outputs,
// types, dims), the way Triton's auto-complete does for ONNX models.
absl::Status ReconcileConfig(const scheduler::Session& session, inference::ModelConfig& config);

}  // namespace socd::daemon
