#include "daemon/model_repository.h"

#include "daemon/backend_choice.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "spdlog/spdlog.h"

namespace socd::daemon {

namespace fs = std::filesystem;

ModelRepository::ModelRepository(std::string root, RepositoryOptions opts)
    : root_(std::move(root)),
      opts_(opts),
      dispatcher_(std::make_shared<scheduler::Dispatcher>(opts.execution_slots)) {}

namespace repo_impl {

bool IsVersionDir(const fs::directory_entry& e, int64_t* v) {
  if (!e.is_directory()) return false;
  const std::string n = e.path().filename().string();
  if (n.empty() || n.size() > 18 || n.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  *v = std::stoll(n);
  return true;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace repo_impl

void ModelRepository::CloseQueue(LoadedModel& m, const char* why) {
  m.queue->Close(absl::UnavailableError(absl::StrCat(
      "model '", m.name, "' version ", m.version, " was ", why, " while the request was queued")));
}

absl::StatusOr<std::map<int64_t, std::shared_ptr<LoadedModel>>> ModelRepository::LoadModelDir(
    const std::string& name) const {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
    return absl::InvalidArgumentError(absl::StrCat("invalid model name '", name, "'"));
  }
  fs::path dir = fs::path(root_) / name;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::NotFoundError(absl::StrCat("model '", name, "' is not in the repository ", root_));
  }
  inference::ModelConfig config;
  fs::path cfg_path = dir / "config.pbtxt";
  if (fs::exists(cfg_path, ec)) {
    std::vector<std::string> warnings;
    auto c = ParseModelConfig(repo_impl::ReadFile(cfg_path), &warnings);
    if (!c.ok()) return c.status();
    for (const auto& w : warnings) spdlog::warn("model '{}': {} (ignored)", name, w);
    config = *std::move(c);
  }
  if (!config.name().empty() && config.name() != name) {
    return absl::InvalidArgumentError(absl::StrCat("config.pbtxt names the model '", config.name(),
                                                   "' but its folder is '", name, "'"));
  }
  config.set_name(name);
  const std::string& platform = config.platform();
  const std::string& backend = config.backend();
  if (!(platform.empty() || platform == "onnxruntime_onnx" || platform == "socd_onnx") ||
      !(backend.empty() || backend == "onnxruntime" || backend == "socd")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model '", name, "': platform '", platform, "' / backend '", backend,
        "' is not supported (socd serves ONNX models: onnxruntime_onnx / onnxruntime)"));
  }
  std::vector<int64_t> versions;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    int64_t v;
    if (repo_impl::IsVersionDir(e, &v)) versions.push_back(v);
  }
  std::sort(versions.begin(), versions.end());
  if (versions.empty()) {
    return absl::NotFoundError(absl::StrCat("model '", name, "' has no version folders (",
                                            dir.string(), "/<N>/model.onnx)"));
  }
  std::vector<int64_t> chosen;
  const auto& vp = config.version_policy();
  if (vp.has_all()) {
    chosen = versions;
  } else if (vp.has_specific()) {
    for (int64_t v : vp.specific().versions()) {
      if (std::find(versions.begin(), versions.end(), v) == versions.end()) {
        return absl::NotFoundError(absl::StrCat("model '", name, "': version ", v,
                                                " named by version_policy does not exist"));
      }
      chosen.push_back(v);
    }
  } else {
    size_t n = vp.has_latest() && vp.latest().num_versions() > 0 ? vp.latest().num_versions() : 1;
    for (size_t i = versions.size() > n ? versions.size() - n : 0; i < versions.size(); ++i) {
      chosen.push_back(versions[i]);
    }
  }
  std::string file =
      config.default_model_filename().empty() ? "model.onnx" : config.default_model_filename();
  std::map<int64_t, std::shared_ptr<LoadedModel>> loaded;
  for (int64_t v : chosen) {
    fs::path model_path = dir / std::to_string(v) / file;
    if (auto s = CheckVariants(config, (dir / std::to_string(v)).string()); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("model '", name, "': ", s.message()));
    }
    auto candidates = BackendCandidates(config);
    if (!candidates.ok()) {
      return absl::Status(candidates.status().code(),
                          absl::StrCat("model '", name, "': ", candidates.status().message()));
    }
    // The first backend that loads the whole model (and fits the memory budget) serves it.
    absl::StatusOr<std::unique_ptr<scheduler::Session>> session =
        absl::UnavailableError("no backend tried");
    std::vector<std::string> refusals;
    for (const std::string& b : *candidates) {
      scheduler::SessionOptions so;
      so.backend = b;
      so.threads = opts_.threads;
      session = scheduler::Session::Load(model_path.string(), so);
      if (session.ok()) {
        if (auto s = CheckMemoryBudget(config, **session); !s.ok()) session = s;
      }
      if (session.ok()) break;
      refusals.push_back(absl::StrCat(b, ": ", session.status().message()));
      if (b != candidates->back()) {
        spdlog::warn("model '{}' version {}: not on {} ({}); trying the next backend", name, v, b,
                     std::string(session.status().message()));
      }
    }
    if (!session.ok()) {
      return absl::Status(
          session.status().code(),
          absl::StrCat("model '", name, "' version ", v, ": ",
                       refusals.size() > 1 ? absl::StrJoin(refusals, "; ")
                                           : std::string(session.status().message())));
    }
    spdlog::info("model '{}' version {} on {}", name, v, (*session)->backend_info().name);
    auto m = std::make_shared<LoadedModel>();
    m->name = name;
    m->version = v;
    m->config = config;
    if (auto s = ReconcileConfig(**session, m->config); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("model '", name, "': ", s.message()));
    }
    m->session = *std::move(session);
    scheduler::QueueOptions qo;
    if (m->config.has_dynamic_batching()) {
      const auto& db = m->config.dynamic_batching();
      qo.priority_levels = std::max<uint32_t>(1, static_cast<uint32_t>(db.priority_levels()));
      qo.default_priority = db.default_priority_level() > 0
                                ? static_cast<uint32_t>(db.default_priority_level())
                                : (qo.priority_levels + 1) / 2;
      qo.max_queue_size = db.default_queue_policy().max_queue_size();
      m->default_timeout_us = db.default_queue_policy().default_timeout_microseconds();
      m->allow_timeout_override =
          db.default_queue_policy().allow_timeout_override() || !db.has_default_queue_policy();
      if (qo.default_priority > qo.priority_levels) {
        return absl::InvalidArgumentError(
            absl::StrCat("model '", name, "': default_priority_level ", qo.default_priority,
                         " exceeds priority_levels ", qo.priority_levels));
      }
    }
    if (m->config.has_dynamic_batching() && m->config.max_batch_size() > 1) {
      const auto& db = m->config.dynamic_batching();
      qo.batching.max_batch_size = static_cast<uint32_t>(m->config.max_batch_size());
      for (int p : db.preferred_batch_size()) {
        if (p < 1 || p > m->config.max_batch_size()) {
          return absl::InvalidArgumentError(
              absl::StrCat("model '", name, "': dynamic_batching.preferred_batch_size ", p,
                           " must be in [1, max_batch_size = ", m->config.max_batch_size(), "]"));
        }
        qo.batching.preferred_batch_sizes.push_back(static_cast<uint32_t>(p));
      }
      qo.batching.max_queue_delay = std::chrono::microseconds(
          std::min<uint64_t>(db.max_queue_delay_microseconds(), uint64_t{60} * 1000 * 1000));
    }
    m->dispatcher = dispatcher_;
    m->queue = std::make_unique<scheduler::RequestQueue>(qo, m->dispatcher.get());
    loaded[v] = std::move(m);
  }
  return loaded;
}

