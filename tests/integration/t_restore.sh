# fsdctl restore puts a backup in place of a stopped server's database, and
# a connected technician's device re-synchronises by itself: the backup is
# taken while A1 holds one job; afterwards A1 declines one offer and takes
# another (its counters run ahead of the backup's) and, with the server
# stopped, reports on both jobs. After the restore its pending reports are
# numbered again and judged by the restored state (one applied, one a clear
# conflict), its job list becomes what the server holds, new offers reach
# it, and no job id issued before the restore is issued again.
. "$ROOT/tests/integration/lib.sh"

start_server --heartbeat-ms 300
load_test_data
start_agent A1

j1=$(request $MITTE Bosch washing_machine WM-NEW "+49 30 5551001")
wait_offer A1 "$j1"
agent A1 accept "$j1" >/dev/null
wait_state "$j1" assigned

say "backup while A1 holds $j1"
ctl backup backup.db | grep -q "backup written"

say "A1 runs ahead of the backup: declines one offer, takes another"
j2=$(request $MITTE Bosch washing_machine WM-OLD "+49 30 5551002")
wait_offer A1 "$j2"
agent A1 decline "$j2" --reason too_far >/dev/null
j3=$(request $MITTE Bosch washing_machine WM-EXT "+49 30 5551003")
wait_offer A1 "$j3"
agent A1 accept "$j3" >/dev/null
wait_state "$j3" assigned
before=$(db "select id from jobs order by number" | tr '\n' ' ')

say "the server stops; A1 reports on both of its jobs"
stop_server
for _ in $(seq 1 100); do [ "$(agent_jobs A1 | jq -r .connected)" = false ] && break; sleep 0.1; done
agent A1 status "$j1" en_route --json >/dev/null
agent A1 status "$j3" en_route --json >/dev/null
expect_eq pending "$(agent_jobs A1 | jq -r '[.pending[].job_id] | join(",")')" "$j1,$j3"
gen_before=$(agent_jobs A1 | jq -r .generation)

say "restore refuses while a server holds the data directory's lock"
flock data/fsd.lock sleep 3 &
PIDS+=($!)
sleep 0.2
rc=0; out=$(ctl restore backup.db --data data --json) || rc=$?
expect_eq locked-exit "$rc" 1
expect_eq locked-code "$(jq -r .error.code <<<"$out")" unavailable
wait $! 2>/dev/null || true

say "restore refuses a damaged backup"
head -c 8192 backup.db >broken.db
rc=0; ctl restore broken.db --data data >/dev/null 2>&1 || rc=$?
expect_eq broken-exit "$rc" 1

say "fsdctl restore"
ctl restore backup.db --data data | tee restore.out
grep -q "job numbers continue after J000003" restore.out || fail "no job floor in: $(cat restore.out)"
expect_eq mode "$(stat -c %a data/fsd.db)" 600
ls data/fsd.db.replaced-* >/dev/null || fail "the replaced database was not kept"
expect_eq restored-state "$(sqlite3 data/fsd.db "select state from jobs where id = '$j1'")" 3

say "the server starts on the restored database; A1 re-synchronises by itself"
start_server --heartbeat-ms 300
for _ in $(seq 1 200); do
    [ "$(agent_jobs A1 | jq '.pending | length')" = 0 ] && break
    sleep 0.1
done
grep -q 'event=resync ' agents/A1.log || fail "the agent did not log a resync"
grep -q 'event=resync .*why=generation_changed' server.log || fail "the server did not log a resync"
expect_eq pending-after "$(agent_jobs A1 | jq '.pending | length')" 0
[ "$(agent_jobs A1 | jq -r .generation)" != "$gen_before" ] || fail "the agent kept the old generation"
wait_state "$j1" en_route
expect_eq conflict "$(agent_jobs A1 | jq -r --arg j "$j3" '[.conflicts[] | select(.job_id == $j) | .code] | join(",")')" \
    not_found
agent_jobs A1 | jq -e '.notices[] | select(contains("restored from a backup"))' >/dev/null \
    || fail "no notice of the restore: $(agent_jobs A1 | jq -c .notices)"

say "a new offer reaches A1 with a job id never issued before"
j4=$(request $MITTE Siemens washing_machine SM-NEW "+49 30 5551004")
case " $before " in *" $j4 "*) fail "job id $j4 was issued again (before: $before)" ;; esac
expect_eq new-id "$j4" J000004
wait_offer A1 "$j4"
agent A1 accept "$j4" >/dev/null
wait_state "$j4" assigned

say "fsd-agent jobs matches what the server holds for A1"
server_held=$(db "select id from jobs where technician_id = 'A1' and state in (2,3,4,5,6) order by id" | tr '\n' ' ')
agent_held=$(agent_jobs A1 | jq -r '[.jobs[].job.job_id] | sort | join(" ")')
expect_eq held "$agent_held " "$server_held"
expect_eq held-states "$(agent_jobs A1 | jq -r '[.jobs[] | .job.job_id + ":" + .job.state] | sort | join(",")')" \
    "$j1:en_route,$j4:assigned"

say "a lost database: the job floor must be given"
stop_server
mv data/fsd.db lost.db
rm -f data/fsd.db-wal data/fsd.db-shm
rc=0; out=$(ctl restore backup.db --data data --json) || rc=$?
expect_eq lost-exit "$rc" 1
jq -r .error.message <<<"$out" | grep -q -- "--job-floor" || fail "no hint at --job-floor: $out"
ctl restore backup.db --data data --job-floor 4 >/dev/null
start_server --heartbeat-ms 300
j5=$(request $MITTE Bosch washing_machine "" "+49 30 5551005")
expect_eq floor-id "$j5" J000005
echo "restore ok"
