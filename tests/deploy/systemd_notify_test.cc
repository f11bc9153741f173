// The sd_notify client against a real datagram socket standing in for systemd's notify socket.
#include "daemon/systemd_notify.h"

#include <stddef.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace socd::daemon {
namespace systemd_notify_test {

// A bound AF_UNIX datagram socket, the way systemd creates /run/systemd/notify. The
// environment variables are restored so tests stay independent.
class NotifySocket {
 public:
  // abstract_name empty: a socket file in a fresh temporary directory.
  explicit NotifySocket(const std::string& abstract_name = "") {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    timeval tv{5, 0};  // a missing message fails the test instead of hanging it
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    socklen_t len;
    if (abstract_name.empty()) {
      char tmpl[] = "/tmp/socd-notify-XXXXXX";
      dir_ = mkdtemp(tmpl);
      path_ = dir_ + "/notify";
      std::strcpy(addr.sun_path, path_.c_str());
      len = offsetof(sockaddr_un, sun_path) + path_.size() + 1;
      env_ = path_;
    } else {
      std::memcpy(addr.sun_path + 1, abstract_name.data(), abstract_name.size());
      len = offsetof(sockaddr_un, sun_path) + 1 + abstract_name.size();
      env_ = "@" + abstract_name;
    }
    bound_ = bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0;
    setenv("NOTIFY_SOCKET", env_.c_str(), 1);
  }
  ~NotifySocket() {
    unsetenv("NOTIFY_SOCKET");
    close(fd_);
    if (!path_.empty()) unlink(path_.c_str());
    if (!dir_.empty()) rmdir(dir_.c_str());
  }
  bool bound() const { return bound_; }
  std::string Receive() {
    char buf[4096];
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    return n < 0 ? std::string("<nothing received>") : std::string(buf, n);
  }

 private:
  int fd_ = -1;
  bool bound_ = false;
  std::string dir_, path_, env_;
};

TEST(SystemdNotify, WithoutNotifySocketEverythingIsANoop) {
  unsetenv("NOTIFY_SOCKET");
  EXPECT_TRUE(NotifyReady().ok());
  EXPECT_TRUE(NotifyStopping().ok());
  EXPECT_TRUE(NotifyWatchdog().ok());
  EXPECT_TRUE(NotifyStatus("x").ok());
}

TEST(SystemdNotify, PathSocketReceivesEachState) {
  NotifySocket sock;
  ASSERT_TRUE(sock.bound());
  ASSERT_TRUE(NotifyReady().ok());
  EXPECT_EQ(sock.Receive(), "READY=1");
  ASSERT_TRUE(NotifyReady("2 models loaded").ok());
  EXPECT_EQ(sock.Receive(), "READY=1\nSTATUS=2 models loaded");
  ASSERT_TRUE(NotifyWatchdog().ok());
  EXPECT_EQ(sock.Receive(), "WATCHDOG=1");
  ASSERT_TRUE(NotifyStatus("loading\nresnet50").ok());
  EXPECT_EQ(sock.Receive(), "STATUS=loading resnet50");
  ASSERT_TRUE(NotifyStopping().ok());
  EXPECT_EQ(sock.Receive(), "STOPPING=1");
}

TEST(SystemdNotify, AbstractSocketReceivesReady) {
  NotifySocket sock(absl::StrCat("socd-notify-test-", getpid()));
  ASSERT_TRUE(sock.bound());
  absl::Status s = NotifyReady();
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(sock.Receive(), "READY=1");
}

TEST(SystemdNotify, BadAddressesAreErrorsNotCrashes) {
  setenv("NOTIFY_SOCKET", "relative/notify", 1);
  EXPECT_EQ(NotifyReady().code(), absl::StatusCode::kInvalidArgument);
  setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
  EXPECT_EQ(NotifyReady().code(), absl::StatusCode::kInvalidArgument);
  setenv("NOTIFY_SOCKET", ("/" + std::string(200, 'x')).c_str(), 1);
  EXPECT_EQ(NotifyReady().code(), absl::StatusCode::kInvalidArgument);
  setenv("NOTIFY_SOCKET", "/nonexistent-dir/notify", 1);
  absl::Status s = NotifyReady();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/nonexistent-dir/notify"), absl::string_view::npos) << s;
  unsetenv("NOTIFY_SOCKET");
}

TEST(SystemdNotify, WatchdogInterval) {
  unsetenv("WATCHDOG_USEC");
  unsetenv("WATCHDOG_PID");
  EXPECT_EQ(WatchdogInterval().count(), 0);
  setenv("WATCHDOG_USEC", "30000000", 1);
  EXPECT_EQ(WatchdogInterval(), std::chrono::seconds(30));
  setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  EXPECT_EQ(WatchdogInterval(), std::chrono::seconds(30));
  // Inherited from a parent service: not ours to answer.
  setenv("WATCHDOG_PID", std::to_string(getpid() + 1).c_str(), 1);
  EXPECT_EQ(WatchdogInterval().count(), 0);
  unsetenv("WATCHDOG_PID");
  setenv("WATCHDOG_USEC", "soon", 1);
  EXPECT_EQ(WatchdogInterval().count(), 0);
  setenv("WATCHDOG_USEC", "0", 1);
  EXPECT_EQ(WatchdogInterval().count(), 0);
  unsetenv("WATCHDOG_USEC");
}

}  // namespace systemd_notify_test
}  // namespace socd::daemon
