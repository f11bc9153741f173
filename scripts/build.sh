#!/usr/bin/env bash
# Configures and builds the release tree build/ (Ninja, unity build, ccache).
#   scripts/build.sh [TARGET...]      default: every target
# Extra CMake options for a local build: SOCD_CMAKE_ARGS="-DSOCD_NATIVE=ON" scripts/build.sh
# Dependencies are not installed here; scripts/install-deps.sh does that.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

read -r -a extra <<<"${SOCD_CMAKE_ARGS:-}"
socd_configure "$SOCD_ROOT/build" -DCMAKE_BUILD_TYPE=Release -DSOCD_UNITY=ON \
  -DSOCD_SANITIZE=OFF -DSOCD_FUZZ=OFF "${extra[@]}"
ninja -C "$SOCD_ROOT/build" -j"$SOCD_JOBS" "$@"
