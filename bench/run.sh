#!/usr/bin/env bash
# bench/run.sh — `make bench`: fsd-server under load, against the machine's floors.
#
#   bench/run.sh            the full run (a few minutes on 2 cores)
#   BENCH_QUICK=1 bench/run.sh   a ~1 minute smoke version (smaller fleet, short steps)
#
# Everything runs on loopback with the settings users run: CURVE on, WAL with
# synchronous=FULL, group commit. Sections (CSV files in bench/out/):
#   floors.csv    bare CURVE DEALER->ROUTER round trip; bare SQLite transaction
#                 with one request's rows (job, event, dedup), alone (with its
#                 commit's p50/p99: what the disk makes a durable answer wait)
#                 and batched;
#                 a bare echoing CURVE ROUTER's CPU per message when every
#                 message rides its own connection (a fleet of DEALERs)
#   dispatch.csv  1,000 technicians connected (fsd-load), SubmitRequests at rising
#                 open-loop rates; per rate: acked/s, offers/s, latencies, server CPU/RSS
#                 (server_loop_cpu_pct: its main thread, the dispatch loop, alone);
#                 every job walked to completed at once (the whole lifecycle)
#   dispatch_hold.csv  the same with 2,000 technicians holding the jobs they
#                 accept (fsd-load --hold-jobs): a window carries only submit,
#                 match, offer and accept; the jobs are walked between rates;
#                 BENCH_HOLD_RUNS runs (default 3) on fresh servers, each run's
#                 rows with a `run` column; dispatch_hold_median.csv the medians
#   memory.csv    server RSS with 10,000 technicians connected (2 fsd-load
#                 processes) vs a bare CURVE ROUTER holding the same peers,
#                 without and with a ZAP handler (how fsd-server learns each key)
#   reconnect.csv server restarted under 10,000 technicians: time until every one
#                 has its Welcome again (all reconnect on fresh DEALERs at once)
#   restart.csv   bench/restart.sh: fsd-server start with 1M jobs in the database
#   console.csv   bench/console.sh: the browser console's time to first screen
#                 with 10,000 technicians and 50,000 open jobs (needs fsd-web
#                 and playwright-core)
#   watch.csv     bench/watch.sh: 100 live watchers (fsd-watchers) under a fixed load:
#                 events fanned out/s, server CPU with and without them, the loop's
#                 CPU per event and per watcher, change-to-arrival latency
# and prints one table with the ratios at the end. Every process it starts is
# stopped on exit. Environment: BIN (default bin), BENCH_OUT (default
# bench/out), FSD_BENCH_PORT (default 23800; uses it and the next six),
# BENCH_RATES and BENCH_HOLD_RATES (the two dispatch runs' rates),
# BENCH_SERVER_ARGS (more fsd-server options, e.g. "--io-threads 2").
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${BIN:-bin}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
OUT=${BENCH_OUT:-$ROOT/bench/out}
QUICK=${BENCH_QUICK:-0}
port=${FSD_BENCH_PORT:-23800}
mkdir -p "$OUT"
work=$(mktemp -d "${TMPDIR:-/tmp}/fsd-bench-run.XXXXXX")

if [ "$QUICK" = 1 ]; then
    RATES=${BENCH_RATES:-250,500,1000,2000}; STEP_S=3; DRAIN_S=2
    HOLD_RATES=${BENCH_HOLD_RATES:-1000,4000}; HOLD_TECHS=1000; HOLD_RUNS=${BENCH_HOLD_RUNS:-1}
    TECHS=1000; BIG=2000; PROCS=2; RESTART_JOBS=100000; FLOOR_S=1; HOLD_S=6
    FLEET_PEERS=500; FLEET_RATES=20000,80000
else
    RATES=${BENCH_RATES:-500,1000,2000,5000,10000,20000}; STEP_S=8; DRAIN_S=3
    HOLD_RATES=${BENCH_HOLD_RATES:-2000,4000,5000,6000,8000}; HOLD_TECHS=2000; HOLD_RUNS=${BENCH_HOLD_RUNS:-3}
    TECHS=1000; BIG=10000; PROCS=2; RESTART_JOBS=1000000; FLOOR_S=3; HOLD_S=12
    FLEET_PEERS=1000; FLEET_RATES=20000,40000,80000,120000
