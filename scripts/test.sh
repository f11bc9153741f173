#!/usr/bin/env bash
# THE test command; CI runs exactly this (.ci/run). Installs the Debian packages, then runs:
#   release  build/ (gcc, unity, ccache): ctest --output-on-failure -j2 — unit tests,
#            conformance and model tests, whatever tests/ registers
#   asan     build-asan/: unit tests (and the conformance runner when it exists) built with
#            AddressSanitizer + UndefinedBehaviorSanitizer, leaks checked
#   fuzz     build-fuzz/ (clang): the ONNX-import libFuzzer target for $SOCD_FUZZ_SECONDS s
#            (default 60) on seeds from ../shared; any crash, leak, UB or timeout fails
# and prints a summary. Build trees are reused, so a second run rebuilds only what changed.
#   scripts/test.sh [release|asan|fuzz]...   run only these stages
# Exit status: 0 only if every stage passed.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SOCD_FUZZ_SECONDS=${SOCD_FUZZ_SECONDS:-60}
ALL_STAGES=(release asan fuzz)

# Each stage writes one line for the summary to $SOCD_STAGE_NOTE.
note() { printf '%s\n' "$*" >"$SOCD_STAGE_NOTE"; }

# ---- release: build what the registered tests run, then ctest ----

# "N passed, M failed" from ctest's closing line in LOG, or nothing.
ctest_counts() {
  local line
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of' "$1" | tail -n 1 || true)
  [[ $line =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]] || return 0
  echo "$((BASH_REMATCH[2] - BASH_REMATCH[1])) passed, ${BASH_REMATCH[1]} failed"
}

# The ../shared/peers venv (onnxruntime, onnx, tritonclient) plus pytest, for the integration
# tests. Created once; later runs only check it. Prints the venv's python.
peers_python() {
  local venv
  venv=$("$SOCD_SHARED/peers/setup.sh") || return 1
  "$venv/bin/python" -c 'import pytest' 2>/dev/null ||
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check pytest >&2 ||
    return 1
  echo "$venv/bin/python"
}

stage_release() {
  local dir=$SOCD_ROOT/build
  note "build failed"
  local -a peers=()
  local python
  if python=$(peers_python); then
    peers=(-DSOCD_PEERS_PYTHON="$python")
  else
    echo "warning: could not set up ../shared/peers; integration tests will fail" >&2
  fi
  socd_configure "$dir" -DCMAKE_BUILD_TYPE=Release -DSOCD_UNITY=ON -DSOCD_SANITIZE=OFF \
    -DSOCD_FUZZ=OFF "${peers[@]}"
  # Everything: ctest cannot resolve the commands of tests whose executables do not exist yet,
  # so deriving targets from it missed some; ccache keeps unchanged sources cheap.
  ninja -C "$dir" -j"$SOCD_JOBS"

  note "ctest did not finish"
  local log=$dir/ctest.log rc=0
  ctest --test-dir "$dir" --output-on-failure -j"$SOCD_JOBS" 2>&1 | tee "$log" || rc=$?
  local counts
  counts=$(ctest_counts "$log")
  note "ctest: ${counts:-no summary}"
  return "$rc"
}

# ---- asan: unit tests (+ conformance) under ASan + UBSan ----

stage_asan() {
  local dir=$SOCD_ROOT/build-asan
  note "build failed"
  socd_configure "$dir" -DCMAKE_BUILD_TYPE=Release -DSOCD_SANITIZE=ON -DSOCD_UNITY=ON \
    -DSOCD_FUZZ=OFF
  # The executables of the tests labelled unit, and the conformance runner.
  local -a targets
  mapfile -t targets < <(socd_existing_targets "$dir" socd_unit_tests socd_daemon_tests \
    socd_conformance_tests systemd_notify_test socd-conformance)
  ninja -C "$dir" -j"$SOCD_JOBS" "${targets[@]}"
  local conformance=""
  [[ " ${targets[*]} " == *" socd-conformance "* ]] && conformance=1

  export ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  note "unit tests did not finish"
  local log=$dir/ctest.log rc=0
  ctest --test-dir "$dir" -L unit --output-on-failure -j"$SOCD_JOBS" 2>&1 | tee "$log" || rc=$?
  local counts
  counts=$(ctest_counts "$log")
  note "unit tests: ${counts:-no summary}"
  if [[ -n $conformance ]]; then
    run_asan_conformance "$dir" || rc=1
  fi
  return "$rc"
}

