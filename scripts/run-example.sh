#!/usr/bin/env bash
# The main job until the daemon serves requests: build socd-run and run bundled example models
# from ../shared/models on the CPU engine, checking each output against its reference data
# (rtol 1e-3, atol 1e-4) and printing latency, arena size and bytes copied.
#   scripts/run-example.sh [MODEL...]    default: tiny-bert mobilenetv2-1.0
# Exit status: 0 if every model matched its reference.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

models=("$@")
((${#models[@]})) || models=(tiny-bert mobilenetv2-1.0)

"$SOCD_ROOT/scripts/install-deps.sh"
socd_log "build socd-run"
"$SOCD_ROOT/scripts/build.sh" socd-run

failed=()
for m in "${models[@]}"; do
  socd_log "socd-run $m"
  if ! "$SOCD_ROOT/build/socd-run" "$SOCD_SHARED/models/$m.onnx" \
    --check "$SOCD_SHARED/models/$m/test_data_set_0" --runs 10; then
    failed+=("$m")
  fi
done
echo
if ((${#failed[@]})); then
  echo "run-example: ${#failed[@]} of ${#models[@]} model(s) failed: ${failed[*]}"
  exit 1
fi
echo "run-example: all ${#models[@]} model(s) match their reference outputs"
