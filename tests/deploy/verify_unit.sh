#!/bin/sh
# Checks deploy/ with systemd's own tools:
#   - `systemd-analyze verify` on the unit (ExecStart pointed at the built socd, since
#     /usr/bin/socd need not exist here); any message at all fails the test;
#   - `systemd-analyze security --offline`: the exposure score stays at most $MAX_EXPOSURE;
#   - systemd-sysusers and systemd-tmpfiles applied to a scratch root (tmpfiles only as root,
#     as it chowns).
# usage: verify_unit.sh DEPLOY_DIR SOCD_BINARY     exit 77: systemd-analyze is not installed
set -eu
DEPLOY=$(cd "$1" && pwd)
SOCD=$(readlink -f "$2")
MAX_EXPOSURE=2.5

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIP: systemd-analyze not found (Debian: apt install systemd)"
  exit 77
fi
[ -x "$SOCD" ] || { echo "FAIL: $SOCD is not an executable (build socd first)"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unit=$tmp/socd.service
sed "s|/usr/bin/socd|$SOCD|g" "$DEPLOY/systemd/socd.service" >"$unit"
grep -q "^ExecStart=$SOCD " "$unit" || { echo "FAIL: ExecStart does not run /usr/bin/socd"; exit 1; }

fail=0
# --man=no: the Documentation= URL is not a man page; the unit's dependencies
# (modprobe@.service, multi-user.target) resolve from the host's unit path.
if ! systemd-analyze verify --man=no "$unit" >"$tmp/verify.log" 2>&1 || [ -s "$tmp/verify.log" ]; then
  echo "FAIL: systemd-analyze verify:"
  cat "$tmp/verify.log"
  fail=1
else
  echo "ok: systemd-analyze verify"
fi

# --offline needs systemd >= 250 (Debian 12 has 252).
if systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
  systemd-analyze security --offline=true "$unit" >"$tmp/security.log" 2>&1 || true
  score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$tmp/security.log")
  if [ -z "$score" ]; then
    echo "FAIL: systemd-analyze security printed no exposure level:"
    cat "$tmp/security.log"
    fail=1
  elif awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s > m) }'; then
    echo "FAIL: exposure level $score > $MAX_EXPOSURE; findings:"
    grep '✗' "$tmp/security.log" || true
    fail=1
  else
    echo "ok: systemd-analyze security: exposure $score (at most $MAX_EXPOSURE)"
  fi
fi

# A scratch root holding only our sysusers.d/tmpfiles.d files, where the package puts them.
root=$tmp/root
mkdir -p "$root/etc" "$root/usr/lib/sysusers.d" "$root/usr/lib/tmpfiles.d"
cp "$DEPLOY/sysusers.d/socd.conf" "$root/usr/lib/sysusers.d/"
cp "$DEPLOY/tmpfiles.d/socd.conf" "$root/usr/lib/tmpfiles.d/"
if systemd-sysusers --root="$root" >"$tmp/sysusers.log" 2>&1 &&
   grep -q '^socd:x:[0-9]*:[0-9]*:socd inference daemon:/var/lib/socd:' "$root/etc/passwd" &&
   grep -q '^socd:x:' "$root/etc/group" && grep -q '^socd-admin:x:' "$root/etc/group"; then
  echo "ok: systemd-sysusers"
else
  echo "FAIL: systemd-sysusers:"
  cat "$tmp/sysusers.log" "$root/etc/passwd" "$root/etc/group" 2>/dev/null || true
  fail=1
fi

if [ "$(id -u)" = 0 ]; then
  # Owners resolve through the scratch root's passwd/group written above.
  uid=$(awk -F: '$1 == "socd" { print $3 }' "$root/etc/passwd")
  gid=$(awk -F: '$1 == "socd" { print $3 }' "$root/etc/group")
  admin_gid=$(awk -F: '$1 == "socd-admin" { print $3 }' "$root/etc/group")
  if systemd-tmpfiles --root="$root" --create >"$tmp/tmpfiles.log" 2>&1 &&
     [ "$(stat -c '%a %u %g' "$root/run/socd")" = "750 $uid $gid" ] &&
     [ "$(stat -c '%a %u %g' "$root/var/lib/socd")" = "755 $uid $gid" ] &&
     [ "$(stat -c '%a %u %g' "$root/var/lib/socd/models")" = "2775 $uid $admin_gid" ]; then
    echo "ok: systemd-tmpfiles"
  else
    echo "FAIL: systemd-tmpfiles (want socd=$uid:$gid, socd-admin=$admin_gid):"
    cat "$tmp/tmpfiles.log"
    ls -ln "$root/run" "$root/var/lib/socd" 2>/dev/null || true
    fail=1
  fi
else
  echo "skipped: systemd-tmpfiles (needs root to chown)"
fi

exit $fail
