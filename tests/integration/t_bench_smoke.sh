#!/usr/bin/env bash
# The benchmark's load generator still works: 50 technicians (fsd-load, one
# CURVE DEALER each, the agent session) and 200 requests/s for 3 s; every
# request is acknowledged and offered, and the fleet works the jobs.
source "$ROOT/tests/integration/lib.sh"

start_server
ctl territory load "$EXAMPLES/territories.geojson" >/dev/null
ctl provider load "$EXAMPLES/providers.csv" >/dev/null
"$ROOT/bench/gen-fleet.sh" 50 >fleet.csv
ctl agent load fleet.csv >/dev/null
ctl keygen --role intake --name load --out intake.key >/dev/null
ctl keygen --role agent --all-technicians --dir keys --no-register >/dev/null
check "keys registered" "$BIN/fsd-load" --server "$FSD_SERVER" --server-key "$FSD_SERVER_KEY" \
    --keys keys --register "$FSD_KEY" >register.out

say "fsd-load: 50 technicians, 200 requests/s for 3 s"
check "fsd-load ran" "$BIN/fsd-load" --server "$FSD_SERVER" --server-key "$FSD_SERVER_KEY" --keys keys \
    --fleet fleet.csv --intake-key intake.key --rates 200 --step-s 3 --drain-s 3 \
    --watch-pid "$SERVER_PID" --csv load.csv >load.out 2>load.err
cat load.out
line=$(grep '^rate ' load.out) || fail "no rate line: $(cat load.err)"
acked=$(sed -n 's/.* acked=\([0-9]*\).*/\1/p' <<<"$line")
offers=$(sed -n 's/.* offers=\([0-9]*\).*/\1/p' <<<"$line")
[ "${acked:-0}" -gt 0 ] || fail "no request acknowledged: $line"
[ "${offers:-0}" -gt 0 ] || fail "no offer reached the fleet: $line"
expect_eq "csv rows" "$(wc -l <load.csv)" 2
head -1 load.csv | grep -q '^offered_per_s,.*acked_per_s,.*offer_p99_ms,.*server_rss_kib' || fail "csv header: $(head -1 load.csv)"
# the dispatch loop's share (the server's main thread) is part of the whole
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    { exit !($c["server_loop_cpu_pct"] > 0 && $c["server_loop_cpu_pct"] <= $c["server_cpu_pct"]) }' load.csv \
    || fail "server_loop_cpu_pct not within server_cpu_pct: $(cat load.csv)"
echo "ok: $line"

# --hold-jobs: the first rate's jobs are walked to completed before the
# second rate starts; the last rate's jobs stay held (assigned), so the
# fleet's load on the server is about one window's jobs, not two
say "fsd-load --hold-jobs: 50 technicians, 100 requests/s twice for 2 s"
check "fsd-load --hold-jobs ran" "$BIN/fsd-load" --server "$FSD_SERVER" --server-key "$FSD_SERVER_KEY" --keys keys \
    --fleet fleet.csv --intake-key intake.key --rates 100,100 --step-s 2 --drain-s 3 --hold-jobs \
    --watch-pid "$SERVER_PID" --csv hold.csv >hold.out 2>hold.err
cat hold.out
expect_eq "hold csv rows" "$(wc -l <hold.csv)" 3
walked=$(sed -n 's/^walked \([0-9]*\) of.*/\1/p' hold.out)
[ "${walked:-0}" -ge 190 ] || fail "the first window's 200 jobs were not walked: $(cat hold.out hold.err)"
load=$(ctl --json technicians | grep -o '"load": *[0-9]*' | awk '{ s += $2 } END { print s + 0 }')
[ "$load" -ge 150 ] && [ "$load" -le 260 ] || fail "the fleet holds $load jobs, not the last window's ~200"
echo "ok: first window walked ($walked jobs), last window held (fleet load $load)"

# the fleet floor: a bare echoing ROUTER, 20 DEALERs, 500 messages/s for 1 s;
# every message echoed, and the router's CPU per message read from /proc
say "fsd-floors fleet: 20 peers, 500 messages/s against a bare ROUTER"
router_ep=tcp://127.0.0.1:$(( ${FSD_TEST_PORT:-17300} + 1000 ))
"$BIN/fsd-floors" router --listen "$router_ep" --pub-out router.pub >router.out 2>&1 &
PIDS+=("$!")
router_pid=$!
for _ in $(seq 1 100); do grep -q listening router.out && break; sleep 0.05; done
check "fsd-floors fleet ran" "$BIN/fsd-floors" fleet --connect "$router_ep" --server-key router.pub \
    --watch-pid "$router_pid" --peers 20 --rates 500 --seconds 1 >fleet.out
cat fleet.out
echoed=$(awk '$1 == "fleet_500_echoed_per_s" { printf "%d", $2 }' fleet.out)
[ "${echoed:-0}" -ge 450 ] || fail "the bare ROUTER echoed ${echoed:-no} messages/s of 500"
awk '$1 == "fleet_500_router_us_per_msg" && $2 > 0 { ok = 1 } END { exit !ok }' fleet.out \
    || fail "no CPU per message: $(cat fleet.out)"
echo "ok: fleet floor $echoed messages/s"

# the storm: the fleet holds its links (no --rates), the server restarts,
# SIGUSR1 makes every technician drop its DEALER and open a fresh one at
# once; all 50 must have a Welcome again, and say how the storm went. The
# server comes back with two ZeroMQ I/O threads (--io-threads).
say "fsd-load storm: 50 technicians back on fresh DEALERs after a restart"
"$BIN/fsd-load" --server "$FSD_SERVER" --server-key "$FSD_SERVER_KEY" --keys keys --fleet fleet.csv \
    >storm.out 2>storm.err &
PIDS+=("$!")
storm_pid=$!
for _ in $(seq 1 200); do grep -q '^welcomed 50 ' storm.out && break; sleep 0.05; done
grep -q '^welcomed 50 ' storm.out || fail "the fleet did not connect: $(cat storm.out storm.err)"
stop_server
start_server --io-threads 2
kill -USR1 "$storm_pid"
for _ in $(seq 1 200); do grep -q '^rewelcomed 50 ' storm.out && break; sleep 0.05; done
grep -q '^rewelcomed 50 ' storm.out || fail "the fleet did not come back: $(cat storm.out; tail -5 storm.err)"
grep -q 'storm .* back, .* DEALERs open' storm.err || fail "no storm progress line: $(tail -5 storm.err)"
echo "ok: $(grep '^rewelcomed' storm.out)"