fi

PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    sleep 0.3
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 10,000 DEALERs take two descriptors each; the server holds one per peer.
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -gt 20000 ]; then hard=20000; fi
ulimit -n "$hard"

say() { printf '\n== %s\n' "$*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }

# start_server DATA LOG: fsd-server on $EP, log level warn; sets SPID
start_server() {
    # shellcheck disable=SC2086 # BENCH_SERVER_ARGS is a list of options
    "$BIN/fsd-server" --data "$1" --listen "$EP" --log-level warn ${BENCH_SERVER_ARGS:-} 2>>"$2" &
    SPID=$!
    PIDS+=("$SPID")
    for _ in $(seq 1 400); do
        # at --log-level warn there is no event=listening line: try the port
        [ -f "$1/keys/server.pub" ] && (exec 3<>"/dev/tcp/127.0.0.1/${EP##*:}") 2>/dev/null && return 0
        kill -0 "$SPID" 2>/dev/null || die "fsd-server did not start: $(tail -3 "$2")"
        sleep 0.025
    done
    die "fsd-server did not listen on $EP"
}
stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
rss_of() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
# the kernel's count of connections dropped because an accept queue was full
listen_overflows() { awk '$1 == "TcpExt:" { if (!n) { for (i = 2; i <= NF; i++) if ($i == "ListenOverflows") c = i; n = 1 } else print $c }' /proc/net/netstat; }
# ticks_s TICKS: CPU ticks as seconds
ticks_s() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'; }
# load_ticks: the CPU ticks of every fsd-load process in LPIDS
load_ticks() { local p t=0; for p in "${LPIDS[@]}"; do t=$((t + $(cpu_ticks "$p"))); done; echo "$t"; }

# gen_fleet N FILE: the generated fleet (bench/gen-fleet.sh)
gen_fleet() { bench/gen-fleet.sh "$1" >"$2"; }

# setup NAME N: fresh server in $work/NAME with the Berlin territories and
# providers, N generated technicians, their keys (DIR keys-NAME) registered,
# an intake key. Sets DATA, KEYS, FLEET.
setup() {
    DATA=$work/$1/data KEYS=$work/$1/keys FLEET=$work/$1/fleet.csv
    mkdir -p "$work/$1"
    export FSD_HOME=$DATA FSD_SERVER=$EP FSD_SERVER_KEY=$DATA/keys/server.pub FSD_KEY=$DATA/keys/admin.key
    start_server "$DATA" "$work/$1/server.log"
    gen_fleet "$2" "$FLEET"
    "$BIN/fsdctl" territory load examples/territories.geojson >/dev/null
    "$BIN/fsdctl" provider load examples/providers.csv >/dev/null
    "$BIN/fsdctl" agent load "$FLEET" >/dev/null
    "$BIN/fsdctl" keygen --role intake --name load --out "$work/$1/intake.key" >/dev/null
    # fsdctl registers one key per commit; fsd-load registers them pipelined
    "$BIN/fsdctl" keygen --role agent --all-technicians --dir "$KEYS" --no-register >/dev/null
    "$BIN/fsd-load" --server "$EP" --server-key "$FSD_SERVER_KEY" --keys "$KEYS" --register "$FSD_KEY" >&2
}

# start_loads LOGPREFIX ARGS...: $PROCS fsd-load processes holding $BIG
# technicians between them; sets LPIDS; waits until each printed `welcomed`.
start_loads() {
    local prefix=$1; shift
    local per=$(( (BIG + PROCS - 1) / PROCS )) i
    LPIDS=()
    for ((i = 0; i < PROCS; i++)); do
        "$BIN/fsd-load" --techs "$per" --tech-offset $((i * per)) "$@" >"$prefix.$i.out" 2>"$prefix.$i.err" &
        LPIDS+=($!)
        PIDS+=($!)
    done
    local t0=$(date +%s%N) done
    while :; do
        done=0
        for ((i = 0; i < PROCS; i++)); do
            grep -q '^welcomed' "$prefix.$i.out" 2>/dev/null && done=$((done + 1))
            kill -0 "${LPIDS[$i]}" 2>/dev/null || die "fsd-load stopped: $(tail -3 "$prefix.$i.err")"
        done
        [ "$done" = "$PROCS" ] && break
        [ $(( ($(date +%s%N) - t0) / 1000000000 )) -lt 180 ] || die "technicians did not all connect"
        sleep 0.1
    done
    CONNECT_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
}
stop_loads() { for p in "${LPIDS[@]}"; do stop_pid "$p"; done; }

# ------------------------------------------------------------------ floors
say "floors: bare CURVE round trip, bare SQLite transaction"
"$BIN/fsd-floors" zmq --count 20000 --seconds "$FLOOR_S" >"$work/floors.txt"
"$BIN/fsd-floors" sqlite --dir "$work" --seconds "$FLOOR_S" --batch 256 >>"$work/floors.txt"
say "floor: a bare echoing CURVE ROUTER, $FLEET_PEERS peers, one message per connection in turn"
"$BIN/fsd-floors" router --listen "tcp://127.0.0.1:$((port + 6))" --pub-out "$work/fleet.pub" >"$work/fleet.out" &
FPID=$!
PIDS+=("$FPID")
for _ in $(seq 1 100); do grep -q listening "$work/fleet.out" && break; sleep 0.05; done
"$BIN/fsd-floors" fleet --connect "tcp://127.0.0.1:$((port + 6))" --server-key "$work/fleet.pub" \
    --watch-pid "$FPID" --peers "$FLEET_PEERS" --rates "$FLEET_RATES" --seconds "$FLOOR_S" >"$work/fleet.txt"
kill "$FPID" 2>/dev/null || true
# every rate's lines, and the most echoed of all (the ceiling for messaging)
awk '{ print "zmq_" $0 } $1 ~ /_echoed_per_s$/ && $2 > m { m = $2 }
     END { printf "zmq_fleet_max_echoed_per_s %.0f messages/s\n", m }' "$work/fleet.txt" >>"$work/floors.txt"
{ echo "name,value,unit"; awk '{print $1 "," $2 "," $3}' "$work/floors.txt"; } >"$OUT/floors.csv"
cat "$work/floors.txt" >&2
floor() { awk -v k="$1" '$1 == k {print $2}' "$work/floors.txt"; }

# ---------------------------------------------------------------- dispatch
EP=tcp://127.0.0.1:$port
say "dispatch: $TECHS technicians, rates $RATES/s, ${STEP_S}s each"
setup dispatch "$TECHS"
rm -f "$OUT/dispatch.csv"
"$BIN/fsd-load" --server "$EP" --server-key "$FSD_SERVER_KEY" --keys "$KEYS" --fleet "$FLEET" \
    --intake-key "$work/dispatch/intake.key" --rates "$RATES" --step-s "$STEP_S" --drain-s "$DRAIN_S" \
    --watch-pid "$SPID" --csv "$work/dispatch.raw.csv" | tee "$work/dispatch.out" >&2
# dispatch_csv RAW OUT: the columns the issue names first, then the rest
dispatch_csv() {
    awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i }
        { print $c["offered_per_s"], $c["acked_per_s"], $c["offer_p50_ms"], $c["offer_p99_ms"], $c["offer_p999_ms"],
                $c["server_cpu_pct"], $c["server_rss_kib"], $c["offers_per_s"], $c["ack_p50_ms"], $c["ack_p99_ms"],
                $c["ack_p999_ms"], $c["accept_p50_ms"], $c["accept_p99_ms"], $c["accept_p999_ms"], $c["sent_per_s"],
                $c["errors"], $c["unanswered"], $c["load_cpu_pct"], $c["server_loop_cpu_pct"] }' "$1" >"$2"
}
dispatch_csv "$work/dispatch.raw.csv" "$OUT/dispatch.csv"
DISPATCH_OFFLINE=$(grep -c 'event=offline' "$work/dispatch/server.log" || true)
stop_pid "$SPID"

