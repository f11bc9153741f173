// socd: the inference daemon. Serves the KServe v2 / Triton gRPC API over a Unix socket from a
// Triton-layout model repository. Settings: /etc/socd/socd.conf (or --config FILE), overridden
// by flags named after the config fields (see proto/socd_config.proto):
//
//   socd --model-repository DIR [--listen unix:PATH] [--model-control-mode none|explicit|poll]
//        [--load-model NAME]... [--threads N] [--max-message-mb N] [--log-level LEVEL]
//        [--socket-group NAME] [--socket-mode OCTAL] [--admin-group NAME] [--config FILE]
#include <grp.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "daemon/admin_service.h"
#include "daemon/config.h"
#include "daemon/inference_service.h"
#include "daemon/metrics.h"
#include "daemon/metrics_http.h"
#include "daemon/model_repository.h"
#include "daemon/repository_poll.h"
#include "daemon/shm_registry.h"
#include "daemon/systemd_notify.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "spdlog/spdlog.h"

namespace {

int Usage(FILE* out) {
  std::fprintf(
      out,
      "usage: socd [--config FILE] --model-repository DIR [--listen unix:PATH|HOST:PORT]\n"
      "            [--model-control-mode none|explicit|poll] [--repository-poll-secs N]\n"
      "            [--load-model NAME]...\n"
      "            [--threads N] [--max-message-mb N] [--log-level trace|debug|info|warn|error]\n"
      "            [--socket-group NAME] [--socket-mode OCTAL] [--admin-group NAME]\n"
      "Flags override the config file (default %s, protobuf text, fields as flags).\n",
      socd::daemon::kDefaultConfigPath);
  return 2;
}

// "unix:/p", "unix:///p" -> "/p"; empty for non-unix targets.
std::string UnixPath(const std::string& target) {
  if (target.rfind("unix://", 0) == 0) return target.substr(7);
  if (target.rfind("unix:", 0) == 0) return target.substr(5);
  return "";
}

bool GroupId(const std::string& name, gid_t* out) {
  if (name.empty()) return true;
  struct group* g = getgrnam(name.c_str());
  if (!g) return false;
  *out = g->gr_gid;
  return true;
}

void SetLogLevel(const std::string& level) {
  auto l = spdlog::level::from_str(level);
  if (l == spdlog::level::off && level != "off") {
    spdlog::warn("unknown log level '{}', keeping the current one", level);
    return;
  }
  spdlog::set_level(l);
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil ships with mutex deadlock detection on; gRPC's locks paid ~3% of the
  // daemon's CPU for it under load (perf). socd's own lock order is checked by its tests.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  auto cl = socd::daemon::ParseCommandLine(argc, argv);
  if (!cl.ok()) {
    std::fprintf(stderr, "socd: %s\n", std::string(cl.status().message()).c_str());
    return Usage(stderr);
  }
  if (cl->help) return Usage(stdout), 0;
  if (cl->version) return std::printf("socd %s\n", SOCD_VERSION), 0;
  const socd::DaemonConfig& cfg = cl->config;
  if (cfg.model_repository().empty() || cfg.threads() < 1 || cfg.max_message_mb() < 1) {
    std::fprintf(stderr,
                 "socd: --model-repository is required; threads and max_message_mb must be >= 1\n");
    return Usage(stderr);
  }
  // journald adds its own timestamps; keep lines short and greppable.
  spdlog::set_pattern(getenv("INVOCATION_ID") ? "[%l] %v" : "%Y-%m-%d %H:%M:%S.%e [%l] %v");
  SetLogLevel(cfg.log_level());
  if (!cl->config_path.empty()) spdlog::info("configuration from {}", cl->config_path);

  // Signals are taken synchronously by this thread (sigwait), so block them before any other
  // thread (gRPC's, the kernels' pools) exists.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  socd::daemon::RepositoryOptions ro;
  ro.threads = static_cast<int>(cfg.threads());
  // One batch per core's worth of kernel threads at a time; models share the slots fairly.
  ro.execution_slots =
      std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / ro.threads);
  if (cfg.model_control_mode() == "none")
    ro.mode = socd::daemon::ControlMode::kNone;
  else if (cfg.model_control_mode() == "explicit")
    ro.mode = socd::daemon::ControlMode::kExplicit;
  else if (cfg.model_control_mode() == "poll")
    ro.mode = socd::daemon::ControlMode::kPoll;
  else {
    std::fprintf(stderr, "socd: model_control_mode must be none, explicit or poll\n");
    return Usage(stderr);
  }
  socd::daemon::ModelRepository repo(cfg.model_repository(), ro);
  socd::daemon::ShmRegistry shm;
  socd::daemon::PeerRegistry peers;
  socd::daemon::AdminPolicy admin;
  admin.daemon_uid = getuid();
  gid_t socket_gid = static_cast<gid_t>(-1);
  // An admin group that does not exist (yet) grants nothing: fail closed, keep serving.
  if (!GroupId(cfg.admin_group(), &admin.admin_gid)) {
    spdlog::warn("admin group '{}' does not exist: only root and socd's own user are admins",
                 cfg.admin_group());
  }
  if (!GroupId(cfg.socket_group(), &socket_gid)) {
    spdlog::error("socket group '{}' does not exist", cfg.socket_group());
    return 2;
  }
  socd::daemon::InferenceService service(&repo, &shm, &peers, admin);

