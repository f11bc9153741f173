// Where backends keep what is expensive to rebuild and safe to lose: Vulkan pipeline caches,
// OpenCL program binaries, calibration results.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace socd::backends {

// The first of: $SOCD_CACHE_DIR, $CACHE_DIRECTORY (systemd's CacheDirectory=),
// $XDG_CACHE_HOME/socd, $HOME/.cache/socd; `sub` appended and created (mode 0750) if missing. An
// error only when none can be created (callers then run without a cache).
absl::StatusOr<std::string> CacheDir(const std::string& sub);

}  // namespace socd::backends
