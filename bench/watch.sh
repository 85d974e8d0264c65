#!/usr/bin/env bash
# bench/watch.sh — live subscriptions under load: $WATCHERS dispatchers watch
# (tests/tools/fsd-watchers: one CURVE DEALER and key each, unscoped, so each
# sees every change) while fsd-load walks jobs through their whole lifecycle
# at a fixed rate with a connected fleet. The same load runs first with no
# watcher, then with them, on the same server:
#   events fanned out per second (WatchEvents received over all watchers),
#   server CPU without and with the watchers (fsd-load's sample over the
#   rate's window, % of one core) and the difference per watcher,
#   the loop thread's CPU per event fanned out (the server's own count,
#   watch_loop_us: unaffected by what else the machine runs) and per watcher,
#   latency from the event's encoding (the end of the batch that made the
#   change, just before its commit) to its arrival: p50, p99, max,
#   resyncs, and the server's CPU with the watchers connected but no load.
# Writes $BENCH_OUT/watch.csv and prints one summary line per row.
# Environment: BIN, BENCH_OUT, FSD_BENCH_PORT (default 23807), BENCH_QUICK,
# BENCH_WATCHERS (100), BENCH_WATCH_RATES (requests/s, comma separated),
# BENCH_WATCH_MODES (batch,single).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${BIN:-bin}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
OUT=${BENCH_OUT:-$ROOT/bench/out}
QUICK=${BENCH_QUICK:-0}
WATCHERS=${BENCH_WATCHERS:-100}
if [ "$QUICK" = 1 ]; then
    TECHS=500 STEP_S=4 RATES=${BENCH_WATCH_RATES:-100}
else
    TECHS=1000 STEP_S=8 RATES=${BENCH_WATCH_RATES:-20,100,300}
fi
# batch: a batch's changes in one frame per watcher (as fsd-web asks);
# single: one frame per change
MODES=${BENCH_WATCH_MODES:-batch,single}
EP=tcp://127.0.0.1:${FSD_BENCH_PORT:-23807}
mkdir -p "$OUT"
work=$(mktemp -d "${TMPDIR:-/tmp}/fsd-bench-watch.XXXXXX")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    sleep 0.3
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
die() { echo "bench/watch: $*" >&2; exit 1; }
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }

DATA=$work/data KEYS=$work/keys FLEET=$work/fleet.csv
export FSD_HOME=$DATA FSD_SERVER=$EP FSD_SERVER_KEY=$DATA/keys/server.pub FSD_KEY=$DATA/keys/admin.key
"$BIN/fsd-server" --data "$DATA" --listen "$EP" --log-level warn 2>>"$work/server.log" &
SPID=$!
PIDS+=("$SPID")
for _ in $(seq 1 400); do
    [ -f "$DATA/keys/server.pub" ] && (exec 3<>"/dev/tcp/127.0.0.1/${EP##*:}") 2>/dev/null && break
    kill -0 "$SPID" 2>/dev/null || die "fsd-server did not start: $(tail -3 "$work/server.log")"
    sleep 0.025
done
bench/gen-fleet.sh "$TECHS" >"$FLEET"
"$BIN/fsdctl" territory load examples/territories.geojson >/dev/null
"$BIN/fsdctl" provider load examples/providers.csv >/dev/null
"$BIN/fsdctl" agent load "$FLEET" >/dev/null
"$BIN/fsdctl" keygen --role intake --name load --out "$work/intake.key" >/dev/null
"$BIN/fsdctl" keygen --role agent --all-technicians --dir "$KEYS" --no-register >/dev/null
"$BIN/fsd-load" --server "$EP" --server-key "$FSD_SERVER_KEY" --keys "$KEYS" --register "$FSD_KEY" >/dev/null

