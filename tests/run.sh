#!/usr/bin/env bash
# tests/run.sh — runs every test and ends with one line: "N passed, N failed".
#
#   tests/run.sh            unit tests (cmocka), then integration tests
#   tests/run.sh unit       unit tests only
#   tests/run.sh NAME...    only the integration tests whose file name contains NAME
#
# Unit tests: each build/tests/test_* binary; every cmocka case counts.
# Integration tests: each tests/integration/t_*.sh runs in its own temporary
# directory with its own port, under a time limit, against the real
# fsd-server, fsd-agent and fsdctl; a test passes when it exits 0.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
export BIN ROOT
# every server a test starts checks its invariants after each batch and
# aborts on a broken one (server/invariants.h); benchmarks run without
export FSD_CHECK=${FSD_CHECK-1}
OUT=${TEST_OUT:-$ROOT/tests/out}
rm -rf "$OUT"
mkdir -p "$OUT"
passed=0
failed=0
failures=()

run_unit() {
    for t in "$BUILD"/tests/test_*; do
        [ -x "$t" ] && [ "${t%.d}" = "$t" ] || continue
        name=$(basename "$t")
        log=$OUT/$name.log
        timeout 120 "$t" >"$log" 2>&1
        rc=$?
        p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
        f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
        p=${p:-0}
        f=${f:-0}
        if [ $rc -ne 0 ] && [ "$f" = 0 ]; then f=1; fi   # crashed or timed out
        passed=$((passed + p))
        failed=$((failed + f))
        if [ "$f" != 0 ]; then
            failures+=("$name")
            echo "FAIL unit $name ($f failed)"
            grep -E '^\[  (FAILED|ERROR) |Error|error' "$log" | head -10 | sed 's/^/     /'
        else
            echo "ok   unit $name ($p)"
        fi
    done
}

run_integration() {
    local i=0
    for t in tests/integration/t_*.sh; do
        [ -f "$t" ] || continue
        name=$(basename "$t" .sh)
        if [ $# -gt 0 ]; then
            local want=0
            for pat in "$@"; do case $name in *"$pat"*) want=1 ;; esac; done
            [ $want = 1 ] || continue
        fi
        i=$((i + 1))
        dir=$(mktemp -d "${TMPDIR:-/tmp}/fsd-test.XXXXXX")
        start=$(date +%s)
        ( cd "$dir" && FSD_TEST_PORT=$(( ${FSD_TEST_PORT_BASE:-17300} + i * 7 )) \
            timeout -k 5 ${FSD_TEST_TIMEOUT:-240} bash "$ROOT/$t" ) >"$OUT/$name.log" 2>&1
        rc=$?
        secs=$(( $(date +%s) - start ))
        # whatever a test started must be gone, even after a failure
        pkill -9 -f "$dir" 2>/dev/null
        # a sanitizer report from any process of the test fails it
        if [ $rc -eq 0 ] && grep -rqsE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$dir" "$OUT/$name.log"; then
            echo "sanitizer report:" >>"$OUT/$name.log"
            grep -rhsE -A5 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$dir" | head -40 >>"$OUT/$name.log"
            rc=99
        fi
        if [ $rc -eq 0 ]; then
            passed=$((passed + 1))
            echo "ok   $name (${secs}s)"
            rm -rf "$dir"
        else
            failed=$((failed + 1))
            failures+=("$name")
            echo "FAIL $name (exit $rc after ${secs}s; log ${OUT#$ROOT/}/$name.log, files $dir)"
            tail -15 "$OUT/$name.log" | sed 's/^/     /'
        fi
    done
}

case ${1:-all} in
all) run_unit; run_integration ;;
unit) run_unit ;;
*) run_integration "$@" ;;
esac

[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
