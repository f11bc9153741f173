// The sd_notify(3) protocol, without libsystemd: one datagram of "KEY=value" lines to the
// Unix socket named by $NOTIFY_SOCKET. With Type=notify, systemd considers socd started only
// once READY=1 arrives (after the models are loaded), and with WatchdogSec= it restarts socd
// when WATCHDOG=1 pings stop.
//
// Outside systemd (NOTIFY_SOCKET unset) every call is a no-op returning OK, so callers never
// need to check whether they run under systemd.
#pragma once

#include <chrono>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace socd::daemon {

// Sends `state` (newline-separated KEY=value assignments) as one datagram. NOTIFY_SOCKET may be
// a filesystem path or an abstract socket ("@name"); anything else is InvalidArgument.
absl::Status Notify(absl::string_view state);

// The service finished starting up: socket listening, models loaded. `status` (optional) is
// shown by `systemctl status`.
absl::Status NotifyReady(absl::string_view status = "");
// The service began its shutdown (draining requests): systemd shows "deactivating" and stops
// expecting watchdog pings.
absl::Status NotifyStopping();
// Keep-alive ping; send at least every WatchdogInterval() / 2.
absl::Status NotifyWatchdog();
// Free-form one-line status for `systemctl status`; newlines become spaces.
absl::Status NotifyStatus(absl::string_view text);

// The watchdog period systemd expects pings within (WATCHDOG_USEC), or zero when the watchdog is
// off, the variable is malformed, or WATCHDOG_PID names another process (the variable was
// inherited, not meant for us).
std::chrono::microseconds WatchdogInterval();

}  // namespace socd::daemon