# The issue counts a request as dispatched once it is stored, matched and
# offered: technicians who accept and then hold their jobs leave only that
# (and the accept) in each window. Their capacity (50 each) must outlast a
# window, hence the larger fleet; the jobs are walked between rates.
# The targets are medians of repeated runs: $HOLD_RUNS runs, each on a fresh
# server; dispatch_hold.csv has every run's rows (a `run` column last),
# dispatch_hold_median.csv the median of each column per offered rate.
EP=tcp://127.0.0.1:$((port + 5))
for ((run = 1; run <= HOLD_RUNS; run++)); do
    say "dispatch, jobs held, run $run of $HOLD_RUNS: $HOLD_TECHS technicians, rates $HOLD_RATES/s, ${STEP_S}s each"
    setup "hold$run" "$HOLD_TECHS"
    "$BIN/fsd-load" --server "$EP" --server-key "$FSD_SERVER_KEY" --keys "$KEYS" --fleet "$FLEET" \
        --intake-key "$work/hold$run/intake.key" --rates "$HOLD_RATES" --step-s "$STEP_S" --drain-s "$DRAIN_S" \
        --hold-jobs --watch-pid "$SPID" --csv "$work/hold$run.raw.csv" | tee "$work/hold$run.out" >&2
    dispatch_csv "$work/hold$run.raw.csv" "$work/hold$run.csv"
    stop_pid "$SPID"
