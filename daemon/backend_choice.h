// Which backend a repository model loads on, from its config.pbtxt: Triton's instance_group
// kind (KIND_GPU -> socd's GPU backends, KIND_CPU -> the CPU backend) and socd's own section
// (allowed_backends, memory_budget_bytes, quality variants). Until the cost-model partitioner
// exists a model runs whole on one backend: the first candidate that loads it.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model_config.pb.h"
#include "scheduler/session.h"

namespace socd::daemon {

// Backends to try, in order. KIND_GPU: vulkan, then opencl, then cpu as the fallback Triton
// would not have (a device without a usable GPU still serves the model); KIND_CPU: cpu;
// KIND_AUTO/KIND_MODEL or no instance_group: cpu (the fastest on CPU-only machines until the
// partitioner weighs devices). socd.allowed_backends filters the list and, when it names
// backends the kind did not, they follow in its order. INVALID_ARGUMENT for an unknown name
// or when nothing is left.
absl::StatusOr<std::vector<std::string>> BackendCandidates(const inference::ModelConfig& config);

// Checks socd.variants: known precisions, files present in `version_dir`.
absl::Status CheckVariants(const inference::ModelConfig& config, const std::string& version_dir);

// Bytes the loaded model holds: its weights (constants) and the arena of one inference.
uint64_t ModelMemoryBytes(const scheduler::Session& s);

// FAILED_PRECONDITION naming both numbers when socd.memory_budget_bytes is set and exceeded.
absl::Status CheckMemoryBudget(const inference::ModelConfig& config, const scheduler::Session& s);

}  // namespace socd::daemon
