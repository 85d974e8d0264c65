# A second connection with a technician's key takes the session over: the
# old connection is told (Superseded), the daemon shows it and stops
# reconnecting until `fsd-agent reconnect`, the server logs it, records it
# on the technician's jobs (track) and shows it on the board. A normal
# reconnect of the same device (the daemon restarted, the network cut and
# back) keeps the same device id and shows none of that.
. "$ROOT/tests/integration/lib.sh"
PORT=${FSD_TEST_PORT:-17300}
PROXY=$((PORT + 1))
start_server --heartbeat-ms 500 --offline-after 3
load_test_data
"$BIN/fsd-flaky" --listen "$PROXY" --to "$PORT" 2>flaky.log &
FLAKY=$!
PIDS+=("$FLAKY")
for _ in $(seq 1 50); do grep -q listening flaky.log && break; sleep 0.05; done

say "A1's daemon, through a proxy that can be cut; it holds a job"
start_agent A1 --server "tcp://127.0.0.1:$PROXY"
job=$(request $MITTE Bosch washing_machine WM-NEW)
wait_offer A1 "$job"
check "accept" agent A1 accept "$job" >/dev/null
wait_state "$job" assigned
sqlite3 agents/A1/agent.db "select device_id from device" | grep -Eq '^[0-9a-f]{32}$' \
    || fail "no device id in agent.db"

say "a normal reconnect stays quiet: the daemon restarted at once (same device id)"
kill "$AGENT_PID_A1"
wait "$AGENT_PID_A1" 2>/dev/null || true
n=$(grep -c 'event=welcome' agents/A1.log)
"$BIN/fsd-agent" --home agents/A1 run --server "tcp://127.0.0.1:$PROXY" >>agents/A1.log 2>&1 &
AGENT_PID_A1=$!
PIDS+=("$AGENT_PID_A1")
for _ in $(seq 1 100); do [ "$(grep -c 'event=welcome' agents/A1.log)" -gt "$n" ] && break; sleep 0.05; done
[ "$(grep -c 'event=welcome' agents/A1.log)" -gt "$n" ] || fail "the restarted daemon got no session"

say "a normal reconnect stays quiet: the network cut for 2 s and back"
n=$(grep -c 'event=welcome' agents/A1.log)
kill -USR1 "$FLAKY"
sleep 2
kill -USR2 "$FLAKY"
for _ in $(seq 1 200); do [ "$(grep -c 'event=welcome' agents/A1.log)" -gt "$n" ] && break; sleep 0.05; done
[ "$(grep -c 'event=welcome' agents/A1.log)" -gt "$n" ] || fail "no new session after the cut"
! grep -q session_superseded server.log || fail "a reconnect was taken for a takeover: $(grep session_superseded server.log)"
! grep -q 'event=superseded' agents/A1.log || fail "the daemon thinks it was superseded"
[ "$(ctl_as dana board --json | jq '.superseded | length')" = 0 ] || fail "the board lists a takeover"
! ctl_as dana track "$job" | grep -q superseded || fail "track shows a takeover"

say "another connection with A1's key (another device id) takes the session over"
"$BIN/fsd-poke" --key agents/A1/agent.key --server-key "$FSD_SERVER_KEY" --server "$FSD_SERVER" \
    --envelope hello --device-id intruder-device --linger 300 >poke.out
grep -q welcome poke.out || fail "the second connection got no Welcome: $(cat poke.out)"
for _ in $(seq 1 40); do grep -q 'event=superseded' agents/A1.log && break; sleep 0.05; done
grep -q 'event=superseded' agents/A1.log || fail "the daemon was not told: $(tail -3 agents/A1.log)"
grep -q 'event=session_superseded technician=A1 key=A1' server.log || fail "no session_superseded line"

say "the daemon shows it and does not fight back"
agent A1 status >jobs.txt
grep -q 'taken over by another connection at .*tell your dispatcher' jobs.txt \
    || fail "the status view does not say so: $(head -5 jobs.txt)"
[ "$(agent A1 jobs --json | jq '.superseded_at // 0')" -gt 0 ] || fail "no superseded_at in --json"
hellos=$(grep -c 'event=hello tech=A1' server.log)
sleep 2
expect_eq no-reconnect-loop "$(grep -c 'event=hello tech=A1' server.log)" "$hellos"

say "dispatchers see it: the board and the job's history"
board=$(ctl_as dana board --json)
expect_eq board-tech "$(jq -r '.superseded[0].technician_id' <<<"$board")" A1
ctl_as dana board | grep -q 'taken over by another connection' || fail "board text lacks the takeover"
ctl_as dana track "$job" --json | jq -e '.history[] | select(.reason == "session superseded by another connection")' \
    >/dev/null || fail "track of $job lacks the event: $(ctl_as dana track "$job")"

say "fsd-agent reconnect: the session comes back (the intruder's connection is gone by now)"
n=$(grep -c 'event=welcome' agents/A1.log)
agent A1 reconnect >/dev/null
for _ in $(seq 1 100); do [ "$(grep -c 'event=welcome' agents/A1.log)" -gt "$n" ] && break; sleep 0.05; done
[ "$(grep -c 'event=welcome' agents/A1.log)" -gt "$n" ] || fail "no session after fsd-agent reconnect"
! agent A1 jobs | grep -q 'NOT CONNECTED: this device' || fail "the status still says taken over after reconnect"
expect_eq one-takeover "$(grep -c 'event=session_superseded' server.log)" 1
echo ok
