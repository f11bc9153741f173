// A minimal HTTP/1.1 server for Prometheus scrapes: one thread, a poll loop over non-blocking
// sockets, one request per connection (Connection: close). It serves GET/HEAD /metrics and
// 404 for everything else. Deliberately tiny rather than a dependency: the daemon's attack
// surface on this port is a request line, so every connection has a deadline, the request
// head is capped at 8 KiB and the number of connections is bounded; nothing a client sends
// can stop the loop or the daemon.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace socd::daemon {

struct MetricsHttpOptions {
  std::string address = "127.0.0.1";               // loopback unless the operator asks otherwise
  int port = 8002;                                 // Triton's metrics port; 0 = any free port
  std::chrono::milliseconds read_timeout{5000};    // to receive the whole request head
  std::chrono::milliseconds write_timeout{10000};  // to send the whole response
  size_t max_header_bytes = 8192;
  int max_connections = 32;
};

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::string extra_headers;  // "Name: value\r\n" lines
  bool head_only = false;     // a HEAD request: headers as for GET, no body
};

class MetricsHttpServer {
 public:
  // Produces the body of GET /metrics; called on the server's thread, one scrape at a time.
  using Render = std::function<std::string()>;

  // Binds and listens synchronously (so bind errors and the chosen port are known on return),
  // then serves on a new thread.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(MetricsHttpOptions opts,
                                                                  Render render);
  ~MetricsHttpServer();
  // Idempotent; open connections are closed.
  void Stop();

  int port() const { return port_; }
  // http://ADDR:PORT/metrics, with brackets around an IPv6 address.
  std::string url() const;

 private:
  MetricsHttpServer(MetricsHttpOptions opts, Render render, int fd, int port);
  void Loop();

  MetricsHttpOptions opts_;
  Render render_;
  int listen_fd_;
  int port_;
  int wake_[2] = {-1, -1};
  std::thread thread_;
  std::atomic<bool> stopped_{false};
};

// The response to one request head (request line + headers, without the blank line). Exposed
// for tests.
HttpResponse HandleHttpRequest(absl::string_view head, const MetricsHttpServer::Render& render);
// Status line, headers (Content-Length, Connection: close) and, unless head_only, the body.
std::string SerializeHttpResponse(const HttpResponse& r);

}  // namespace socd::daemon
