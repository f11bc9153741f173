#include "backends/cache_dir.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace socd::backends {

absl::StatusOr<std::string> CacheDir(const std::string& sub) {
  namespace fs = std::filesystem;
  fs::path base;
  if (const char* d = std::getenv("SOCD_CACHE_DIR"); d && *d) {
    base = d;
  } else if (const char* c = std::getenv("CACHE_DIRECTORY"); c && *c) {
    // systemd may list several, colon-separated; the unit names one.
    std::string s = c;
    base = s.substr(0, s.find(':'));
  } else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) {
    base = fs::path(x) / "socd";
  } else if (const char* h = std::getenv("HOME"); h && *h) {
    base = fs::path(h) / ".cache" / "socd";
  } else {
    return absl::NotFoundError(
        "no cache directory: none of SOCD_CACHE_DIR, CACHE_DIRECTORY, "
        "XDG_CACHE_HOME, HOME is set");
  }
  fs::path dir = sub.empty() ? base : base / sub;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create cache directory '", dir.string(), "': ", ec.message()));
  }
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec,
                  fs::perm_options::replace, ec);
  return dir.string();
}

}  // namespace socd::backends
