// echo_load: the transport's own limit, for comparison with `socctl perf`. N client threads, each
// on its own channel, send the bare ServerLive RPC (no model, no tensors) in a closed loop for S
// seconds. Channels, per-call deadlines, timing and percentiles are the same as socctl perf's,
// so the two differ only in what the server does per request.
//
//   echo_load [--socket PATH] [--concurrency N] [--duration S] [--json]
// Exit status: 0 ok, 1 some RPCs failed, 2 usage, 3 cannot reach the server.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client/socd_client.h"
#include "grpcpp/grpcpp.h"

namespace socd::bench::echo_load {

struct Opts {
  std::string socket = "/run/socd/socd.sock";
  int concurrency = 1;
  double duration = 5;
  bool json = false;
};

int Usage() {
  std::fprintf(
      stderr, "usage: echo_load [--socket PATH] [--concurrency N] [--duration SECONDS] [--json]\n");
  return 2;
}

// The same channel socd::client::Client::Connect makes (its stub is private, and the Client has
// no ServerLive call).
std::unique_ptr<inference::GRPCInferenceService::Stub> Connect(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  return inference::GRPCInferenceService::NewStub(
      grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
}

int Run(const Opts& o) {
  const std::string target =
      o.socket.find(':') != std::string::npos ? o.socket : "unix:" + o.socket;
  // Fail fast, with socctl's exit status, when nothing listens there.
  if (auto ready = socd::client::Client::Connect(target)->ServerReady(); !ready.ok()) {
    std::fprintf(stderr, "echo_load: %s\n", std::string(ready.status().message()).c_str());
    return 3;
  }
  std::mutex mu;
  std::vector<double> lat;
  std::atomic<int> errors{0};
  std::string first_error;
  auto start = std::chrono::steady_clock::now();
  auto end = start + std::chrono::duration<double>(o.duration);
  std::vector<std::thread> workers;
  for (int w = 0; w < o.concurrency; ++w) {
    workers.emplace_back([&] {
      auto stub = Connect(target);
      std::vector<double> mine;
      const inference::ServerLiveRequest req;
      while (std::chrono::steady_clock::now() < end) {
        auto t0 = std::chrono::steady_clock::now();
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
        inference::ServerLiveResponse resp;
        grpc::Status s = stub->ServerLive(&ctx, req, &resp);
        if (!s.ok() || !resp.live()) {
          if (errors++ == 0) {
            std::lock_guard<std::mutex> l(mu);
            first_error = s.ok() ? "server is not live" : s.error_message();
          }
          continue;
        }
        mine.push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                .count());
      }
      std::lock_guard<std::mutex> l(mu);
      lat.insert(lat.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : workers) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) {
    return lat.empty() ? 0.0 : lat[std::min(lat.size() - 1, static_cast<size_t>(p * lat.size()))];
  };
  double tput = lat.size() / secs;
  if (o.json) {
    std::printf(
        "{\"rpc\":\"ServerLive\",\"concurrency\":%d,\"duration_s\":%.2f,\"requests\":%zu,"
        "\"errors\":%d,\"throughput_rps\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f}\n",
        o.concurrency, secs, lat.size(), errors.load(), tput, pct(0.5), pct(0.9), pct(0.99));
  } else {
    std::printf("ServerLive: concurrency %d, %.1f s: %zu requests, %d errors\n", o.concurrency,
                secs, lat.size(), errors.load());
    std::printf("throughput %.1f RPC/s; latency p50 %.1f us, p90 %.1f us, p99 %.1f us\n", tput,
                pct(0.5), pct(0.9), pct(0.99));
  }
  if (errors > 0) std::fprintf(stderr, "echo_load: first error: %s\n", first_error.c_str());
  return errors > 0 ? 1 : 0;
}

}  // namespace socd::bench::echo_load

int main(int argc, char** argv) {
  namespace el = socd::bench::echo_load;
  el::Opts o;
  if (const char* s = std::getenv("SOCD_SOCKET")) o.socket = s;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool has_value = i + 1 < argc;
    if ((a == "--socket" || a == "-s") && has_value)
      o.socket = argv[++i];
    else if (a == "--concurrency" && has_value)
      o.concurrency = std::max(1, std::atoi(argv[++i]));
    else if (a == "--duration" && has_value)
      o.duration = std::atof(argv[++i]);
    else if (a == "--json")
      o.json = true;
    else if (a == "-h" || a == "--help")
      return el::Usage(), 0;
    else
      return el::Usage();
  }
  if (!(o.duration > 0)) return el::Usage();
  return el::Run(o);
}
