#include "daemon/systemd_notify.h"

#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace socd::daemon {

namespace systemd_notify_impl {

// Builds the socket address of NOTIFY_SOCKET. Abstract names ("@name") have no terminating NUL
// in their address length: the kernel compares all addrlen bytes, so counting one would address
// a different socket than systemd bound.
absl::Status ParseAddress(absl::string_view target, sockaddr_un* addr, socklen_t* len) {
  std::memset(addr, 0, sizeof(*addr));
  addr->sun_family = AF_UNIX;
  if (target.size() < 2 || (target[0] != '/' && target[0] != '@')) {
    return absl::InvalidArgumentError(absl::StrCat(
        "NOTIFY_SOCKET='", target, "' is neither an absolute path nor an abstract '@' name"));
  }
  if (target.size() >= sizeof(addr->sun_path)) {
    return absl::InvalidArgumentError(
        absl::StrCat("NOTIFY_SOCKET='", target, "' is longer than a Unix socket address allows"));
  }
  std::memcpy(addr->sun_path, target.data(), target.size());
  if (target[0] == '@') {
    addr->sun_path[0] = '\0';
    *len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + target.size());
  } else {
    *len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + target.size() + 1);
  }
  return absl::OkStatus();
}

}  // namespace systemd_notify_impl

absl::Status Notify(absl::string_view state) {
  const char* target = std::getenv("NOTIFY_SOCKET");
  if (target == nullptr || target[0] == '\0') return absl::OkStatus();
  sockaddr_un addr;
  socklen_t addr_len = 0;
  if (absl::Status s = systemd_notify_impl::ParseAddress(target, &addr, &addr_len); !s.ok()) {
    return s;
  }
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("sd_notify: socket: ", std::strerror(errno)));
  }
  ssize_t n;
  do {
    n = sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
               reinterpret_cast<const sockaddr*>(&addr), addr_len);
  } while (n < 0 && errno == EINTR);
  int err = errno;
  close(fd);
  if (n < 0) {
    return absl::UnavailableError(
        absl::StrCat("sd_notify to ", target, " failed: ", std::strerror(err)));
  }
  if (static_cast<size_t>(n) != state.size()) {
    return absl::InternalError(absl::StrCat("sd_notify to ", target, ": short send (", n, " of ",
                                            state.size(), " bytes)"));
  }
  return absl::OkStatus();
}

absl::Status NotifyReady(absl::string_view status) {
  if (status.empty()) return Notify("READY=1");
  return Notify(absl::StrCat("READY=1\nSTATUS=", absl::StrReplaceAll(status, {{"\n", " "}})));
}

absl::Status NotifyStopping() { return Notify("STOPPING=1"); }

absl::Status NotifyWatchdog() { return Notify("WATCHDOG=1"); }

absl::Status NotifyStatus(absl::string_view text) {
  return Notify(absl::StrCat("STATUS=", absl::StrReplaceAll(text, {{"\n", " "}})));
}

std::chrono::microseconds WatchdogInterval() {
  const char* usec = std::getenv("WATCHDOG_USEC");
  uint64_t us = 0;
  if (usec == nullptr || !absl::SimpleAtoi(usec, &us) || us == 0) {
    return std::chrono::microseconds(0);
  }
  // systemd sets WATCHDOG_PID to the main PID; a child process that inherited the environment
  // must not answer for its parent.
  if (const char* pid = std::getenv("WATCHDOG_PID"); pid != nullptr) {
    int64_t p = 0;
    if (!absl::SimpleAtoi(pid, &p) || p != static_cast<int64_t>(getpid())) {
      return std::chrono::microseconds(0);
    }
  }
  return std::chrono::microseconds(static_cast<int64_t>(us));
}

}  // namespace socd::daemon
