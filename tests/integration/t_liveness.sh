# Liveness and SLA risk: a technician whose agent dies (kill -9) while it
# holds an offer is marked offline after heartbeat_ms x offline_after and
# the offer goes to the next technician; assigned work stays with an
# offline technician, and when 75 % of the window to its next SLA deadline
# has gone the job is flagged at risk once (an event, `at_risk` on the job,
# the board's "at risk" queue).
. "$ROOT/tests/integration/lib.sh"
# assign by 6 s (at risk after 4.5 s), arrive by 12 s (at risk after 9 s)
start_server --heartbeat-ms 300 --offline-after 3 --assign-sla-min 0.1,0.1 --arrive-sla-min 0.2,0.2
load_test_data
start_agent A1
start_agent A2

say "the offer goes to A1; A1's agent dies; the offer moves to A2"
job=$(request $MITTE Siemens washing_machine SM-NEW)
wait_state "$job" offered
expect_eq holder "$(job_tech "$job")" A1
wait_offer A1 "$job"
kill -9 "$AGENT_PID_A1"
t0=$(date +%s%N)
for _ in $(seq 1 40); do
    [ "$(job_tech "$job")" = A2 ] && break
    sleep 0.1
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "re-offered after $ms ms"
expect_eq "new holder" "$(job_tech "$job")" A2
expect_eq state "$(job_state "$job")" offered
[ "$ms" -lt 2500 ] || fail "the offer took $ms ms to move"
[ "$(stat_counter went_offline)" -ge 1 ] || fail "went_offline not counted"
ctl_as dana track "$job" --json | jq -e '.history[] | select(.reason == "offer withdrawn: technician offline")' >/dev/null \
    || fail "no withdrawal in the history"

say "A2 accepts, then its agent dies too: the work stays with A2"
wait_offer A2 "$job"
check "accept" agent A2 accept "$job"
kill -9 "$AGENT_PID_A2"
for _ in $(seq 1 30); do
    [ "$(ctl_as dana technicians --json | jq -r '.technicians[] | select(.id == "A2") | .online // false')" = false ] && break
    sleep 0.1
done
expect_eq "A2 online" "$(ctl_as dana technicians --json | jq -r '.technicians[] | select(.id == "A2") | .online // false')" false
expect_eq state "$(job_state "$job")" assigned
expect_eq holder "$(job_tech "$job")" A2

say "a second job finds no one online: it waits"
job2=$(request $MITTE Bosch washing_machine WM-OLD)
wait_state "$job2" new

say "at risk: the waiting job (assign-by), the assigned one (arrive-by), once each"
for _ in $(seq 1 120); do
    n=$(ctl_as dana board --json | jq '[.at_risk[]?.job_id] | length')
    [ "$n" = 2 ] && break
    sleep 0.1
done
board=$(ctl_as dana board --json)
expect_eq "at risk" "$(jq -r '[.at_risk[]?.job_id] | sort | join(",")' <<<"$board")" "$(printf '%s\n' "$job" "$job2" | sort | paste -sd,)"
view=$(ctl_as dana track "$job" --json)
expect_eq "at_risk flag" "$(jq -r '.at_risk // false' <<<"$view")" true
jq -r '.history[] | select(.reason | startswith("at risk")) | .reason' <<<"$view" | grep -q "arrive-by deadline in .*technician A2 offline" \
    || fail "arrive-by risk event: $(jq -c .history <<<"$view")"
ctl_as dana board | grep -A4 '^at risk' | grep -q "$job" || fail "board text does not list $job at risk"
ctl_as dana track "$job" | grep -q '^at risk ' || fail "track does not say at risk"
sleep 1
for j in "$job" "$job2"; do
    n=$(ctl_as dana track "$j" --json | jq '[.history[] | select(.reason | startswith("at risk"))] | length')
    expect_eq "at-risk events of $j" "$n" 1
    ctl_as dana track "$j" --json | jq -e '[.history[] | select(.reason | startswith("at risk")) | select(.from == .to)] | length == 1' >/dev/null \
        || fail "the at-risk event of $j changes the state"
done
ctl_as dana report --json | jq -e '.offers == 2' >/dev/null || fail "report counts at-risk events as offers: $(ctl_as dana report --json | jq -c .)"

say "the flag survives a restart and is not raised again; old retry answers are pruned"
stop_server
recent=$(sqlite3 "$FSD_HOME/fsd.db" "select count(*) from dedup")
# the oldest answers are the first rows (the server appends them as they come)
sqlite3 "$FSD_HOME/fsd.db" "insert into dedup(id, principal, msg_id, at, reply)
    values(-2, 'desk', 'old-1', 1000, x''), (-1, 'desk', 'old-2', 2000, x'')"
start_server --heartbeat-ms 300 --offline-after 3 --assign-sla-min 0.1,0.1 --arrive-sla-min 0.2,0.2
sleep 0.5
expect_eq "retry answers kept" "$(sqlite3 "$FSD_HOME/fsd.db" "select count(*) from dedup")" "$recent"
grep -q 'event=dedup_pruned deleted=2' server.log || fail "no dedup_pruned in the log"
expect_eq "at_risk after restart" "$(ctl_as dana track "$job" --json | jq -r '.at_risk // false')" true
n=$(ctl_as dana track "$job" --json | jq '[.history[] | select(.reason | startswith("at risk"))] | length')
expect_eq "at-risk events after restart" "$n" 1
echo "liveness ok"
