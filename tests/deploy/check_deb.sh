#!/bin/sh
# Builds the .deb with cpack (from what is already built: socd, socd-run) into a scratch
# directory and checks its file list, control fields and maintainer scripts. As root, with
# mount namespaces and overlayfs available, it also installs, removes and purges the package
# in a throwaway overlay of / (the host is left untouched) and checks what postinst created.
# usage: check_deb.sh BUILD_DIR CPACK     exit 77: dpkg-deb is not installed
set -eu
BUILD=$1
CPACK=$2

if ! command -v dpkg-deb >/dev/null 2>&1 || ! command -v dpkg-shlibdeps >/dev/null 2>&1; then
  echo "SKIP: dpkg-deb/dpkg-shlibdeps not found (Debian: apt install dpkg-dev)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! "$CPACK" --config "$BUILD/CPackConfig.cmake" -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1; then
  echo "FAIL: cpack -G DEB:"
  cat "$tmp/cpack.log"
  exit 1
fi
deb=$(ls "$tmp"/out/socd_*.deb)
echo "ok: cpack built $(basename "$deb")"

fail=0
dpkg-deb -c "$deb" | awk '{ print $6 }' >"$tmp/files"
for f in ./usr/bin/socd ./usr/bin/socd-run ./usr/lib/systemd/system/socd.service \
         ./usr/lib/sysusers.d/socd.conf ./usr/lib/tmpfiles.d/socd.conf \
         ./etc/socd/socd.conf.example ./usr/share/socd/models/simple/config.pbtxt \
         ./usr/share/socd/models/simple/1/model.onnx; do
  grep -qxF "$f" "$tmp/files" || { echo "FAIL: $f is not in the package"; fail=1; }
done
depends=$(dpkg-deb -f "$deb" Depends)
for d in systemd libdnnl libgrpc++ libc6; do
  case "$depends" in *"$d"*) ;; *) echo "FAIL: Depends lacks $d: $depends"; fail=1 ;; esac
done
dpkg-deb -e "$deb" "$tmp/control"
grep -qxF /etc/socd/socd.conf.example "$tmp/control/conffiles" ||
  { echo "FAIL: /etc/socd/socd.conf.example is not a conffile"; fail=1; }
for s in postinst prerm postrm; do
  [ -x "$tmp/control/$s" ] || { echo "FAIL: no executable $s"; fail=1; }
done
[ $fail = 0 ] && echo "ok: files, Depends, conffiles, maintainer scripts"

# Install / remove / purge in an overlay of / inside a private mount namespace.
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null 2>&1; then
  echo "skipped: install test (needs root and unshare)"
  exit $fail
fi
mkdir -p "$tmp/up" "$tmp/work" "$tmp/root"
cp "$deb" "$tmp/socd.deb"
cat >"$tmp/inside.sh" <<'INSIDE'
set -e
dpkg -i /socd.deb >/dev/null
id socd >/dev/null
getent group socd-admin >/dev/null
test "$(stat -c '%a %U %G' /var/lib/socd/models)" = "2775 socd socd-admin"
test "$(stat -c '%a %U %G' /run/socd)" = "750 socd socd"
/usr/bin/socd --version >/dev/null
dpkg -r socd >/dev/null
test ! -e /usr/bin/socd
test -e /etc/socd/socd.conf.example
dpkg -P socd >/dev/null
test ! -e /etc/socd
echo "ok: dpkg install, remove, purge"
INSIDE
# The overlay's upper layer takes every write; /run is a fresh tmpfs, so postinst sees no
# running systemd and only applies sysusers.d/tmpfiles.d.
# shellcheck disable=SC2016  # the inner script expands $1 itself
if unshare -m sh -c '
    set -e
    r=$1
    mount -t overlay overlay -o "lowerdir=/,upperdir=$r/up,workdir=$r/work" "$r/root" 2>/dev/null ||
      exit 77
    mount --bind /proc "$r/root/proc"
    mount --bind /dev "$r/root/dev"
    mount -t tmpfs tmpfs "$r/root/run"
    mount -t tmpfs tmpfs "$r/root/tmp"
    cp "$r/socd.deb" "$r/inside.sh" "$r/root/"
    chroot "$r/root" sh /inside.sh' sh "$tmp" >"$tmp/install.log" 2>&1; then
  cat "$tmp/install.log"
else
  rc=$?
  if [ $rc = 77 ]; then
    echo "skipped: install test (overlayfs on / is not available)"
  else
    echo "FAIL: install test:"
    cat "$tmp/install.log"
    fail=1
  fi
fi
exit $fail
