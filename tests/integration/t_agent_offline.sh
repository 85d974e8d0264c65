# fsd-agent keeps working without the server: reports are stored first,
# survive kill -9 of the daemon and of the server, and are replayed in
# order when the server is back; exit codes and --json of the short
# commands. (Named agent_*.sh: run it with
#   cd $(mktemp -d) && BIN=... ROOT=... FSD_TEST_PORT=17390 bash $ROOT/tests/integration/agent_offline.sh
# or rename it t_agent_offline.sh to have tests/run.sh pick it up.)
. "$ROOT/tests/integration/lib.sh"

say "usage and daemon-not-running errors"
rc=0; agent A1 decline J000001 >/dev/null 2>&1 || rc=$?
expect_eq decline-without-reason "$rc" 2
rc=0; agent A1 status J000001 flying >/dev/null 2>&1 || rc=$?
expect_eq bad-state "$rc" 2
rc=0; out=$(agent A1 jobs --json) || rc=$?
expect_eq not-running-exit "$rc" 1
expect_eq not-running-code "$(jq -r .error.code <<<"$out")" unavailable

start_server
load_test_data
start_agent A1

say "an offer arrives"
job=$(request $MITTE Bosch washing_machine WM-NEW)
case $job in J*) ;; *) fail "request refused: $job" ;; esac
wait_offer A1 "$job"

say "the server goes away; the technician keeps working"
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
for _ in $(seq 1 100); do
    [ "$(agent_jobs A1 | jq -r '.connected')" = false ] && break
    sleep 0.1
done
out=$(agent A1 accept "$job" --json)
expect_eq queued-1 "$(jq -r .queued.seq <<<"$out")" 1
out=$(agent A1 status "$job" en_route --note "stuck in traffic" --json)
expect_eq queued-2 "$(jq -r .queued.seq <<<"$out")" 2
expect_eq pending "$(agent_jobs A1 | jq -r '[.pending[].what] | join(",")')" accept,en_route

say "the daemon is killed too: the reports are on disk"
eval "kill -9 \$AGENT_PID_A1"
sleep 0.2
expect_eq outbox "$(sqlite3 agents/A1/agent.db 'select group_concat(what) from (select what from outbox order by seq)')" accept,en_route
"$BIN/fsd-agent" --home agents/A1 run >>agents/A1.log 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do agent A1 jobs >/dev/null 2>&1 && break; sleep 0.1; done
expect_eq pending-after-restart "$(agent_jobs A1 | jq '.pending | length')" 2

say "the server is back: the reports are replayed in order and acknowledged"
start_server
wait_state "$job" en_route 20
for _ in $(seq 1 50); do
    [ "$(agent_jobs A1 | jq '.pending | length')" = 0 ] && break
    sleep 0.1
done
expect_eq pending-after "$(agent_jobs A1 | jq '.pending | length')" 0
expect_eq local-state "$(agent_jobs A1 | jq -r --arg j "$job" '.jobs[] | select(.job.job_id == $j) | .job.state')" en_route
expect_eq history "$(ctl_as dana track "$job" --json | jq -r '[.history[].to] | join(",")')" new,offered,assigned,en_route

say "a report the server refuses becomes a visible conflict"
rc=0; out=$(agent A1 status "$job" completed --json) || rc=$?
expect_eq refused-exit "$rc" 1
expect_eq refused-code "$(jq -r .error.code <<<"$out")" invalid_transition
expect_eq conflicts "$(agent_jobs A1 | jq -r '.conflicts[0].what')" completed
echo "agent offline ok"
