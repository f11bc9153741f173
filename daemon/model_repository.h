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

// Executions of one batch size (Triton's InferBatchStatistics).
struct BatchStats {
  uint64_t count = 0, compute_input_ns = 0, compute_infer_ns = 0, compute_output_ns = 0;
};

struct ModelStats {
  std::atomic<uint64_t> success_count{0}, success_ns{0};
  std::atomic<uint64_t> fail_count{0}, fail_ns{0};
  std::atomic<uint64_t> queue_count{0}, queue_ns{0};
  std::atomic<uint64_t> compute_input_ns{0}, compute_infer_ns{0}, compute_output_ns{0};
  std::atomic<uint64_t> inference_count{0}, execution_count{0};
  std::atomic<uint64_t> last_inference_ms{0};

  // One execution of the model on `rows` rows (1 for models without a batch dimension).
  void RecordExecution(uint64_t rows, uint64_t input_ns, uint64_t infer_ns, uint64_t output_ns) {
    execution_count++;
    std::lock_guard<std::mutex> l(batch_mu_);
    BatchStats& b = batches_[rows];
    b.count++;
    b.compute_input_ns += input_ns;
    b.compute_infer_ns += infer_ns;
    b.compute_output_ns += output_ns;
  }
  std::map<uint64_t, BatchStats> Batches() const {
    std::lock_guard<std::mutex> l(batch_mu_);
    return batches_;
  }

 private:
  mutable std::mutex batch_mu_;
  std::map<uint64_t, BatchStats> batches_;  // by batch size
};

// One loaded version of a model. Requests share it through shared_ptr, so unloading never
// frees a model under a running request.
struct LoadedModel {
  std::string name;
  int64_t version = 0;
  inference::ModelConfig config;  // as given, completed from the model where it was silent
  std::unique_ptr<scheduler::Session> session;
  // Execution slots shared with the other models; outlives `queue`, which registers with it.
  std::shared_ptr<scheduler::Dispatcher> dispatcher;
  // Orders and batches requests (priority, deadlines, fairness, queue bound); a Session runs
  // one batch at a time.
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
  // Batches running at once across all models; free slots go to models round-robin.
  int execution_slots = 1;
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
  // Poll mode: one rescan of the repository (daemon/repository_poll.cc). New folders are
  // loaded, changed ones reloaded (a failed reload keeps the loaded versions serving), removed
  // ones unloaded and forgotten. Returns the names per outcome, for logs and tests.
  struct PollResult {
    std::vector<std::string> loaded, reloaded, unloaded, failed;
  };
  PollResult Poll();
  std::vector<std::shared_ptr<LoadedModel>> Loaded() const;
  const RepositoryOptions& options() const { return opts_; }
  const std::string& root() const { return root_; }

 private:
  struct Entry {
    std::map<int64_t, std::shared_ptr<LoadedModel>> versions;
    std::string state = "UNAVAILABLE";
    std::string reason;
    std::string fingerprint;  // of the model's folder when it was last (re)loaded
  };
  absl::StatusOr<std::map<int64_t, std::shared_ptr<LoadedModel>>> LoadModelDir(
      const std::string& name) const;
  static void CloseQueue(LoadedModel& m, const char* why);

  std::string root_;
  RepositoryOptions opts_;
  std::shared_ptr<scheduler::Dispatcher> dispatcher_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> models_;
};

// Names, sizes and modification times of everything under a model's folder: what poll mode
// compares to notice a changed model.
std::string ModelDirFingerprint(const std::string& dir);

// Parses config.pbtxt text. Unknown fields (Triton features socd does not model) are warnings
// appended to `warnings`, not errors.
absl::StatusOr<inference::ModelConfig> ParseModelConfig(const std::string& text,
                                                        std::vector<std::string>* warnings);

// Checks a config against the loaded model and fills what it leaves out (inputs, outputs,
// types, dims), the way Triton's auto-complete does for ONNX models.
absl::Status ReconcileConfig(const scheduler::Session& session, inference::ModelConfig& config);

}  // namespace socd::daemon