void ModelRepository::LoadAll() {
  std::error_code ec;
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(root_, ec)) {
    if (e.is_directory()) names.push_back(e.path().filename().string());
  }
  if (ec) spdlog::error("cannot read model repository {}: {}", root_, std::string(ec.message()));
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    if (auto s = Load(n); !s.ok()) spdlog::error("{}", std::string(s.message()));
  }
}

absl::Status ModelRepository::Load(const std::string& name) {
  const std::string fingerprint = ModelDirFingerprint((fs::path(root_) / name).string());
  auto loaded = LoadModelDir(name);
  std::lock_guard<std::mutex> l(mu_);
  if (!loaded.ok()) {
    // A model whose folder exists stays listed as UNAVAILABLE with the reason.
    if (!absl::IsNotFound(loaded.status()) || models_.count(name) ||
        fs::is_directory(fs::path(root_) / name)) {
      Entry& e = models_[name];
      for (const auto& [v, m] : e.versions) CloseQueue(*m, "unloaded");
      e.versions.clear();
      e.fingerprint = fingerprint;
      e.state = "UNAVAILABLE";
      e.reason = std::string(loaded.status().message());
    }
    return loaded.status();
  }
  Entry& e = models_[name];
  // Requests queued on a replaced version still run on it (they hold it); a version that is
  // gone from the new set is unloaded.
  for (const auto& [v, old] : e.versions) {
    if (!loaded->count(v)) CloseQueue(*old, "unloaded");
  }
  e.versions = *std::move(loaded);
  e.fingerprint = fingerprint;
  e.state = "READY";
  e.reason.clear();
  for (const auto& [v, m] : e.versions) {
    spdlog::info("model '{}' version {} READY ({} nodes, load {:.1f} ms)", name, v,
                 m->session->load_stats().nodes_after_passes, m->session->load_stats().load_ms);
  }
  return absl::OkStatus();
}