# The conformance runner over ../shared/onnx-node under ASan: kernel out-of-bounds reads and
# writes that a wrong-but-close output would hide. Failing node tests are the release stage's
# business; here only sanitizer reports count.
run_asan_conformance() {
  local dir=$1 log=$1/conformance.log rc=0
  socd_log "conformance under ASan: $SOCD_SHARED/onnx-node"
  "$dir/socd-conformance" "$SOCD_SHARED/onnx-node" >"$log" 2>&1 || rc=$?
  tail -n 5 "$log"
  if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$log"; then
    grep -E -A 30 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$log" | head -n 120
    note "$(cat "$SOCD_STAGE_NOTE"); conformance: sanitizer errors (see $log)"
    return 1
  fi
  note "$(cat "$SOCD_STAGE_NOTE"); conformance: no sanitizer errors (exit $rc)"
}

# ---- fuzz: libFuzzer on the ONNX importer ----

FUZZ_MAX_LEN=65536
# A few ONNX node tests, one per operator family, as small well-formed seeds.
FUZZ_NODE_SEEDS=(conv gather reshape slice concat transpose matmul gemm maxpool averagepool
  resize pad split squeeze unsqueeze expand where softmax batchnorm layer_normalization cast
  constantofshape range tile reduce_sum topk argmax clip einsum scatter_elements nonzero
  gathernd cumsum depthtospace flatten lstm qlinearconv dequantizelinear convtranspose
  equal_string string_split string_concat strnormalizer regex_full_match)

