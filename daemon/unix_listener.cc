#include "daemon/unix_listener.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/server.h"
#include "grpcpp/server_posix.h"
#include "spdlog/spdlog.h"

namespace socd::daemon {

bool AdminPolicy::IsAdmin(const PeerCred& c) const {
  if (c.uid == 0 || c.uid == daemon_uid) return true;
  if (admin_gid == static_cast<gid_t>(-1)) return false;
  if (c.gid == admin_gid) return true;
  // Supplementary groups of the peer's user, as the system database lists them.
  struct passwd pw {};
  struct passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (getpwuid_r(c.uid, &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return false;
  }
  int n = 64;
  std::vector<gid_t> groups(n);
  if (getgrouplist(pw.pw_name, pw.pw_gid, groups.data(), &n) < 0) {
    groups.resize(n);
    if (getgrouplist(pw.pw_name, pw.pw_gid, groups.data(), &n) < 0) return false;
  }
  for (int i = 0; i < n; ++i)
    if (groups[i] == admin_gid) return true;
  return false;
}

void PeerRegistry::Set(int fd, PeerCred c) {
  std::lock_guard<std::mutex> l(mu_);
  by_fd_[fd] = c;
}

absl::StatusOr<PeerCred> PeerRegistry::Lookup(const std::string& peer) const {
  int fd = -1;
  if (peer.rfind("fd:", 0) != 0 || !absl::SimpleAtoi(peer.substr(3), &fd)) {
    return absl::NotFoundError(absl::StrCat("no local credentials for peer '", peer, "'"));
  }
  std::lock_guard<std::mutex> l(mu_);
  auto it = by_fd_.find(fd);
  if (it == by_fd_.end()) return absl::NotFoundError("unknown connection");
  return it->second;
}

absl::StatusOr<std::unique_ptr<UnixListener>> UnixListener::Bind(const std::string& path,
                                                                 mode_t mode, gid_t gid) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("socket path too long: ", path));
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket(): ", std::strerror(errno)));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  unlink(path.c_str());  // a stale socket from a previous run
  mode_t old = umask(static_cast<mode_t>(~mode & 0777));
  int rc = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  int err = errno;
  umask(old);
  if (rc != 0) {
    close(fd);
    return absl::PermissionDeniedError(
        absl::StrCat("cannot bind ", path, ": ", std::strerror(err)));
  }
  if (gid != static_cast<gid_t>(-1) && chown(path.c_str(), static_cast<uid_t>(-1), gid) != 0) {
    err = errno;
    close(fd);
    return absl::PermissionDeniedError(
        absl::StrCat("cannot set the group of ", path, ": ", std::strerror(err)));
  }
  if (listen(fd, 128) != 0) {
    err = errno;
    close(fd);
    return absl::InternalError(absl::StrCat("listen(", path, "): ", std::strerror(err)));
  }
  return std::unique_ptr<UnixListener>(new UnixListener(path, fd));
}

UnixListener::~UnixListener() {
  Stop();
  if (fd_ >= 0) close(fd_);
  unlink(path_.c_str());
}

void UnixListener::Start(grpc::Server* server, PeerRegistry* peers) {
  if (pipe2(wake_, O_CLOEXEC) != 0) wake_[0] = wake_[1] = -1;
  thread_ = std::thread([this, server, peers] { AcceptLoop(server, peers); });
}

void UnixListener::Stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  if (wake_[1] >= 0) (void)!write(wake_[1], "x", 1);
  thread_.join();
  for (int& w : wake_) {
    if (w >= 0) close(w);
    w = -1;
  }
}

void UnixListener::AcceptLoop(grpc::Server* server, PeerRegistry* peers) {
  while (!stop_) {
    pollfd p[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (poll(p, wake_[0] >= 0 ? 2 : 1, 1000) <= 0) continue;
    if (stop_) break;
    if (!(p[0].revents & POLLIN)) continue;
    int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (c < 0) {
      if (errno != EINTR && errno != EAGAIN) spdlog::warn("accept: {}", std::strerror(errno));
      continue;
    }
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
      spdlog::warn("SO_PEERCRED failed: {}; dropping connection", std::strerror(errno));
      close(c);
      continue;
    }
    peers->Set(c, PeerCred{cred.pid, cred.uid, cred.gid});
    spdlog::debug("connection fd {} from pid {} uid {} gid {}", c, cred.pid, cred.uid, cred.gid);
    grpc::AddInsecureChannelFromFd(server, c);  // gRPC owns the fd from here on
  }
}

}  // namespace socd::daemon
