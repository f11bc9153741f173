// Model control mode "poll": a thread that rescans the repository every few seconds
// (ModelRepository::Poll) until it is destroyed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "daemon/model_repository.h"

namespace socd::daemon {

class RepositoryPoller {
 public:
  RepositoryPoller(ModelRepository* repo, std::chrono::seconds every);
  ~RepositoryPoller();  // stops promptly (does not wait out the interval)
  RepositoryPoller(const RepositoryPoller&) = delete;
  RepositoryPoller& operator=(const RepositoryPoller&) = delete;

 private:
  void Loop();
  ModelRepository* repo_;
  std::chrono::seconds every_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace socd::daemon
