#!/usr/bin/env bash
# bench/hold-ab.sh BIN_A BIN_B [PAIRS]: the held dispatch of `make bench`
# (2,000 technicians holding their jobs, 2,000 and 4,000 requests/s, 8 s
# each, a fresh server per run) for two builds, alternated A, B, A, B...
# so the machine's drift falls on both alike; prints one line per run and
# rate: acknowledged/s, intake→offer p50/p99, the server's CPU per request
# (all threads, and the dispatch loop's thread alone) and its RSS.
#   git worktree add /tmp/old <commit> && make -C /tmp/old bin/fsd-server bin/fsdctl bin/fsd-load
#   bench/hold-ab.sh /tmp/old/bin bin 2
set -u
[ $# -ge 2 ] || { echo "usage: bench/hold-ab.sh BIN_A BIN_B [PAIRS]" >&2; exit 2; }
cd "$(dirname "$0")/.."
A=$(cd "$1" && pwd) B=$(cd "$2" && pwd) PAIRS=${3:-2}
port=${FSD_BENCH_PORT:-23900}
work=$(mktemp -d "${TMPDIR:-/tmp}/fsd-hold-ab.XXXXXX")
SPID=
trap '[ -n "$SPID" ] && kill $SPID 2>/dev/null; rm -rf "$work"' EXIT
ulimit -n 20000 2>/dev/null || true

# run NAME BIN: one held run on a fresh server; its rows in $work/NAME.csv
run() {
    local d=$work/$1 bin=$2 ep=tcp://127.0.0.1:$port
    mkdir -p "$d"
    export FSD_HOME=$d/data FSD_SERVER=$ep FSD_SERVER_KEY=$d/data/keys/server.pub FSD_KEY=$d/data/keys/admin.key
    "$bin/fsd-server" --data "$d/data" --listen "$ep" --log-level warn 2>>"$d/server.log" &
    SPID=$!
    for _ in $(seq 1 100); do "$bin/fsdctl" stats >/dev/null 2>&1 && break; sleep 0.1; done
    bench/gen-fleet.sh 2000 >"$d/fleet.csv"
    "$bin/fsdctl" territory load examples/territories.geojson >/dev/null
    "$bin/fsdctl" provider load examples/providers.csv >/dev/null
    "$bin/fsdctl" agent load "$d/fleet.csv" >/dev/null
    "$bin/fsdctl" keygen --role intake --name load --out "$d/intake.key" >/dev/null
    "$bin/fsdctl" keygen --role agent --all-technicians --dir "$d/keys" --no-register >/dev/null
    "$bin/fsd-load" --server "$ep" --server-key "$FSD_SERVER_KEY" --keys "$d/keys" --register "$FSD_KEY" >/dev/null 2>&1
    "$bin/fsd-load" --server "$ep" --server-key "$FSD_SERVER_KEY" --keys "$d/keys" --fleet "$d/fleet.csv" \
        --intake-key "$d/intake.key" --rates 2000,4000 --step-s 8 --drain-s 3 --hold-jobs \
        --watch-pid "$SPID" --csv "$work/$1.csv" >"$d/load.out" 2>&1
    kill $SPID; wait $SPID 2>/dev/null; SPID=
    awk -F, -v n="$1" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        { a = $c["acked_per_s"]; printf "%-4s %5d/s: acked %6.0f/s  offer p50/p99 %7.1f / %7.1f ms  cpu/request %4.0f us (loop %4.0f us)  rss %d KiB\n",
              n, $c["offered_per_s"], a, $c["offer_p50_ms"], $c["offer_p99_ms"],
              $c["server_cpu_pct"] * 1e4 / a, $c["server_loop_cpu_pct"] * 1e4 / a, $c["server_rss_kib"] }' "$work/$1.csv"
}
for ((i = 1; i <= PAIRS; i++)); do run "A$i" "$A"; run "B$i" "$B"; done