done
for ((run = 1; run <= HOLD_RUNS; run++)); do
    awk -F, -v OFS=, -v run="$run" 'NR == 1 { if (run == 1) print $0, "run"; next } { print $0, run }' "$work/hold$run.csv"
done >"$OUT/dispatch_hold.csv"
# per offered rate (in the order first met), the median of every column over
# the runs that reached it; the last column says how many did
awk -F, -v OFS=, 'NR == 1 { $NF = "runs"; print; nc = NF - 1; next }
    { r = $1; if (!(r in n)) order[++nr] = r; k = ++n[r]; for (c = 2; c <= nc; c++) v[r, c, k] = $c }
    END {
        for (i = 1; i <= nr; i++) {
            r = order[i]; m = n[r]; line = r
            for (c = 2; c <= nc; c++) {
                for (a = 1; a <= m; a++) s[a] = v[r, c, a] + 0
                for (a = 2; a <= m; a++) for (b = a; b > 1 && s[b - 1] > s[b]; b--) { t = s[b]; s[b] = s[b - 1]; s[b - 1] = t }
                med = m % 2 ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2
                line = line OFS med
            }
            print line, m
        }
    }' "$OUT/dispatch_hold.csv" >"$OUT/dispatch_hold_median.csv"

# ---------------------------------------------- memory and reconnect storm
EP=tcp://127.0.0.1:$((port + 1))
say "memory: $BIG technicians in $PROCS fsd-load processes"
setup big "$BIG"
sleep 1
SRV_IDLE=$(rss_of "$SPID")
LOADARGS=(--server "$EP" --server-key "$FSD_SERVER_KEY" --keys "$KEYS" --fleet "$FLEET")
c0=$(cpu_ticks "$SPID")
start_loads "$work/big" "${LOADARGS[@]}"
FSD_CONNECT_MS=$CONNECT_MS FSD_CONNECT_CPU=$(ticks_s $(( $(cpu_ticks "$SPID") - c0 )))
c0=$(cpu_ticks "$SPID")
sleep "$HOLD_S"   # beats every 5 s: no one may go offline
c1=$(cpu_ticks "$SPID")
SRV_RSS=$(rss_of "$SPID")
SRV_IDLE_CPU=$(awk -v a="$c0" -v b="$c1" -v s="$HOLD_S" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", (b - a) / hz / s * 100 }')
BIG_OFFLINE=$(grep -c 'event=offline' "$work/big/server.log" || true)

say "reconnect storm: fsd-server restarted under $BIG technicians"
t0=$(date +%s%N)
stop_pid "$SPID"
start_server "$DATA" "$work/big/server.log"
t1=$(date +%s%N)
LISTEN_MS=$(( (t1 - t0) / 1000000 ))
# what the storm costs: CPU of the server and of the fleet's processes,
# and connections the kernel dropped from a full accept queue
c0=$(cpu_ticks "$SPID") l0=$(load_ticks) o0=$(listen_overflows)
for p in "${LPIDS[@]}"; do kill -USR1 "$p"; done
while :; do
    n=0
    for ((i = 0; i < PROCS; i++)); do grep -q '^rewelcomed' "$work/big.$i.out" && n=$((n + 1)); done
    [ "$n" = "$PROCS" ] && break
    [ $(( ($(date +%s%N) - t1) / 1000000000 )) -lt 120 ] || die "technicians did not all come back"
    sleep 0.05
done
STORM_MS=$(cat "$work"/big.*.out | awk '/^rewelcomed/ { sub("ms=", "", $3); if ($3 > m) m = $3 } END { print m }')
STORM_CPU=$(ticks_s $(( $(cpu_ticks "$SPID") - c0 ))) STORM_LOAD_CPU=$(ticks_s $(( $(load_ticks) - l0 )))
STORM_OVERFLOWS=$(( $(listen_overflows) - o0 ))
sleep 2
SRV_RSS_AFTER=$(rss_of "$SPID")
stop_loads
stop_pid "$SPID"

# bare_router NAME PORT [--zap]: a bare echoing CURVE ROUTER holding $BIG
# peers; sets R_IDLE, R_RSS, R_CONNECT_MS, R_CONNECT_CPU (its CPU seconds
# while they connected)
bare_router() {
    local name=$1 ep=tcp://127.0.0.1:$2
    shift 2
    "$BIN/fsd-floors" router --listen "$ep" --pub-out "$work/$name.pub" "$@" >"$work/$name.out" &
    BPID=$!
    PIDS+=("$BPID")
    for _ in $(seq 1 100); do grep -q listening "$work/$name.out" && break; sleep 0.05; done
    sleep 0.5
    R_IDLE=$(rss_of "$BPID")
    local c0 l0
    c0=$(cpu_ticks "$BPID")
    start_loads "$work/$name" --bare --server "$ep" --server-key "$work/$name.pub" --keys "$KEYS" --fleet "$FLEET"
    R_CONNECT_MS=$CONNECT_MS R_CONNECT_CPU=$(ticks_s $(( $(cpu_ticks "$BPID") - c0 )))
    sleep 3
    R_RSS=$(rss_of "$BPID")
    stop_loads
    stop_pid "$BPID"
}

say "memory floor: a bare CURVE ROUTER holding $BIG peers, then one with a ZAP handler"
bare_router bare $((port + 2))
BARE_IDLE=$R_IDLE BARE_RSS=$R_RSS BARE_CONNECT_MS=$R_CONNECT_MS BARE_CONNECT_CPU=$R_CONNECT_CPU
# fsd-server must know which key each peer holds, and libzmq says that
# only through ZAP: the same ROUTER with a ZAP handler admitting every key
# shows what that costs in libzmq itself
bare_router zap $((port + 4)) --zap
ZAP_IDLE=$R_IDLE ZAP_RSS=$R_RSS ZAP_CONNECT_MS=$R_CONNECT_MS ZAP_CONNECT_CPU=$R_CONNECT_CPU

{
    echo "what,technicians,rss_kib,idle_rss_kib,per_peer_kib,connect_ms,connect_cpu_s,cpu_pct_while_beating,false_offline"
    awk -v n="$BIG" -v r="$SRV_RSS" -v i="$SRV_IDLE" -v c="$FSD_CONNECT_MS" -v cc="$FSD_CONNECT_CPU" -v cpu="$SRV_IDLE_CPU" -v off="$BIG_OFFLINE" \
        'BEGIN { printf "fsd-server,%d,%d,%d,%.1f,%d,%s,%s,%d\n", n, r, i, (r - i) / n, c, cc, cpu, off }'
    awk -v n="$BIG" -v r="$BARE_RSS" -v i="$BARE_IDLE" -v c="$BARE_CONNECT_MS" -v cc="$BARE_CONNECT_CPU" \
        'BEGIN { printf "bare-router,%d,%d,%d,%.1f,%d,%s,,\n", n, r, i, (r - i) / n, c, cc }'
    awk -v n="$BIG" -v r="$ZAP_RSS" -v i="$ZAP_IDLE" -v c="$ZAP_CONNECT_MS" -v cc="$ZAP_CONNECT_CPU" \
        'BEGIN { printf "bare-router-zap,%d,%d,%d,%.1f,%d,%s,,\n", n, r, i, (r - i) / n, c, cc }'
} >"$OUT/memory.csv"
{
    echo "technicians,stop_start_ms,storm_ms,server_rss_after_kib,server_cpu_s,fleet_cpu_s,listen_overflows,somaxconn"
    echo "$BIG,$LISTEN_MS,$STORM_MS,$SRV_RSS_AFTER,$STORM_CPU,$STORM_LOAD_CPU,$STORM_OVERFLOWS,$(cat /proc/sys/net/core/somaxconn)"
} >"$OUT/reconnect.csv"

# ------------------------------------------------------------------- watch
say "watch: live watchers under load (bench/watch.sh)"
BIN=$BIN BENCH_OUT=$OUT BENCH_QUICK=$QUICK FSD_BENCH_PORT=$((port + 6)) bench/watch.sh >"$work/watch.out"
cat "$work/watch.out" >&2

# ----------------------------------------------------------------- restart
say "restart: fsd-server start with $RESTART_JOBS jobs (bench/restart.sh)"
BIN=$BIN FSD_BENCH_PORT=$((port + 3)) bench/restart.sh "$RESTART_JOBS" | tee "$work/restart.out" >&2
awk 'NR == 1 { print "jobs,open_jobs,db_mb,fill_s,listening_ms,load_ms"; next } { print $1 "," $2 "," $3 "," $4 "," $5 "," $6 }' \
    "$work/restart.out" >"$OUT/restart.csv"

# ----------------------------------------------------------------- console
# time to first screen of the browser console on a big database (needs
# fsd-web and playwright-core; skipped without them)
rm -f "$OUT/console.csv"
if [ -x "$BIN/fsd-web" ] && [ -d tests/browser/node_modules/playwright-core ]; then
    say "console: time to first screen (bench/console.sh)"
    if [ "$QUICK" = 1 ]; then set -- 2000 10000; else set -- 10000 50000; fi
    BIN=$BIN BENCH_OUT=$OUT FSD_BENCH_PORT=$((port + 1)) bench/console.sh "$@" >&2
fi

# ------------------------------------------------------------------- table
{
echo
echo "fsd benchmark — $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)$([ "$QUICK" = 1 ] && echo ', BENCH_QUICK')"
echo
dispatch_table() {
    awk -F, 'NR == 1 { next }
        { printf "  %7s/s offered  %8.0f acked/s  %8.0f offers/s  ack %s/%s/%s  offer %s/%s/%s  accept->assigned %s/%s/%s  server %s%% CPU %s MiB  load %s%% CPU\n",
            $1, $2, $8, $9, $10, $11, $3, $4, $5, $12, $13, $14, $6, int($7 / 1024), $18 }' "$1"
}
echo "Dispatch, whole lifecycle: $TECHS technicians connected, each job walked to completed at once;"
echo "open-loop SubmitRequests, ${STEP_S} s per rate (ms: p50 / p99 / p99.9; CPU in % of one core)"
dispatch_table "$OUT/dispatch.csv"
echo
echo "Dispatch, jobs held (submit, match, offer, accept in each window): $HOLD_TECHS technicians;"
echo "each figure the median of $HOLD_RUNS runs on fresh servers (runs that reached the rate; each run in dispatch_hold.csv)"
dispatch_table "$OUT/dispatch_hold_median.csv"
echo
echo "Floors (same run):"
awk -F, 'NR > 1 { printf "  %-34s %12s %s\n", $1, $2, $3 }' "$OUT/floors.csv"
echo
echo "Memory with $BIG technicians connected:"
awk -F, 'NR > 1 { printf "  %-15s %8d KiB (idle %d KiB, %.1f KiB per peer), all connected in %d ms (%s CPU s)\n", $1, $3, $4, $5, $6, $7 }' "$OUT/memory.csv"
echo "  fsd-server CPU while $BIG beat every 5 s: ${SRV_IDLE_CPU}%; false offline: $BIG_OFFLINE (dispatch run: $DISPATCH_OFFLINE)"
echo
echo "Reconnect storm: server stopped and started in ${LISTEN_MS} ms; all $BIG technicians back (Welcome on fresh DEALERs) ${STORM_MS} ms after"
echo "  CPU in the storm: fsd-server ${STORM_CPU} s, the fleet's processes ${STORM_LOAD_CPU} s; connections dropped from a full accept queue: $STORM_OVERFLOWS (net.core.somaxconn $(cat /proc/sys/net/core/somaxconn))"
echo
echo "Live subscriptions (bench/watch.sh: unscoped dispatchers each seeing every change; latency from the end of"
echo "the batch that made a change to its arrival at the watcher; loop = the server's dispatch thread):"
cat "$work/watch.out"
echo
echo "Restart with jobs in the database:"
awk -F, 'NR > 1 { printf "  %s jobs (%s open, %s MB): listening after %s ms (load %s ms)\n", $1, $2, $3, $5, $6 }' "$OUT/restart.csv"
echo
if [ -f "$OUT/console.csv" ]; then
    echo "Console, time to first screen (navigation to the queues drawn, chromium headless on the same cores):"
    awk -F, 'NR > 1 { printf "  %-8s %s technicians, %s open jobs, %s on the board: median %s ms (snapshot in at %s ms), max %s ms; scrolling p95 frame %s ms\n", $1, $2, $3, $4, $5, $8, $6, $7 }' "$OUT/console.csv"
    echo
fi
max_acked=$(awk -F, 'NR > 1 && $2 > m { m = $2 } END { printf "%.0f", m }' "$OUT/dispatch.csv")
max_held=$(awk -F, 'NR > 1 && $2 > m { m = $2 } END { printf "%.0f", m }' "$OUT/dispatch_hold_median.csv")
sq=$(floor sqlite_batch256_requests_per_s); rtt99=$(floor zmq_curve_rtt_p99)
# offer p99 at the highest rate that was still kept up with
kept=$(awk -F, 'NR > 1 && $2 >= 0.95 * $1 { r = $1; p = $4 } END { print r "," p }' "$OUT/dispatch.csv")
echo "Ratios:"
awk -v a="$max_acked" -v s="$sq" 'BEGIN { printf "  fsd max acked %s/s vs SQLite batched floor %s requests/s: %.1f %%\n", a, s, 100 * a / s }'
awk -v a="$max_held" -v s="$sq" 'BEGIN { printf "  fsd max acked, jobs held, %s/s vs SQLite batched floor: %.1f %%; vs the 20,000/s aimed for: %.0f %%\n", a, 100 * a / s, 100 * a / 20000 }'
# What the messages alone cost. A held dispatch is three round trips: the
# submit and its answer on an intake link, and on the technician's own link
# the offer and its ack, the accept and its answer. The bare ROUTER's cost
# per message is taken at 20,000 messages/s, about what fsd's links carry
# at 5,000 dispatches/s (it falls as libzmq packs more per system call).
fleet_max=$(floor zmq_fleet_max_echoed_per_s); fleet_us=$(floor zmq_fleet_20000_router_us_per_msg)
held_us=$(awk -F, 'NR > 1 && $2 >= 0.95 * $1 && $6 > 0 { r = $1; us = $6 / 100 * 1e6 / $2 } END { if (r) printf "%s,%.0f", r, us }' "$OUT/dispatch_hold_median.csv")
awk -v h="$held_us" -v f="$fleet_us" -v m="$fleet_max" -v a="$max_held" 'BEGIN {
    split(h, x, ",")
    if (x[1] != "" && f > 0)
        printf "  server CPU per held dispatch at %s/s: %s us = %.1f x what a bare ROUTER spends on its three round trips (3 x %s us, at 20,000 messages/s)\n", x[1], x[2], x[2] / (3 * f), f
    if (m > 0)
        printf "  bare ROUTER and its fleet echo at most %s messages/s here: %.0f dispatches/s at three round trips each, with no storage or matching; fsd held %s/s = %.0f %% of that\n", m, m / 3, a, 300 * a / m }'
# Where the CPU goes at the held rate fsd acknowledged most of: per request,
# the server's dispatch loop (its main thread), its ZeroMQ I/O thread (the
# rest), and the load generator, which shares the machine. Were every core
# busy with them, the machine could do no more than cores / their sum.
awk -F, -v c="$(nproc)" 'NR > 1 && $2 > best && $6 > 0 { best = $2; r = $1; loop = $19; srv = $6; gen = $18 }
    END {
        if (!best) exit
        l = loop / 100 * 1e6 / best; io = (srv - loop) / 100 * 1e6 / best; g = gen / 100 * 1e6 / best; t = l + io + g
        printf "  CPU per held request at %s/s offered (%.0f acked/s): server loop %.0f us + server I/O thread %.0f us + load generator %.0f us = %.0f us;\n", r, best, l, io, g, t
        printf "    %d cores / %.0f us = %.0f requests/s at most, were every core busy; 20,000/s leaves %.0f us per request for all three\n", c, t, c * 1e6 / t, c * 1e6 / 20000 }' \
    "$OUT/dispatch_hold_median.csv"
# A request's answer waits for the commit in flight and then its own: two
# durable commits, whose time the disk sets (the bare SQLite commit alone)
awk -v k="$kept" -v r="$rtt99" -v c="$(floor sqlite_alone_commit_p99)" 'BEGIN { split(k, x, ","); if (x[1] == "") { print "  no rate was kept up with"; exit }
    printf "  offer p99 at %s/s: %s ms vs bare CURVE round trip p99 %.3f ms: %.0f x\n", x[1], x[2], r / 1000, x[2] * 1000 / r
    if (c > 0)
        printf "  a bare durable SQLite commit takes %.3f ms at p99 here (one request alone): two of them, the commit in flight and the request'"'"'s own, are %.1f ms of the 5 ms p99 aimed for\n", c / 1000, 2 * c / 1000 }'
awk -v a="$SRV_RSS" -v b="$BARE_RSS" -v z="$ZAP_RSS" -v n="$BIG" 'BEGIN {
    printf "  server RSS with %d technicians vs bare ROUTER: %.2f x; vs bare ROUTER with a ZAP handler: %.2f x\n", n, a / b, a / z }'
