#!/usr/bin/env bash
# bench/restart.sh — how long fsd-server takes to start on a big database.
#
#   bench/restart.sh [N...]      (default: 100000 1000000; `make bench-restart`)
#
# For each N: a fresh database with the Berlin sample data, N jobs put in by
# bin/fsd-fill (2 % open, the rest closed or cancelled, each with its
# history, match decision and remembered answer), then three starts of
# fsd-server; prints the median of the time from exec to event=listening
# and of load_ms (event=started: opening the database and building memory).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${BIN:-bin}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
[ $# -gt 0 ] || set -- 100000 1000000
work=$(mktemp -d "${TMPDIR:-/tmp}/fsd-bench.XXXXXX")
pid=
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
port=${FSD_BENCH_PORT:-23790}
export FSD_HOME=$work/data FSD_SERVER=tcp://127.0.0.1:$port
export FSD_SERVER_KEY=$FSD_HOME/keys/server.pub FSD_KEY=$FSD_HOME/keys/admin.key

# start_wait LOG: starts the server (pid), waits for event=listening (ms)
start_wait() {
    local t0 t1
    t0=$(date +%s%N)
    "$BIN/fsd-server" --data "$FSD_HOME" --listen "$FSD_SERVER" 2>"$1" &
    pid=$!
    until grep -q 'event=listening' "$1"; do
        kill -0 $pid 2>/dev/null || { cat "$1" >&2; exit 1; }
        sleep 0.01
    done
    t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000000 ))
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; }
median() { sort -n | sed -n 2p; }

printf '%-9s %-8s %-10s %-9s %-13s %s\n' jobs open_jobs db_MB fill_s listening_ms load_ms
for n in "$@"; do
    rm -rf "$FSD_HOME"
    start_wait "$work/first.log"
    "$BIN/fsdctl" territory load examples/territories.geojson >/dev/null
    "$BIN/fsdctl" provider load examples/providers.csv >/dev/null
    "$BIN/fsdctl" agent load examples/technicians.csv >/dev/null
    "$BIN/fsdctl" product load examples/products.csv >/dev/null
    stop
    f0=$(date +%s)
    "$BIN/fsd-fill" "$FSD_HOME/fsd.db" "$n" 2>/dev/null
    fill=$(( $(date +%s) - f0 ))
    mb=$(( $(stat -c %s "$FSD_HOME/fsd.db") / 1048576 ))
    listen=() load=()
    for run in 1 2 3; do
        start_wait "$work/run$run.log"
        listen+=("$ms")
        load+=("$(sed -n 's/.*event=started.* load_ms=\([0-9]*\).*/\1/p' "$work/run$run.log")")
        open=$(sed -n 's/.*event=started.* open_jobs=\([0-9]*\).*/\1/p' "$work/run$run.log")
        stop
    done
    printf '%-9s %-8s %-10s %-9s %-13s %s\n' "$n" "$open" "$mb" "$fill" \
        "$(printf '%s\n' "${listen[@]}" | median)" "$(printf '%s\n' "${load[@]}" | median)"
done
