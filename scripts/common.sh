# shellcheck shell=bash
# Sourced by the scripts in this folder: where things are, the build environment, helpers.
# Every setting can be overridden from the environment.

SOCD_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# ../shared beside the checkout: test models, ONNX node tests, peers (read-only). A clone made
# elsewhere (a CI scratch folder) falls back to the workspace's copy.
if [[ -z ${SOCD_SHARED:-} ]]; then
  SOCD_SHARED=$(cd "$SOCD_ROOT/.." && pwd)/shared
  [[ -d $SOCD_SHARED/models || ! -d /work/shared/models ]] || SOCD_SHARED=/work/shared
fi
# CI machines have 2 cores; more jobs only thrash.
SOCD_JOBS=${SOCD_JOBS:-2}

# ccache lives in ~/.cache so it survives between CI runs on the same machine; BASEDIR and
# NOHASHDIR make hits independent of where the repository is cloned.
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$SOCD_ROOT}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}

socd_log() { printf '\n==> %s\n' "$*"; }
socd_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# socd_configure BUILD_DIR [CMAKE_ARG...]: configure (or re-check) a Ninja build tree. Cheap
# when nothing changed; never wipes the tree, so ccache and ninja keep their work.
socd_configure() {
  local dir=$1
  shift
  mkdir -p "$dir"
  cmake -S "$SOCD_ROOT" -B "$dir" -G Ninja -DSOCD_SHARED_DIR="$SOCD_SHARED" "$@" \
    >"$dir/configure.log" 2>&1 || {
    cat "$dir/configure.log" >&2
    return 1
  }
  tail -n 1 "$dir/configure.log"
}

# socd_existing_targets BUILD_DIR NAME...: the NAMEs that are targets of that build tree.
socd_existing_targets() {
  local dir=$1
  shift
  local all
  all=$(ninja -C "$dir" -t targets all | sed -n 's/^\([^:]*\): .*/\1/p')
  local t
  for t in "$@"; do
    if grep -qxF "$t" <<<"$all"; then echo "$t"; fi
  done
}
