#!/usr/bin/env bash
# An unprivileged client (uid/gid 65534 "nobody", no supplementary groups) may infer and read the
# thermal policy over the socket but is refused model load/unload, thermal policy changes and
# shared-memory registration with PERMISSION_DENIED; root (the admin) may do them. Needs root to switch uid (CI runs as root); otherwise skipped.
set -euo pipefail
SOCD=$1 SOCCTL=$2 MODELS=$3
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
  echo "SKIP: needs root and setpriv to run a client under another uid"; exit 77
fi
work=$(mktemp -d /tmp/socd-acl-XXXXXX)
chmod 755 "$work"
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/repo/sum/1"
ln -s "$MODELS/velardo-sum-mlp.onnx" "$work/repo/sum/1/model.onnx"
install -m 755 "$SOCCTL" "$work/socctl"   # a copy the unprivileged user can execute
# Socket group "nogroup" (65534) so that uid nobody may connect at all.
"$SOCD" --model-repository "$work/repo" --listen "unix:$work/socd.sock" --socket-group nogroup \
  --model-control-mode explicit --load-model '*' >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -S "$work/socd.sock" ] && "$SOCCTL" -s "$work/socd.sock" status >/dev/null 2>&1 && break; sleep 0.1; done
[ "$(stat -c %a "$work/socd.sock")" = 660 ] || { echo "socket mode is $(stat -c %a "$work/socd.sock"), want 660"; exit 1; }
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$work/socctl" -s "$work/socd.sock" "$@"; }
as_nobody infer sum >/dev/null || { echo "unprivileged infer failed"; cat "$work/log"; exit 1; }
as_nobody thermal >/dev/null || { echo "unprivileged thermal policy get failed"; exit 1; }
for cmd in "models unload sum" "models load sum" "thermal set target_temp_c=72"; do
  if out=$(as_nobody $cmd 2>&1); then echo "unprivileged '$cmd' was allowed"; exit 1; fi
  grep -q PERMISSION_DENIED <<<"$out" || { echo "unprivileged '$cmd': $out"; exit 1; }
done
# A uid outside the socket's group cannot even connect.
if setpriv --reuid=65534 --regid=65533 --clear-groups "$work/socctl" -s "$work/socd.sock" infer sum >/dev/null 2>&1; then
  echo "a client outside the socket group could infer"; exit 1
fi
"$SOCCTL" -s "$work/socd.sock" models unload sum >/dev/null   # root is admin
"$SOCCTL" -s "$work/socd.sock" models load sum >/dev/null
"$SOCCTL" -s "$work/socd.sock" thermal set target_temp_c=72 >/dev/null
"$SOCCTL" -s "$work/socd.sock" thermal | grep -q "target 72.0 C" || { echo "admin thermal set had no effect"; exit 1; }
echo "access control: 1 passed, 0 failed"
