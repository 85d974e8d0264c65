# A job cancelled while its technician's answer was lost does not come back
# on the device. The technician reports en_route while the server is frozen;
# the connection is cut before the answer can come back; the server applies
# the report, a dispatcher cancels the job; when the connection is back the
# agent applies the cancellation, sends its stored report again and gets the
# answer the server remembered (de-duplication): the en_route view from
# before the cancellation. That older view must not make the job held again.
. "$ROOT/tests/integration/lib.sh"

PORT=${FSD_TEST_PORT:-17300}
PROXY_PORT=$((PORT + 1))

start_server --heartbeat-ms 300
load_test_data

say "A1 reaches the server through a proxy that can be cut"
"$BIN/fsd-flaky" --listen "$PROXY_PORT" --to "$PORT" 2>flaky.log &
FLAKY=$!
PIDS+=("$FLAKY")
for _ in $(seq 1 50); do grep -q listening flaky.log && break; sleep 0.05; done
mkdir -p agents/A1
ctl keygen --role agent --name A1 --out agents/A1/agent.key >/dev/null
"$BIN/fsd-agent" --home agents/A1 --server "tcp://127.0.0.1:$PROXY_PORT" run >>agents/A1.log 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q 'event=welcome' agents/A1.log && break; sleep 0.05; done
grep -q 'event=welcome' agents/A1.log || fail "A1 got no session: $(tail -3 agents/A1.log)"

job=$(request $MITTE Bosch washing_machine WM-NEW)
case $job in J*) ;; *) fail "request refused: $job" ;; esac
wait_offer A1 "$job"
agent A1 accept "$job" --json >/dev/null || fail "A1 could not accept $job"
wait_state "$job" assigned

say "the server freezes; A1 reports en_route; the connection is cut before any answer"
kill -STOP "$SERVER_PID"
out=$(agent A1 status "$job" en_route --json)
expect_eq queued "$(jq -r '.queued.seq // empty' <<<"$out" | grep -c .)" 1
kill -USR1 "$FLAKY"
for _ in $(seq 1 100); do grep -q 'event=link_lost' agents/A1.log && break; sleep 0.05; done
grep -q 'event=link_lost' agents/A1.log || fail "A1 never noticed the cut"

say "the server resumes: the report is applied, its answer is lost; then the job is cancelled"
kill -CONT "$SERVER_PID"
wait_state "$job" en_route
ctl_as dana cancel "$job" --reason "customer called off" --json >/dev/null || fail "cancel refused"
wait_state "$job" cancelled

say "the connection is back: cancellation applied, the stored report answered from the de-dup table"
kill -USR2 "$FLAKY"
for _ in $(seq 1 200); do
    [ "$(agent_jobs A1 | jq '.pending | length')" = 0 ] && break
    sleep 0.1
done
expect_eq pending "$(agent_jobs A1 | jq '.pending | length')" 0
grep -q "event=report_done .*job=$job state=JOB_EN_ROUTE" agents/A1.log \
    || grep -q "event=report_done .*job=$job state=en_route" agents/A1.log \
    || fail "the stale en_route answer never came: $(grep -E 'report_|revoked' agents/A1.log | tail -5)"
agent_jobs A1 >jobs.json
jq -e --arg j "$job" '.notices[] | select(startswith($j) and contains("cancelled"))' jobs.json >/dev/null \
    || fail "no cancellation notice: $(cat jobs.json)"
expect_eq held "$(jq -r --arg j "$job" '[.jobs[]? | select(.job.job_id == $j)] | length' jobs.json)" 0
agent A1 jobs | grep -q "Jobs (0)" || fail "fsd-agent jobs still lists a job: $(agent A1 jobs)"

say "a report on the cancelled job is refused on the device, not sent"
rc=0; out=$(agent A1 status "$job" on_site --json) || rc=$?
expect_eq refused-exit "$rc" 1
expect_eq refused-code "$(jq -r .error.code <<<"$out")" conflict
expect_eq nothing-pending "$(agent_jobs A1 | jq '.pending | length')" 0
echo "stale view ok"
