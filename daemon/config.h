// The daemon's settings: defaults, then /etc/socd/socd.conf (or --config FILE), then flags.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "socd_config.pb.h"

namespace socd::daemon {

constexpr char kDefaultConfigPath[] = "/etc/socd/socd.conf";

socd::DaemonConfig DefaultConfig();

// Parses protobuf text. Unknown fields are errors here (unlike Triton's config.pbtxt): a typo
// in the daemon's own config should stop it, naming the line.
absl::StatusOr<socd::DaemonConfig> ParseDaemonConfig(const std::string& text);

struct CommandLine {
  socd::DaemonConfig config;
  std::string config_path;  // the file that was read ("" if none)
  bool help = false, version = false;
};

// Defaults -> config file (--config FILE, else kDefaultConfigPath if it exists) -> flags.
// Flags are --NAME VALUE or --NAME=VALUE with NAME the field name using dashes.
absl::StatusOr<CommandLine> ParseCommandLine(int argc, char** argv);

// Re-reads the file a running daemon was started with (SIGHUP), keeping flag overrides.
absl::StatusOr<socd::DaemonConfig> ReloadConfig(int argc, char** argv);

}  // namespace socd::daemon