# load RATE CSV: one window of the whole lifecycle at RATE/s; prints the
# window's server CPU % (fsd-load's sample)
load() {
    rm -f "$2"
    "$BIN/fsd-load" --server "$EP" --server-key "$FSD_SERVER_KEY" --keys "$KEYS" --fleet "$FLEET" \
        --intake-key "$work/intake.key" --rates "$1" --step-s "$STEP_S" --drain-s 2 --stop-below 0 \
        --watch-pid "$SPID" --csv "$2" >"$2.out" 2>"$2.err" || die "fsd-load failed: $(tail -3 "$2.err")"
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { print $c["server_cpu_pct"] }' "$2"
}
stat_counter() { "$BIN/fsdctl" stats --json | jq -r --arg n "$1" '[.counters[] | select(.name == $n) | .value][0] // 0'; }
val() { awk -v k="$1" '$1 == k { print $2 }' "$work/watchers.out"; }

echo "watchers,mode,rate_per_s,events_fanned_per_s,server_cpu_pct_without,server_cpu_pct_with,loop_us_per_event_fanned,loop_cpu_pct_per_watcher,latency_p50_ms,latency_p99_ms,latency_max_ms,resyncs,idle_cpu_pct_with_watchers,loadavg_1m" \
    >"$OUT/watch.csv"
IFS=, read -ra rates <<<"$RATES"
IFS=, read -ra modes <<<"$MODES"
for rate in "${rates[@]}"; do
    echo "== watch: $rate requests/s, $TECHS technicians, no watcher" >&2
    cpu0=$(load "$rate" "$work/without.csv")
    for mode in "${modes[@]}"; do
        echo "== watch: the same with $WATCHERS watchers ($mode)" >&2
        flag=()
        [ "$mode" = single ] && flag=(--single)
        "$BIN/fsd-watchers" --server "$EP" --server-key "$FSD_SERVER_KEY" --admin-key "$FSD_KEY" \
            --watchers "$WATCHERS" "${flag[@]}" >"$work/watchers.out" 2>"$work/watchers.err" &
        WPID=$!
        PIDS+=("$WPID")
        for _ in $(seq 1 400); do grep -q '^watching' "$work/watchers.out" && break; sleep 0.05; done
        grep -q '^watching' "$work/watchers.out" || die "the watchers did not subscribe: $(cat "$work/watchers.err")"
        # with the watchers connected and renewing, nothing else happening
        sleep 1
        c0=$(cpu_ticks "$SPID")
        sleep 3
        idle=$(awk -v a="$c0" -v b="$(cpu_ticks "$SPID")" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", (b - a) / hz / 3 * 100 }')
        us0=$(stat_counter watch_loop_us)
        cpu1=$(load "$rate" "$work/with.csv")
        us1=$(stat_counter watch_loop_us)
        kill -TERM "$WPID"
        wait "$WPID" || true
        awk -v w="$WATCHERS" -v m="$mode" -v r="$rate" -v ev="$(val events_per_s)" -v n="$(val events)" \
            -v c0="$cpu0" -v c1="$cpu1" -v us="$((us1 - us0))" \
            -v p50="$(val latency_p50_ms)" -v p99="$(val latency_p99_ms)" -v mx="$(val latency_max_ms)" \
            -v rs="$(val resyncs)" -v idle="$idle" -v la="$(cut -d' ' -f1 /proc/loadavg)" \
            'BEGIN { per = n > 0 ? us / n : 0
                     printf "%d,%s,%d,%s,%s,%s,%.2f,%.3f,%s,%s,%s,%s,%s,%s\n", w, m, r, ev, c0, c1, per,
                         per * ev / 1e6 * 100 / w, p50, p99, mx, rs, idle, la }' >>"$OUT/watch.csv"
        # the next run's watchers register keys of their own
        sleep 1
    done
done
awk -F, 'NR > 1 { printf "  %d watchers (%s) at %d requests/s: %s events/s fanned out; server CPU %s%% -> %s%%; loop %s us per event fanned = %s%% of a core per watcher; latency p50 %s ms, p99 %s ms, max %s ms; resyncs %s; idle with watchers %s%%; load average %s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14 }' \
    "$OUT/watch.csv"