absl::Status ModelRepository::Unload(const std::string& name) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = models_.find(name);
  if (it == models_.end()) {
    return absl::NotFoundError(absl::StrCat("model '", name, "' is not loaded"));
  }
  // Running batches finish (they hold the model); queued requests fail with UNAVAILABLE.
  for (const auto& [v, m] : it->second.versions) CloseQueue(*m, "unloaded");
  it->second.versions.clear();
  it->second.state = "UNAVAILABLE";
  it->second.reason = "unloaded";
  spdlog::info("model '{}' unloaded", name);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<LoadedModel>> ModelRepository::Get(
    const std::string& name, const std::string& version) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = models_.find(name);
  if (it == models_.end()) {
    return absl::NotFoundError(absl::StrCat("unknown model '", name, "'"));
  }
  const Entry& e = it->second;
  if (e.versions.empty()) {
    return absl::UnavailableError(absl::StrCat("model '", name, "' is not ready: ", e.reason));
  }
  if (version.empty()) return e.versions.rbegin()->second;
  int64_t v = -1;
  if (version.find_first_not_of("0123456789") == std::string::npos && version.size() < 19) {
    v = std::stoll(version);
  }
  auto vit = e.versions.find(v);
  if (vit == e.versions.end()) {
    return absl::NotFoundError(
        absl::StrCat("model '", name, "' has no loaded version '", version, "'"));
  }
  return vit->second;
}

std::vector<ModelIndexEntry> ModelRepository::Index() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<ModelIndexEntry> out;
  for (const auto& [name, e] : models_) {
    if (e.versions.empty()) {
      out.push_back({name, "", e.state, e.reason});
      continue;
    }
    for (const auto& [v, m] : e.versions) out.push_back({name, std::to_string(v), e.state, ""});
  }
  // Folders not loaded yet (explicit mode) are listed too, as Triton does.
  std::error_code ec;
  for (const auto& d : fs::directory_iterator(root_, ec)) {
    if (!d.is_directory()) continue;
    std::string n = d.path().filename().string();
    if (!models_.count(n)) out.push_back({n, "", "UNAVAILABLE", "not loaded"});
  }
  return out;
}

std::vector<std::shared_ptr<LoadedModel>> ModelRepository::Loaded() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::shared_ptr<LoadedModel>> out;
  for (const auto& [name, e] : models_)
    for (const auto& [v, m] : e.versions) out.push_back(m);
  return out;
}

}  // namespace socd::daemon
