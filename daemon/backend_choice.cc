#include "daemon/backend_choice.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace socd::daemon {

namespace backend_choice_impl {

const std::vector<std::string>& KnownBackends() {
  static const std::vector<std::string> k = {"cpu", "vulkan", "opencl", "npu"};
  return k;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace backend_choice_impl

using backend_choice_impl::Contains;

absl::StatusOr<std::vector<std::string>> BackendCandidates(const inference::ModelConfig& config) {
  using Kind = inference::ModelInstanceGroup;
  std::vector<std::string> order;
  const auto kind =
      config.instance_group_size() > 0 ? config.instance_group(0).kind() : Kind::KIND_AUTO;
  if (kind == Kind::KIND_GPU)
    order = {"vulkan", "opencl", "cpu"};
  else
    order = {"cpu"};
  const auto& allowed = config.socd().allowed_backends();
  if (allowed.empty()) return order;
  std::vector<std::string> allow(allowed.begin(), allowed.end());
  for (const auto& a : allow) {
    if (!Contains(backend_choice_impl::KnownBackends(), a)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "socd.allowed_backends names '", a,
          "' (known: ", absl::StrJoin(backend_choice_impl::KnownBackends(), ", "), ")"));
    }
  }
  std::vector<std::string> out;
  for (const auto& b : order)
    if (Contains(allow, b)) out.push_back(b);
  for (const auto& a : allow)
    if (!Contains(out, a)) out.push_back(a);
  return out;
}

absl::Status CheckVariants(const inference::ModelConfig& config, const std::string& version_dir) {
  for (const auto& v : config.socd().variants()) {
    const std::string& p = v.precision();
    if (!p.empty() && p != "fp32" && p != "fp16" && p != "int8") {
      return absl::InvalidArgumentError(absl::StrCat("socd.variants '", v.name(), "': precision '",
                                                     p, "' (expected fp32, fp16 or int8)"));
    }
    if (!v.filename().empty()) {
      std::error_code ec;
      if (v.filename().find('/') != std::string::npos ||
          !std::filesystem::is_regular_file(std::filesystem::path(version_dir) / v.filename(),
                                            ec)) {
        return absl::NotFoundError(absl::StrCat("socd.variants '", v.name(), "': file '",
                                                v.filename(), "' is not in ", version_dir));
      }
    }
  }
  return absl::OkStatus();
}

uint64_t ModelMemoryBytes(const scheduler::Session& s) {
  uint64_t weights = 0;
  for (const auto& v : s.graph().values)
    if (v.constant) weights += v.constant->bytes();
  return weights + s.run_stats().arena_bytes;
}

absl::Status CheckMemoryBudget(const inference::ModelConfig& config, const scheduler::Session& s) {
  const uint64_t budget = config.socd().memory_budget_bytes();
  if (budget == 0) return absl::OkStatus();
  const uint64_t need = ModelMemoryBytes(s);
  if (need <= budget) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("needs ", need,
                   " bytes (weights and the arena of one inference), more than "
                   "socd.memory_budget_bytes ",
                   budget));
}

}  // namespace socd::daemon
