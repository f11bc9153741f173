#!/usr/bin/env bash
# Installs the Debian 12 packages listed in scripts/deps.txt that are not installed yet.
# Idempotent and quiet when everything is present: dpkg is asked first, and apt-get (one
# update, one install) runs only for what is missing. Uses sudo only when not root.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

mapfile -t packages < <(sed -e 's/#.*//' -e 's/[[:space:]]\+$//' -e '/^[[:space:]]*$/d' \
  "$SOCD_ROOT/scripts/deps.txt")

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [[ $status == ii* ]] || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi

echo "install-deps: installing ${#missing[@]} missing package(s): ${missing[*]}"
as_root=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || socd_die "not root and no sudo: install ${missing[*]} as root"
  as_root=(sudo)
fi
# No prompts, no stdin (CI): debconf must not ask, and apt waits for a held lock instead of
# failing while unattended-upgrades runs.
apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600)
"${apt[@]}" update
"${apt[@]}" install --no-install-recommends "${missing[@]}" </dev/null
