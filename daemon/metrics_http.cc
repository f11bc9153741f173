#include "daemon/metrics_http.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "spdlog/spdlog.h"

namespace socd::daemon {

namespace metrics_http_impl {

using Clock = std::chrono::steady_clock;

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

HttpResponse Plain(int status, absl::string_view text) {
  return HttpResponse{status, "text/plain; charset=utf-8", absl::StrCat(text, "\n"), ""};
}

struct Conn {
  enum State { kReading, kWriting, kDraining } state = kReading;
  int fd = -1;
  std::string in;
  std::string out;
  size_t sent = 0;
  Clock::time_point deadline;
};

// Queues `r` on `c` and switches it to writing (the request head is not read further).
void Respond(Conn& c, const HttpResponse& r, std::chrono::milliseconds write_timeout) {
  c.out = SerializeHttpResponse(r);
  c.sent = 0;
  c.state = Conn::kWriting;
  c.deadline = Clock::now() + write_timeout;
}

// Reads what is available; false when the connection is finished (EOF, error).
bool ReadSome(Conn& c, const MetricsHttpOptions& o, const MetricsHttpServer::Render& render) {
  char buf[4096];
  for (;;) {
    ssize_t n = recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return false;  // the client gave up before a full request
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    c.in.append(buf, static_cast<size_t>(n));
    size_t end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) end = c.in.find("\n\n");
    if (end != std::string::npos && end <= o.max_header_bytes) {
      Respond(c, HandleHttpRequest(absl::string_view(c.in).substr(0, end), render),
              o.write_timeout);
      return true;
    }
    if (c.in.size() > o.max_header_bytes) {
      Respond(c, Plain(431, "request head larger than 8 KiB"), o.write_timeout);
      return true;
    }
  }
}

// Sends what the socket takes; false on error. Once all is sent the connection drains: closing
// with unread request bytes would reset it and could destroy the response in flight.
bool WriteSome(Conn& c) {
  while (c.sent < c.out.size()) {
    ssize_t n =
        send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    c.sent += static_cast<size_t>(n);
  }
  shutdown(c.fd, SHUT_WR);
  c.state = Conn::kDraining;
  c.deadline = std::min(c.deadline, Clock::now() + std::chrono::seconds(1));
  return true;
}

// Discards what the client still sends; false at its EOF (or an error): time to close.
bool Drain(Conn& c) {
  char buf[4096];
  for (;;) {
    ssize_t n = recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

}  // namespace metrics_http_impl

HttpResponse HandleHttpRequest(absl::string_view head, const MetricsHttpServer::Render& render) {
  using metrics_http_impl::Plain;
  absl::string_view line = head.substr(0, head.find('\n'));
  if (absl::EndsWith(line, "\r")) line.remove_suffix(1);
  std::vector<absl::string_view> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
  if (parts.size() != 3 || !absl::StartsWith(parts[2], "HTTP/1.")) {
    return Plain(400, "malformed request line");
  }
  const absl::string_view method = parts[0];
  absl::string_view path = parts[1];
  path = path.substr(0, path.find('?'));
  if (path != "/metrics") return Plain(404, "not found; metrics are at /metrics");
  if (method != "GET" && method != "HEAD") {
    HttpResponse r = Plain(405, "only GET and HEAD are supported");
    r.extra_headers = "Allow: GET, HEAD\r\n";
    return r;
  }
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.head_only = method == "HEAD";
  try {
    // Rendering allocates; running out of memory must cost a scrape, not the daemon.
    r.body = render();
  } catch (const std::exception& e) {
    return Plain(500, absl::StrCat("cannot render metrics: ", e.what()));
  }
  return r;
}

std::string SerializeHttpResponse(const HttpResponse& r) {
  return absl::StrCat("HTTP/1.1 ", r.status, " ", metrics_http_impl::Reason(r.status),
                      "\r\nContent-Type: ", r.content_type, "\r\nContent-Length: ", r.body.size(),
                      "\r\n", r.extra_headers, "Connection: close\r\n\r\n",
                      r.head_only ? "" : r.body);
}

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(MetricsHttpOptions opts,
                                                                            Render render) {
  if (opts.port < 0 || opts.port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("metrics port ", opts.port, " out of range"));
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string port_str = std::to_string(opts.port);
  if (int e = getaddrinfo(opts.address.c_str(), port_str.c_str(), &hints, &res); e != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address '", opts.address, "': ", gai_strerror(e)));
  }
  int fd = -1;
  std::string err = "no usable address";
  for (addrinfo* a = res; a && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      err = std::strerror(errno);
      continue;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, 16) != 0) {
      err = std::strerror(errno);
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for metrics on ", opts.address, ":", opts.port, ": ", err));
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  int port = opts.port;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    port = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                          : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  }
  std::unique_ptr<MetricsHttpServer> s(
      new MetricsHttpServer(std::move(opts), std::move(render), fd, port));
  if (pipe2(s->wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  s->thread_ = std::thread([p = s.get()] { p->Loop(); });
  return s;
}

MetricsHttpServer::MetricsHttpServer(MetricsHttpOptions opts, Render render, int fd, int port)
    : opts_(std::move(opts)), render_(std::move(render)), listen_fd_(fd), port_(port) {}

MetricsHttpServer::~MetricsHttpServer() {
  Stop();
  for (int fd : wake_)
    if (fd >= 0) close(fd);
}

void MetricsHttpServer::Stop() {
  if (stopped_.exchange(true)) return;
  if (wake_[1] >= 0) {
    char b = 1;
    (void)!write(wake_[1], &b, 1);
  }
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) close(listen_fd_);
  listen_fd_ = -1;
}

std::string MetricsHttpServer::url() const {
  const bool v6 = opts_.address.find(':') != std::string::npos;
  return absl::StrCat("http://", v6 ? "[" : "", opts_.address, v6 ? "]" : "", ":", port_,
                      "/metrics");
}

void MetricsHttpServer::Loop() {
  using namespace metrics_http_impl;  // NOLINT: file-local helpers
  std::vector<Conn> conns;
  std::vector<pollfd> fds;
  Clock::time_point accept_paused_until;
  while (!stopped_.load()) {
    fds.clear();
    fds.push_back({wake_[0], POLLIN, 0});
    auto now = Clock::now();
    // At the connection limit the listener is not polled: new clients wait in the backlog.
    const bool accepting =
        static_cast<int>(conns.size()) < opts_.max_connections && now >= accept_paused_until;
    fds.push_back({accepting ? listen_fd_ : -1, POLLIN, 0});
    auto next = now + std::chrono::seconds(1);
    if (!accepting && now < accept_paused_until) next = accept_paused_until;
    for (const Conn& c : conns) {
      fds.push_back({c.fd, static_cast<short>(c.state == Conn::kWriting ? POLLOUT : POLLIN), 0});
      next = std::min(next, c.deadline);
    }
    int wait_ms = static_cast<int>(std::max<int64_t>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count() + 1));
    int n = poll(fds.data(), fds.size(), wait_ms);
    if (n < 0 && errno != EINTR) {
      spdlog::error("metrics server: poll: {}", std::strerror(errno));
      break;
    }
    if (stopped_.load()) break;
    now = Clock::now();
    std::vector<bool> done(conns.size(), false);
    for (size_t i = 0; n > 0 && i < conns.size(); ++i) {
      const short ev = fds[i + 2].revents;
      if (ev == 0) continue;
      Conn& c = conns[i];
      if (c.state == Conn::kWriting) {
        done[i] = !WriteSome(c);
      } else if (c.state == Conn::kDraining) {
        done[i] = !Drain(c);
      } else {
        done[i] = !ReadSome(c, opts_, render_);
        if (!done[i] && c.state == Conn::kWriting) done[i] = !WriteSome(c);
        if (!done[i] && c.state == Conn::kDraining) done[i] = !Drain(c);
      }
    }
    for (size_t i = 0; i < conns.size(); ++i) {
      if (!done[i] && now >= conns[i].deadline) {
        if (conns[i].state == Conn::kReading) {
          // Best effort: a slow client learns why; whatever does not fit the socket is dropped.
          std::string r = SerializeHttpResponse(Plain(408, "request head not received in time"));
          (void)!send(conns[i].fd, r.data(), r.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        }
        done[i] = true;
      }
    }
    size_t keep = 0;
    for (size_t i = 0; i < conns.size(); ++i) {
      if (done[i])
        close(conns[i].fd);
      else
        conns[keep++] = std::move(conns[i]);
    }
    conns.resize(keep);
    if (accepting && (fds[1].revents & POLLIN)) {
      while (static_cast<int>(conns.size()) < opts_.max_connections) {
        int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
          if (errno == EINTR || errno == ECONNABORTED) continue;
          // Out of fds or memory: the listener stays readable, so back off instead of spinning.
          if (errno != EAGAIN && errno != EWOULDBLOCK)
            accept_paused_until = Clock::now() + std::chrono::milliseconds(100);
          break;
        }
        Conn c;
        c.fd = fd;
        c.deadline = Clock::now() + opts_.read_timeout;
        conns.push_back(std::move(c));
      }
    }
  }
  for (Conn& c : conns) close(c.fd);
}

}  // namespace socd::daemon
