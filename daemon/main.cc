// socd: the inference daemon. Serves the KServe v2 / Triton gRPC API over a Unix socket from a
// Triton-layout model repository.
//
//   socd --model-repository DIR [--listen unix:PATH] [--model-control-mode none|explicit]
//        [--load-model NAME]... [--threads N] [--max-message-mb N] [--log-level LEVEL]
#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "daemon/inference_service.h"
#include "daemon/model_repository.h"
#include "daemon/shm_registry.h"
#include "daemon/systemd_notify.h"
#include "grpcpp/grpcpp.h"
#include "spdlog/spdlog.h"

namespace {

struct Flags {
  std::string repo;
  std::string listen = "unix:/run/socd/socd.sock";
  std::string mode = "none";
  std::vector<std::string> load;
  int threads = 1;
  int max_message_mb = 256;
  std::string log_level = "info";
  std::string socket_group;  // group allowed to connect (inference); default: socd's group
  std::string admin_group;   // members may load/unload models and register shared memory
  mode_t socket_mode = 0660;
};

int Usage() {
  std::fprintf(stderr,
               "usage: socd --model-repository DIR [--listen unix:PATH] "
               "[--model-control-mode none|explicit] [--load-model NAME]... [--threads N] "
               "[--max-message-mb N] [--log-level trace|debug|info|warn|error] "
               "[--socket-group NAME] [--admin-group NAME] [--socket-mode OCTAL]\n");
  return 2;
}

// "unix:/p", "unix:///p" -> "/p"; empty for non-unix targets.
std::string UnixPath(const std::string& target) {
  if (target.rfind("unix://", 0) == 0) return target.substr(7);
  if (target.rfind("unix:", 0) == 0) return target.substr(5);
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    auto eq = a.find('=');
    std::string key = a.substr(0, eq);
    auto val = [&]() { return eq != std::string::npos ? a.substr(eq + 1) : next(); };
    if (key == "--model-repository")
      f.repo = val();
    else if (key == "--listen")
      f.listen = val();
    else if (key == "--model-control-mode")
      f.mode = val();
    else if (key == "--load-model")
      f.load.push_back(val());
    else if (key == "--threads")
      f.threads = std::atoi(val().c_str());
    else if (key == "--max-message-mb")
      f.max_message_mb = std::atoi(val().c_str());
    else if (key == "--log-level")
      f.log_level = val();
    else if (key == "--socket-group")
      f.socket_group = val();
    else if (key == "--admin-group")
      f.admin_group = val();
    else if (key == "--socket-mode")
      f.socket_mode = static_cast<mode_t>(std::strtol(val().c_str(), nullptr, 8));
    else if (key == "--version") {
      std::printf("socd %s\n", SOCD_VERSION);
      return 0;
    } else if (key == "-h" || key == "--help") {
      Usage();
      return 0;
    } else
      return Usage();
  }
  if (f.repo.empty() || f.threads < 1 || f.max_message_mb < 1) return Usage();
  spdlog::set_level(spdlog::level::from_str(f.log_level));
  // journald adds its own timestamps; keep lines short and greppable.
  spdlog::set_pattern(getenv("INVOCATION_ID") ? "[%l] %v" : "%Y-%m-%d %H:%M:%S.%e [%l] %v");

  // Signals are taken synchronously by one thread (sigwait), so block them before any other
  // thread (gRPC's, the kernels' pools) exists.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  socd::daemon::RepositoryOptions ro;
  ro.threads = f.threads;
  if (f.mode == "none")
    ro.mode = socd::daemon::ControlMode::kNone;
  else if (f.mode == "explicit")
    ro.mode = socd::daemon::ControlMode::kExplicit;
  else
    return Usage();
  socd::daemon::ModelRepository repo(f.repo, ro);
  socd::daemon::ShmRegistry shm;
  socd::daemon::PeerRegistry peers;
  socd::daemon::AdminPolicy admin;
  admin.daemon_uid = getuid();
  gid_t socket_gid = static_cast<gid_t>(-1);
  auto group_id = [](const std::string& name, gid_t* out) {
    if (name.empty()) return true;
    struct group* g = getgrnam(name.c_str());
    if (!g) return false;
    *out = g->gr_gid;
    return true;
  };
  if (!group_id(f.admin_group, &admin.admin_gid) || !group_id(f.socket_group, &socket_gid)) {
    spdlog::error("unknown group in --admin-group/--socket-group");
    return 2;
  }
  socd::daemon::InferenceService service(&repo, &shm, &peers, admin);

  grpc::ServerBuilder builder;
  std::string path = UnixPath(f.listen);
  std::unique_ptr<socd::daemon::UnixListener> listener;
  if (!path.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    auto l = socd::daemon::UnixListener::Bind(path, f.socket_mode, socket_gid);
    if (!l.ok()) {
      spdlog::error("{}", std::string(l.status().message()));
      return 1;
    }
    listener = *std::move(l);
  } else {
    // TCP only when asked for; the address given decides (loopback unless stated otherwise).
    builder.AddListeningPort(f.listen, grpc::InsecureServerCredentials());
  }
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(f.max_message_mb * 1024 * 1024);
  builder.SetMaxSendMessageSize(f.max_message_mb * 1024 * 1024);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) {
    spdlog::error("cannot start the gRPC server on {}", f.listen);
    return 1;
  }
  if (listener) listener->Start(server.get(), &peers);
  std::printf("socd listening on %s\n", f.listen.c_str());
  std::fflush(stdout);

  (void)socd::daemon::NotifyStatus("loading models");
  auto t0 = std::chrono::steady_clock::now();
  if (ro.mode == socd::daemon::ControlMode::kNone) {
    repo.LoadAll();
  } else {
    for (const auto& n : f.load) {
      if (n == "*")
        repo.LoadAll();
      else if (auto s = repo.Load(n); !s.ok())
        spdlog::error("{}", std::string(s.message()));
    }
  }
  service.set_ready(true);
  spdlog::info(
      "ready in {:.0f} ms: {} model version(s) loaded from {}",
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(),
      repo.Loaded().size(), f.repo);
  if (absl::Status s = socd::daemon::NotifyReady(
          absl::StrCat(repo.Loaded().size(), " model version(s) loaded from ", f.repo));
      !s.ok()) {
    spdlog::warn("{}", std::string(s.message()));
  }
  // systemd's watchdog (WatchdogSec=): ping at half the period from this thread.
  const std::chrono::microseconds watchdog = socd::daemon::WatchdogInterval();
  const timespec ping = {static_cast<time_t>(watchdog.count() / 2000000),
                         static_cast<long>(watchdog.count() / 2 % 1000000 * 1000)};

  for (;;) {
    int sig = 0;
    if (watchdog.count() > 0) {
      sig = sigtimedwait(&sigs, nullptr, &ping);
      if (sig < 0) {  // half a period passed without a signal (or EINTR)
        (void)socd::daemon::NotifyWatchdog();
        continue;
      }
    } else {
      sigwait(&sigs, &sig);
    }
    if (sig == SIGHUP) {
      spdlog::info("SIGHUP: configuration reload is not implemented yet; ignoring");
      continue;
    }
    spdlog::info("{}: draining in-flight requests (up to 10 s)", strsignal(sig));
    (void)socd::daemon::NotifyStopping();
    service.set_ready(false);
    if (listener) listener->Stop();  // no new connections while draining
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
    break;
  }
  listener.reset();
  spdlog::info("socd stopped");
  return 0;
}
