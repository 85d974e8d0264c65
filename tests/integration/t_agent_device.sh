# The technician's device keeps customers' data to itself and its mistakes
# out of the way: agent.db is 0600 in a 0700 folder; a report on a job the
# device neither holds nor was offered is refused on the device (exit 1,
# nothing stored, nothing sent); a conflict the server returned can be
# acknowledged once read: it leaves the lists and stays in the history.
. "$ROOT/tests/integration/lib.sh"

start_server
load_test_data
start_agent A1

say "agent.db and its journal are the owner's only"
expect_eq home-mode "$(stat -c %a agents/A1)" 700
expect_eq db-mode "$(stat -c %a agents/A1/agent.db)" 600
for f in agents/A1/agent.db-wal agents/A1/agent.db-shm; do
    if [ -e "$f" ]; then expect_eq "$f-mode" "$(stat -c %a "$f")" 600; fi
done
# a store left readable by an earlier version is made private when opened
mkdir -p agents/A2
touch agents/A2/agent.db
chmod 644 agents/A2/agent.db
start_agent A2
expect_eq old-db-mode "$(stat -c %a agents/A2/agent.db)" 600

say "a report on a job this device does not know is refused here"
rc=0; out=$(agent A1 status null en_route --json) || rc=$?
expect_eq unknown-exit "$rc" 1
expect_eq unknown-code "$(jq -r .error.code <<<"$out")" not_found
jq -r .error.message <<<"$out" | grep -q "neither holds nor was offered a job null" || fail "message: $out"
rc=0; agent A1 accept J999999 >/dev/null 2>err.txt || rc=$?
expect_eq unknown-accept-exit "$rc" 1
grep -q "neither holds nor was offered" err.txt || fail "accept message: $(cat err.txt)"
expect_eq nothing-pending "$(agent_jobs A1 | jq '.pending | length')" 0
expect_eq nothing-conflicts "$(agent_jobs A1 | jq '.conflicts | length')" 0
expect_eq outbox "$(sqlite3 agents/A1/agent.db 'select count(*) from outbox')" 0
grep -q 'from=A1 .*null' server.log && fail "the report on 'null' reached the server"

say "a conflict from the server, then acknowledged"
job=$(request $MITTE Bosch washing_machine WM-NEW)
wait_offer A1 "$job"
agent A1 accept "$job" >/dev/null
rc=0; agent A1 status "$job" completed --json >/dev/null || rc=$?
expect_eq refused-exit "$rc" 1
agent A1 conflicts >conflicts.txt
grep -q "#1 .*$job .*completed: invalid_transition" conflicts.txt || fail "conflicts: $(cat conflicts.txt)"
expect_eq listed "$(agent A1 conflicts --json | jq -r '.conflicts[0].id')" 1
rc=0; agent A1 conflicts ack >/dev/null 2>&1 || rc=$?
expect_eq ack-usage "$rc" 2
rc=0; agent A1 conflicts ack soon >/dev/null 2>&1 || rc=$?
expect_eq ack-bad-id "$rc" 2
agent A1 conflicts ack 1 | grep -q "conflict #1 acknowledged" || fail "ack 1"
expect_eq open-after-ack "$(agent_jobs A1 | jq '.conflicts | length')" 0
expect_eq acked-count "$(agent_jobs A1 | jq -r '.conflicts_acknowledged')" 1
agent A1 conflicts | grep -q "1 acknowledged" || fail "no acknowledged count: $(agent A1 conflicts)"
agent A1 conflicts --all | grep -q "#1 .*(acknowledged)" || fail "history: $(agent A1 conflicts --all)"
rc=0; out=$(agent A1 conflicts ack 1 --json) || rc=$?
expect_eq ack-again-exit "$rc" 1
expect_eq ack-again-code "$(jq -r .error.code <<<"$out")" not_found

say "ack --all"
agent A1 status "$job" on_site >/dev/null 2>&1 || true
agent A1 status "$job" completed >/dev/null 2>&1 || true
expect_eq two-open "$(agent_jobs A1 | jq '.conflicts | length')" 2
agent A1 conflicts ack --all | grep -q "2 conflicts acknowledged" || fail "ack --all"
expect_eq none-open "$(agent_jobs A1 | jq '.conflicts | length')" 0
expect_eq history "$(agent A1 conflicts --all --json | jq '.conflicts | length')" 3

say "a device with a new, empty store gets the jobs the server holds for it"
eval "kill \$AGENT_PID_A1"
eval "wait \$AGENT_PID_A1" 2>/dev/null || true
rm -f agents/A1/agent.db agents/A1/agent.db-wal agents/A1/agent.db-shm agents/A1.log
start_agent A1
for _ in $(seq 1 50); do
    [ "$(agent_jobs A1 | jq '.jobs | length')" = 1 ] && break
    sleep 0.1
done
expect_eq snapshot-job "$(agent_jobs A1 | jq -r '[.jobs[] | .job.job_id + ":" + .job.state] | join(",")')" "$job:assigned"
agent_jobs A1 | jq -e '.notices[] | select(contains("store is new"))' >/dev/null \
    || fail "no notice of the snapshot: $(agent_jobs A1 | jq -c .notices)"
agent A1 status "$job" en_route >/dev/null || fail "the job from the snapshot cannot be reported on"
wait_state "$job" en_route
echo "agent device ok"