awk -v s="$STORM_MS" -v c="$BARE_CONNECT_MS" -v z="$ZAP_CONNECT_MS" 'BEGIN {
    printf "  reconnect storm %s ms vs the same fleet connecting to the bare ROUTER %s ms: %.2f x (with ZAP %s ms: %.2f x)\n", s, c, s / c, z, s / z }'
# What a reconnecting technician costs the server, against what the bare
# ROUTER spends on one connect: a ratio the machine's speed cancels out of
awk -v n="$BIG" -v s="$STORM_CPU" -v b="$BARE_CONNECT_CPU" -v z="$ZAP_CONNECT_CPU" -v f="$STORM_LOAD_CPU" -v ms="$STORM_MS" -v c="$(nproc)" 'BEGIN {
    if (b > 0 && z > 0)
        printf "  server CPU per reconnecting technician %.0f us vs the bare ROUTER %.0f us per connect: %.2f x (with ZAP %.0f us: %.2f x)\n", s / n * 1e6, b / n * 1e6, s / b, z / n * 1e6, s / z
    printf "  the storm took %.1f CPU s (server and fleet) on %d cores: %.1f s at the least, were every core busy; it took %.1f s\n", s + f, c, (s + f) / c, ms / 1000 }'
echo
echo "CSV: $OUT/{dispatch,dispatch_hold,dispatch_hold_median,floors,memory,reconnect,restart,watch}.csv"
} | tee "$OUT/summary.txt"
