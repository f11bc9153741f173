#include "client/metrics_fetch.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace socd::client {

namespace metrics_fetch_impl {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxResponseBytes = 64 << 20;

int RemainingMs(Clock::time_point deadline) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return ms < 0 ? 0 : static_cast<int>(ms);
}

// Waits for `events` on fd; false on timeout or error (errno set).
bool Wait(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = poll(&p, 1, RemainingMs(deadline));
    if (n > 0) return true;
    if (n == 0) {
      errno = ETIMEDOUT;
      return false;
    }
    if (errno != EINTR) return false;
  }
}

absl::StatusOr<int> Connect(const std::string& host, int port, Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string where = absl::StrCat(host, ":", port);
  if (int e = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); e != 0) {
    return absl::UnavailableError(absl::StrCat("cannot connect to ", where, ": ", gai_strerror(e)));
  }
  std::string err = "no address";
  int fd = -1;
  for (addrinfo* a = res; a && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int rc = connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS && Wait(fd, POLLOUT, deadline)) {
      int so = 0;
      socklen_t len = sizeof so;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &len);
      rc = so == 0 ? 0 : -1;
      errno = so;
    }
    if (rc != 0) {
      err = std::strerror(errno);
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("cannot connect to ", where, ": ", err));
  return fd;
}

// A label value's escapes (\\, \", \n) undone; `in` starts after the opening quote and is
// advanced past the closing one.
bool ParseQuoted(absl::string_view& in, std::string* out) {
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '"') {
      in.remove_prefix(i + 1);
      return true;
    }
    if (c == '\\' && i + 1 < in.size()) {
      char e = in[++i];
      *out += e == 'n' ? '\n' : e;
    } else {
      *out += c;
    }
  }
  return false;
}

bool ParseLine(absl::string_view line, MetricSample* s) {
  size_t i = 0;
  while (i < line.size() && (absl::ascii_isalnum(line[i]) || line[i] == '_' || line[i] == ':')) ++i;
  if (i == 0) return false;
  s->name = std::string(line.substr(0, i));
  line.remove_prefix(i);
  if (!line.empty() && line[0] == '{') {
    line.remove_prefix(1);
    for (;;) {
      line = absl::StripLeadingAsciiWhitespace(line);
      if (!line.empty() && line[0] == '}') {
        line.remove_prefix(1);
        break;
      }
      size_t eq = line.find('=');
      if (eq == absl::string_view::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
        return false;
      }
      std::string key(absl::StripAsciiWhitespace(line.substr(0, eq)));
      line.remove_prefix(eq + 2);
      std::string value;
      if (key.empty() || !ParseQuoted(line, &value)) return false;
      s->labels.emplace_back(std::move(key), std::move(value));
      line = absl::StripLeadingAsciiWhitespace(line);
      if (!line.empty() && line[0] == ',') line.remove_prefix(1);
    }
  }
  // Value, then an optional timestamp.
  std::vector<absl::string_view> rest =
      absl::StrSplit(absl::StripAsciiWhitespace(line), ' ', absl::SkipEmpty());
  if (rest.empty() || rest.size() > 2) return false;
  const std::string v(rest[0]);
  char* end = nullptr;
  s->value = std::strtod(v.c_str(), &end);
  return end == v.c_str() + v.size();
}

std::string JsonString(absl::string_view s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\')
      absl::StrAppend(&o, "\\", std::string(1, static_cast<char>(c)));
    else if (c < 0x20)
      absl::StrAppend(&o, absl::StrFormat("\\u%04x", c));
    else
      o += static_cast<char>(c);
  }
  return o + "\"";
}

}  // namespace metrics_fetch_impl

absl::StatusOr<std::string> FetchHttp(const std::string& host, int port, const std::string& path,
                                      std::chrono::milliseconds timeout) {
  using namespace metrics_fetch_impl;  // NOLINT: file-local helpers
  const auto deadline = Clock::now() + timeout;
  auto fd_or = Connect(host, port, deadline);
  if (!fd_or.ok()) return fd_or.status();
  const int fd = *fd_or;
  const bool v6 = host.find(':') != std::string::npos;
  const std::string req =
      absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: ", v6 ? "[" : "", host, v6 ? "]" : "", ":",
                   port, "\r\nAccept: text/plain\r\nConnection: close\r\n\r\n");
  std::string resp;
  absl::Status st;
  for (size_t sent = 0; st.ok() && sent < req.size();) {
    ssize_t n = send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n >= 0) {
      sent += static_cast<size_t>(n);
    } else if (errno != EINTR && (errno != EAGAIN || !Wait(fd, POLLOUT, deadline))) {
      st = absl::UnavailableError(absl::StrCat("sending the request: ", std::strerror(errno)));
    }
  }
  char buf[16384];
  while (st.ok()) {
    if (!Wait(fd, POLLIN, deadline)) {
      st = errno == ETIMEDOUT ? absl::DeadlineExceededError(absl::StrCat(
                                    "no complete answer from ", host, ":", port, " in time"))
                              : absl::UnavailableError(std::strerror(errno));
      break;
    }
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      st = absl::UnavailableError(absl::StrCat("reading the answer: ", std::strerror(errno)));
    } else if (resp.size() + static_cast<size_t>(n) > kMaxResponseBytes) {
      st = absl::ResourceExhaustedError("answer larger than 64 MiB");
    } else {
      resp.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  if (!st.ok()) return st;
  size_t head_end = resp.find("\r\n\r\n");
  if (!absl::StartsWith(resp, "HTTP/1.") || head_end == std::string::npos) {
    return absl::UnknownError(absl::StrCat(host, ":", port, " did not answer in HTTP"));
  }
  const std::string status_line = resp.substr(0, resp.find("\r\n"));
  std::vector<absl::string_view> parts = absl::StrSplit(status_line, absl::MaxSplits(' ', 2));
  if (parts.size() < 2 || parts[1] != "200") {
    return absl::UnknownError(absl::StrCat("GET ", path, ": ", status_line));
  }
  return resp.substr(head_end + 4);
}

absl::StatusOr<std::vector<MetricSample>> ParseMetricsText(absl::string_view text) {
  std::vector<MetricSample> out;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    MetricSample s;
    if (!metrics_fetch_impl::ParseLine(line, &s)) {
      return absl::InvalidArgumentError(
          absl::StrCat("metrics line ", line_no, " is malformed: ", line));
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string MetricSamplesToJson(const std::vector<MetricSample>& samples) {
  using metrics_fetch_impl::JsonString;
  std::string o = "[";
  for (size_t i = 0; i < samples.size(); ++i) {
    const MetricSample& s = samples[i];
    absl::StrAppend(&o, i ? "," : "", "{\"name\":", JsonString(s.name), ",\"labels\":{");
    for (size_t k = 0; k < s.labels.size(); ++k) {
      absl::StrAppend(&o, k ? "," : "", JsonString(s.labels[k].first), ":",
                      JsonString(s.labels[k].second));
    }
    std::string v;
    if (std::isnan(s.value))
      v = "\"NaN\"";
    else if (std::isinf(s.value))
      v = s.value > 0 ? "\"+Inf\"" : "\"-Inf\"";
    else {
      char buf[32];  // shortest form that reads back as the same double
      auto r = std::to_chars(buf, buf + sizeof buf, s.value);
      v.assign(buf, r.ptr);
    }
    absl::StrAppend(&o, "},\"value\":", v, "}");
  }
  return o + "]";
}

}  // namespace socd::client
