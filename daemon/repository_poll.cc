#include "daemon/repository_poll.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "spdlog/spdlog.h"

namespace socd::daemon {

namespace fs = std::filesystem;

std::string ModelDirFingerprint(const std::string& dir) {
  std::vector<std::string> parts;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    std::error_code fec;
    // Follow symlinks: a repository often links model files from elsewhere.
    const auto status = fs::status(it->path(), fec);
    if (fec || !fs::is_regular_file(status)) continue;
    const auto size = fs::file_size(it->path(), fec);
    const auto mtime = fs::last_write_time(it->path(), fec).time_since_epoch().count();
    parts.push_back(
        absl::StrCat(fs::relative(it->path(), dir, fec).string(), ":", size, ":", mtime));
  }
  std::sort(parts.begin(), parts.end());
  return absl::StrJoin(parts, "|");
}

ModelRepository::PollResult ModelRepository::Poll() {
  PollResult r;
  std::error_code ec;
  std::vector<std::string> on_disk;
  for (const auto& e : fs::directory_iterator(root_, ec)) {
    if (e.is_directory()) on_disk.push_back(e.path().filename().string());
  }
  if (ec) {
    // An unreadable repository (being replaced, a mount gone) unloads nothing.
    spdlog::error("poll: cannot read model repository {}: {}", root_, ec.message());
    return r;
  }
  std::sort(on_disk.begin(), on_disk.end());
  for (const auto& name : on_disk) {
    const std::string fp = ModelDirFingerprint((fs::path(root_) / name).string());
    bool known = false, serving = false;
    {
      std::lock_guard<std::mutex> l(mu_);
      auto it = models_.find(name);
      known = it != models_.end();
      if (known && it->second.fingerprint == fp) continue;
      serving = known && !it->second.versions.empty();
    }
    if (!serving) {  // new, or known but not loaded: a plain load
      (Load(name).ok() ? (known ? r.reloaded : r.loaded) : r.failed).push_back(name);
      continue;
    }
    auto loaded = LoadModelDir(name);
    std::lock_guard<std::mutex> l(mu_);
    Entry& e = models_[name];
    e.fingerprint = fp;  // retried when the folder changes again, not on every poll
    if (!loaded.ok()) {
      spdlog::error(
          "poll: model '{}' changed but does not load, the loaded version(s) keep serving: {}",
          name, std::string(loaded.status().message()));
      r.failed.push_back(name);
      continue;
    }
    for (const auto& [v, old] : e.versions) {
      if (!loaded->count(v)) CloseQueue(*old, "unloaded");
    }
    e.versions = *std::move(loaded);
    e.state = "READY";
    e.reason.clear();
    r.reloaded.push_back(name);
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto it = models_.begin(); it != models_.end();) {
      if (std::binary_search(on_disk.begin(), on_disk.end(), it->first)) {
        ++it;
        continue;
      }
      for (const auto& [v, m] : it->second.versions) CloseQueue(*m, "removed from the repository");
      r.unloaded.push_back(it->first);
      it = models_.erase(it);
    }
  }
  using Named = std::pair<const char*, const std::vector<std::string>*>;
  for (const auto& [what, names] : std::initializer_list<Named>{{"loaded", &r.loaded},
                                                                {"reloaded", &r.reloaded},
                                                                {"unloaded", &r.unloaded},
                                                                {"failed", &r.failed}}) {
    if (!names->empty()) spdlog::info("poll: {} {}", what, absl::StrJoin(*names, ", "));
  }
  return r;
}

RepositoryPoller::RepositoryPoller(ModelRepository* repo, std::chrono::seconds every)
    : repo_(repo), every_(std::max(every, std::chrono::seconds(1))) {
  thread_ = std::thread([this] { Loop(); });
}

RepositoryPoller::~RepositoryPoller() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void RepositoryPoller::Loop() {
  std::unique_lock<std::mutex> l(mu_);
  while (!cv_.wait_for(l, every_, [this] { return stop_; })) {
    l.unlock();
    repo_->Poll();
    l.lock();
  }
}

}  // namespace socd::daemon