  // grpc.health.v1.Health (Check/Watch): NOT_SERVING while loading and draining.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  const std::string path = UnixPath(cfg.listen());
  std::unique_ptr<socd::daemon::UnixListener> listener;
  if (!path.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    auto l =
        socd::daemon::UnixListener::Bind(path, static_cast<mode_t>(cfg.socket_mode()), socket_gid);
    if (!l.ok()) {
      spdlog::error("{}", std::string(l.status().message()));
      return 1;
    }
    listener = *std::move(l);
  } else {
    // TCP only when configured, on the address given (no TLS: loopback or a trusted network).
    builder.AddListeningPort(cfg.listen(), grpc::InsecureServerCredentials());
  }
  builder.RegisterService(&service);
  socd::thermal::PolicyStore thermal_policy;
  socd::daemon::AdminService admin_service(
      &repo, &shm, &peers, admin, [&service] { return service.ready(); }, &thermal_policy);
  builder.RegisterService(&admin_service);
  const int max_bytes = static_cast<int>(std::min<uint32_t>(cfg.max_message_mb(), 2047)) << 20;
  // gRPC's sync server keeps at most MAX_POLLERS idle threads (default 2): past that, a thread
  // that finishes a request exits and the next request starts a new one. Under 8 concurrent
  // clients that thread churn cost ~3x the CPU of the requests themselves (perf: clone/exit and
  // scheduler time, socd's own code < 1%). Idle threads only wait on the completion queue.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 64);
  builder.SetMaxReceiveMessageSize(max_bytes);
  builder.SetMaxSendMessageSize(max_bytes);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) {
    spdlog::error("cannot start the gRPC server on {}", cfg.listen());
    return 1;
  }
  auto set_serving = [&server](bool serving) {
    if (grpc::HealthCheckServiceInterface* hc = server->GetHealthCheckService()) {
      hc->SetServingStatus("", serving);
      hc->SetServingStatus("inference.GRPCInferenceService", serving);
    }
  };
  set_serving(false);
  if (listener) listener->Start(server.get(), &peers);
  std::printf("socd listening on %s\n", cfg.listen().c_str());
  std::fflush(stdout);

  socd::daemon::Metrics metrics(&repo);
  std::unique_ptr<socd::daemon::MetricsHttpServer> metrics_server;
  if (cfg.metrics_port() != 0) {
    socd::daemon::MetricsHttpOptions mo;
    mo.address = cfg.metrics_address();
    mo.port = static_cast<int>(cfg.metrics_port());
    auto ms = socd::daemon::MetricsHttpServer::Start(mo, [&metrics] { return metrics.Render(); });
    if (ms.ok()) {
      metrics_server = *std::move(ms);
      std::printf("socd metrics on %s\n", metrics_server->url().c_str());
      std::fflush(stdout);
    } else {
      // Metrics are auxiliary: a port already taken must not keep inference down.
      spdlog::error("metrics disabled: {}", std::string(ms.status().message()));
    }
  }

  (void)socd::daemon::NotifyStatus("loading models");
  auto t0 = std::chrono::steady_clock::now();
  auto load_configured = [&](const socd::DaemonConfig& c) {
    if (ro.mode != socd::daemon::ControlMode::kExplicit) {
      repo.LoadAll();
      return;
    }
    for (const auto& n : c.load_model()) {
      if (n == "*")
        repo.LoadAll();
      else if (auto s = repo.Load(n); !s.ok())
        spdlog::error("{}", std::string(s.message()));
    }
  };
  load_configured(cfg);
  std::unique_ptr<socd::daemon::RepositoryPoller> poller;
  if (ro.mode == socd::daemon::ControlMode::kPoll) {
    poller = std::make_unique<socd::daemon::RepositoryPoller>(
        &repo, std::chrono::seconds(cfg.repository_poll_secs()));
    spdlog::info("polling {} every {} s for model changes", cfg.model_repository(),
                 std::max<uint32_t>(1, cfg.repository_poll_secs()));
  }
  service.set_ready(true);
  set_serving(true);
  spdlog::info(
      "ready in {:.0f} ms: {} model version(s) loaded from {}",
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(),
      repo.Loaded().size(), cfg.model_repository());
  if (absl::Status s = socd::daemon::NotifyReady(absl::StrCat(
          repo.Loaded().size(), " model version(s) loaded from ", cfg.model_repository()));
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
      // Reload what can change without a restart: the log level and, in mode none, models
      // added to the repository since. Listening settings need a restart.
      auto fresh = socd::daemon::ReloadConfig(argc, argv);
      if (!fresh.ok()) {
        spdlog::error("SIGHUP: keeping the running configuration: {}",
                      std::string(fresh.status().message()));
        continue;
      }
      SetLogLevel(fresh->log_level());
      if (ro.mode == socd::daemon::ControlMode::kNone) repo.LoadAll();
      spdlog::info("SIGHUP: configuration reloaded; {} model version(s) loaded",
                   repo.Loaded().size());
      continue;
    }
    spdlog::info("{}: draining in-flight requests (up to 10 s)", strsignal(sig));
    (void)socd::daemon::NotifyStopping();
    service.set_ready(false);
    set_serving(false);
    if (listener) listener->Stop();  // no new connections while draining
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
    break;
  }
  poller.reset();
  listener.reset();
  if (metrics_server) metrics_server->Stop();
  spdlog::info("socd stopped");
  return 0;
}