make_fuzz_corpus() {
  local corpus=$1 f d op
  # Whole models up to the input size limit: bigger ones would only be cut short.
  for f in "$SOCD_SHARED"/models/*.onnx; do
    (($(stat -c %s "$f") <= FUZZ_MAX_LEN)) && cp "$f" "$corpus/"
  done
  for op in "${FUZZ_NODE_SEEDS[@]}"; do
    # sed, not head: head exits early and, under pipefail, sort's SIGPIPE failed the stage.
    d=$(find "$SOCD_SHARED/onnx-node" -maxdepth 1 -name "test_${op}*" ! -name '*expanded*' \
      | sort | sed -n 1p)
    [[ -n $d && -f $d/model.onnx ]] && cp "$d/model.onnx" "$corpus/node_${d##*/test_}.onnx"
  done
  # Inputs that once crashed socd (tests/fuzz/regressions/): run first, every time.
  cp "$SOCD_ROOT"/tests/fuzz/regressions/*.onnx "$corpus/" 2>/dev/null || true
  return 0
}

stage_fuzz() {
  local dir=$SOCD_ROOT/build-fuzz
  note "build failed"
  command -v clang++ >/dev/null || socd_die "clang++ not found (scripts/install-deps.sh)"
  CC=clang CXX=clang++ socd_configure "$dir" -DCMAKE_BUILD_TYPE=Release -DSOCD_FUZZ=ON \
    -DSOCD_UNITY=ON -DSOCD_SANITIZE=OFF
  ninja -C "$dir" -j"$SOCD_JOBS" fuzz_onnx_import

  # Seeds go to a temporary folder (libFuzzer adds what it finds there), never into the repo.
  fuzz_corpus=$(mktemp -d -t socd-fuzz-corpus.XXXXXX)
  trap 'rm -rf "$fuzz_corpus"' EXIT
  local corpus=$fuzz_corpus
  make_fuzz_corpus "$corpus"
  local artifacts=$dir/artifacts
  mkdir -p "$artifacts"
  echo "fuzz: $(find "$corpus" -type f | wc -l) seeds, ${SOCD_FUZZ_SECONDS} s; crash inputs go to $artifacts/"

  note "fuzzer did not finish"
  export ASAN_OPTIONS=detect_leaks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  local log=$dir/fuzz.log rc=0
  # -rss_limit_mb also caps single allocations: a model that makes the importer allocate
  # gigabytes is a bug. Progress lines and the suggested dictionary stay in the log only.
  "$dir/tests/fuzz/fuzz_onnx_import" -max_total_time="$SOCD_FUZZ_SECONDS" \
    -max_len=$FUZZ_MAX_LEN -rss_limit_mb=2048 -timeout=30 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1 || rc=$?
  awk '/^###### Recommended dictionary/ { skip = 1 } !skip && !/^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)|NEW_FUNC/
       /^###### End of recommended dictionary/ { skip = 0 }' "$log" | tail -n 80
  local runs
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  if ((rc == 0)); then
    note "${runs:-?} inputs in ${SOCD_FUZZ_SECONDS} s, no crash, leak, UB or timeout"
  else
    note "FOUND A BUG after ${runs:-?} inputs: $(ls -t "$artifacts" | head -n 1)" \
      "(reproduce: $dir/tests/fuzz/fuzz_onnx_import $artifacts/FILE)"
  fi
  return "$rc"
}

# ---- driver ----

if [[ ${1:-} == --stage ]]; then
  "stage_$2"
  exit 0
fi

stages=("$@")
((${#stages[@]})) || stages=("${ALL_STAGES[@]}")
for s in "${stages[@]}"; do
  [[ " ${ALL_STAGES[*]} " == *" $s "* ]] || socd_die "unknown stage '$s' (${ALL_STAGES[*]})"
done

t0=$SECONDS
socd_log "dependencies"
"$SOCD_ROOT/scripts/install-deps.sh"
deps_s=$((SECONDS - t0))
command -v ccache >/dev/null && ccache --zero-stats >/dev/null

notes_dir=$(mktemp -d -t socd-test.XXXXXX)
trap 'rm -rf "$notes_dir"' EXIT

# CPU seconds (user + sys) used by this script's finished children so far. Next to wall time
# it shows what a stage costs on a machine that other work slows down.
children_cpu() {
  times >"$notes_dir/times"
  awk 'NR == 2 {
    t = 0
    for (i = 1; i <= 2; ++i) { split($i, p, "m"); t += p[1] * 60 + p[2] }
    printf "%d", t }' "$notes_dir/times"
}

declare -A result seconds cpu
for s in "${stages[@]}"; do
  socd_log "stage $s"
  start=$SECONDS
  cpu_start=$(children_cpu)
  # A separate process per stage: `set -e` holds inside it, and one stage failing does not
  # stop the others from reporting.
  if SOCD_STAGE_NOTE=$notes_dir/$s bash "$SOCD_ROOT/scripts/test.sh" --stage "$s"; then
    result[$s]=passed
  else
    result[$s]=FAILED
  fi
  seconds[$s]=$((SECONDS - start))
  cpu[$s]=$(($(children_cpu) - cpu_start))
done

socd_log "summary"
printf '  %-8s %-7s %6s %6s\n' stage result wall cpu
printf '  %-8s %-7s %5ss\n' deps ok "$deps_s"
n_passed=0
n_failed=0
for s in "${stages[@]}"; do
  printf '  %-8s %-7s %5ss %5ss  %s\n' "$s" "${result[$s]}" "${seconds[$s]}" "${cpu[$s]}" \
    "$(cat "$notes_dir/$s" 2>/dev/null || true)"
  if [[ ${result[$s]} == passed ]]; then n_passed=$((n_passed + 1)); else n_failed=$((n_failed + 1)); fi
done
if command -v ccache >/dev/null; then
  echo "  ccache: $(ccache --print-stats 2>/dev/null | awk -F'\t' '
    $1 == "direct_cache_hit" || $1 == "preprocessed_cache_hit" { h += $2 }
    $1 == "cache_miss" { m = $2 } END { printf "%d hits, %d misses", h, m }')"
fi
echo "  total ${SECONDS}s"
echo "test.sh: $n_passed stage(s) passed, $n_failed failed"
((n_failed == 0))
