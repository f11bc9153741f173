#!/usr/bin/env bash
# The main job: build socd, start the daemon on the bundled example repository (deploy/models)
# over a Unix socket, and serve real requests through it — with socctl (socd's CLI) and with
# Triton's own Python client (tritonclient, from ../shared/peers), including zero-copy system
# shared memory. Then run the CPU engine on two real models from ../shared/models with socd-run,
# checking each against its reference outputs.
#   scripts/run-example.sh [MODEL...]    socd-run models; default: tiny-bert mobilenetv2-1.0
# Exit status: 0 if every request succeeded and every model matched its reference.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

models=("$@")
((${#models[@]})) || models=(tiny-bert mobilenetv2-1.0)

"$SOCD_ROOT/scripts/install-deps.sh"
socd_log "build socd, socctl, socd-run"
"$SOCD_ROOT/scripts/build.sh" socd socctl socd-run
build=$SOCD_ROOT/build

socd_log "Triton's Python client (../shared/peers)"
peers=$("$SOCD_SHARED/peers/setup.sh")

work=$(mktemp -d /tmp/socd-example-XXXXXX)
sock=$work/socd.sock
cleanup() {
  [[ -n ${pid:-} ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

socd_log "socd --model-repository deploy/models --listen unix:$sock"
"$build/socd" --model-repository "$SOCD_ROOT/deploy/models" --listen "unix:$sock" \
  --metrics-port 0 >"$work/socd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  "$build/socctl" --socket "$sock" status >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/socd.log"; socd_die "socd exited"; }
  sleep 0.1
done
cat "$work/socd.log"

failed=()
socd_log "socctl status"
"$build/socctl" --socket "$sock" status || failed+=("socctl status")
socd_log "socctl infer simple   (OUTPUT0 = INPUT0 + INPUT1, OUTPUT1 = INPUT0 - INPUT1)"
"$build/socctl" --socket "$sock" --json infer simple || failed+=("socctl infer")
socd_log "tritonclient: metadata, inference, system shared memory"
"$peers/bin/python" "$SOCD_ROOT/client/examples/tritonclient_example.py" --socket "$sock" ||
  failed+=("tritonclient example")
socd_log "socctl perf simple --concurrency 8 --duration 2"
"$build/socctl" --socket "$sock" perf simple --concurrency 8 --duration 2 || failed+=("socctl perf")

for m in "${models[@]}"; do
  socd_log "socd-run $m (CPU engine, checked against ../shared/models/$m/test_data_set_0)"
  "$build/socd-run" "$SOCD_SHARED/models/$m.onnx" \
    --check "$SOCD_SHARED/models/$m/test_data_set_0" --runs 10 || failed+=("$m")
done
# The GPU backends on the first model: real Vulkan and OpenCL devices when the machine has them,
# Mesa lavapipe and PoCL (which run on the CPU) otherwise. The first OpenCL run compiles the
# kernels (~25 s with PoCL); later runs load them from ~/.cache/socd.
lavapipe=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json
if [[ -z ${VK_ICD_FILENAMES:-} && -f $lavapipe ]] && ! "$build/socd-run" --list-devices 2>/dev/null |
  grep -q '^vulkan.*gpu'; then
  export VK_ICD_FILENAMES=$lavapipe
fi
socd_log "socd-run --list-devices"
"$build/socd-run" --list-devices || failed+=("list-devices")
for b in vulkan opencl; do
  m=${models[0]}
  socd_log "socd-run $m --backend $b (checked against ../shared/models/$m/test_data_set_0)"
  "$build/socd-run" "$SOCD_SHARED/models/$m.onnx" --backend "$b" \
    --check "$SOCD_SHARED/models/$m/test_data_set_0" --runs 3 || failed+=("$m on $b")
done
echo
if ((${#failed[@]})); then
  echo "run-example: failed: ${failed[*]}"
  exit 1
fi
echo "run-example: the daemon served every request and all ${#models[@]} model(s) match their" \
  "references (on the CPU, and the first also on Vulkan and OpenCL)"
