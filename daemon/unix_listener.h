// socd accepts Unix-socket connections itself (instead of letting gRPC listen) so it can read
// each caller's kernel-verified credentials (SO_PEERCRED) and authorize admin operations per
// connection. Accepted fds are handed to the gRPC server as insecure channels; gRPC names such
// a peer "fd:N", which is how handlers find the credentials again.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace grpc {
class Server;
}

namespace socd::daemon {

struct PeerCred {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Who may do admin operations: root, socd's own user, and members of `admin_gid`.
struct AdminPolicy {
  uid_t daemon_uid = 0;
  gid_t admin_gid = static_cast<gid_t>(-1);  // -1: no admin group configured
  bool IsAdmin(const PeerCred& c) const;
};

class PeerRegistry {
 public:
  void Set(int fd, PeerCred c);
  // The credentials of the connection gRPC calls `peer` ("fd:N"); NotFound otherwise (e.g.
  // a TCP client, which never gets admin rights).
  absl::StatusOr<PeerCred> Lookup(const std::string& peer) const;

 private:
  mutable std::mutex mu_;
  std::map<int, PeerCred> by_fd_;
};

class UnixListener {
 public:
  // Creates and binds the socket with mode `mode` (set through umask before bind, so there is
  // no window with looser permissions) and group `gid` (-1: keep the daemon's).
  static absl::StatusOr<std::unique_ptr<UnixListener>> Bind(const std::string& path, mode_t mode,
                                                            gid_t gid);
  ~UnixListener();
  // Starts accepting; every connection becomes a channel of `server`.
  void Start(grpc::Server* server, PeerRegistry* peers);
  void Stop();
  const std::string& path() const { return path_; }

 private:
  UnixListener(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  void AcceptLoop(grpc::Server* server, PeerRegistry* peers);
  std::string path_;
  int fd_;
  int wake_[2] = {-1, -1};
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

}  // namespace socd::daemon
