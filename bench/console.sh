#!/usr/bin/env bash
# bench/console.sh — the console's time to first screen with a big fleet:
# 10,000 technicians and about 50,000 open jobs in the database (bench/
# gen-fleet.sh, bin/fsd-fill), fsd-server and fsd-web started on it, and
# Debian's chromium opening the console (tests/browser/first-screen.mjs):
# from navigation to the queues drawn from the first snapshot, over every
# territory and over one (the console loads by territory when the
# dispatcher picks one; the choice is kept per user). Also the frame time
# while scrolling the longest queue (virtualised list).
#
#   bench/console.sh [TECHS] [OPEN_JOBS]      (default 10000 50000)
#
# Writes BENCH_OUT/console.csv (default bench/out) and prints a table.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${BIN:-bin}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
OUT=${BENCH_OUT:-$ROOT/bench/out}
TECHS=${1:-10000}
OPEN=${2:-50000}
RUNS=${BENCH_CONSOLE_RUNS:-5}
port=${FSD_BENCH_PORT:-23800}
web_port=$((port + 5))
mkdir -p "$OUT"
[ -x "$BIN/fsd-web" ] || { echo "bench/console.sh: $BIN/fsd-web is not built" >&2; exit 1; }
[ -d tests/browser/node_modules/playwright-core ] || { echo "bench/console.sh: run make deps (playwright-core)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/fsd-bench-console.XXXXXX")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export FSD_HOME=$work/data FSD_SERVER=tcp://127.0.0.1:$port
export FSD_SERVER_KEY=$FSD_HOME/keys/server.pub FSD_KEY=$FSD_HOME/keys/admin.key

start_server() {
    "$BIN/fsd-server" --data "$FSD_HOME" --listen "$FSD_SERVER" >>"$work/server.log" 2>&1 &
    PIDS+=($!)
    server=$!
    until [ -f "$FSD_HOME/keys/admin.key" ] && grep -q 'event=listening' "$work/server.log" 2>/dev/null; do
        kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
        sleep 0.05
    done
}

echo "== $TECHS technicians, about $OPEN open jobs (fsd-fill), fsd-server + fsd-web on loopback" >&2
start_server
"$BIN/fsdctl" territory load examples/territories.geojson >/dev/null
"$BIN/fsdctl" provider load examples/providers.csv >/dev/null
bench/gen-fleet.sh "$TECHS" >"$work/fleet.csv"
"$BIN/fsdctl" --timeout 120000 agent load "$work/fleet.csv" >/dev/null
"$BIN/fsdctl" product load examples/products.csv >/dev/null
kill "$server"; wait "$server" 2>/dev/null || true
# fsd-fill makes 6 in 7 of its "open" jobs open for the console (the 7th
# is completed): all jobs open, 7/6 as many
"$BIN/fsd-fill" "$FSD_HOME/fsd.db" $((OPEN * 7 / 6)) --open-percent 100 --days 1 >/dev/null 2>&1
open=$(sqlite3 "$FSD_HOME/fsd.db" "select count(*) from jobs where state in (1,2,3,4,5,6,9)")
: >"$work/server.log"
start_server
PASSWORD=bench-console-pass
printf '%s\n' "$PASSWORD" >"$work/pw"
"$BIN/fsdctl" --timeout 120000 web user add bench --role dispatcher --password-file "$work/pw" >/dev/null
"$BIN/fsd-web" --listen "127.0.0.1:$web_port" --server "$FSD_SERVER" --server-key "$FSD_SERVER_KEY" \
    --users "$FSD_HOME/web-users.db" --static "$ROOT/web/static" --territories examples/territories.geojson \
    >"$work/web.log" 2>&1 &
PIDS+=($!)
until curl -fsS -o /dev/null "http://127.0.0.1:$web_port/" 2>/dev/null; do sleep 0.05; done

echo "scope,techs,open_jobs,jobs_on_board,first_screen_median_ms,first_screen_max_ms,scroll_frame_p95_ms,snapshot_median_ms" >"$OUT/console.csv"
for scope in "" mitte; do
    echo "== first screen, territory '${scope:-all}' ($RUNS runs)" >&2
    node tests/browser/first-screen.mjs "http://127.0.0.1:$web_port" bench "$PASSWORD" "$RUNS" "$scope" | tee "$work/fs.txt" >&2
    tail -1 "$work/fs.txt" | awk -v s="${scope:-all}" -v t="$TECHS" -v o="$open" \
        '{ printf "%s,%s,%s,%s,%s,%s,%s,%s\n", s, t, o, $6, $2, $4, $8, $10 }' >>"$OUT/console.csv"
done
echo "Console, time to first screen (navigation to the queues drawn; $RUNS runs each):"
awk -F, 'NR > 1 { printf "  %-8s %s technicians, %s open jobs, %s on the board: median %s ms (snapshot in at %s ms), max %s ms; scrolling p95 frame %s ms\n", $1, $2, $3, $4, $5, $8, $6, $7 }' "$OUT/console.csv"
