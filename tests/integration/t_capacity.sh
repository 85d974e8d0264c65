# Two technicians can never hold one job; capacity is never exceeded, even
# under concurrent reassignments: many dispatchers' commands race, and the
# database, the server's own view of loads, and each job's event log must
# agree afterwards.
. "$ROOT/tests/integration/lib.sh"
start_server
load_test_data

say "jobs that wait (no technician online yet; A1-A3 could take them later)"
# Siemens without a serial: no warranty authorisation needed, so A1, A2
# and A3 may all be given any of them
jobs=()
for _ in $(seq 1 12); do
    j=$(request $MITTE Siemens washing_machine)
    case $j in J*) jobs+=("$j") ;; *) fail "request refused: $j" ;; esac
done
for j in "${jobs[@]}"; do expect_eq "$j waits" "$(job_state "$j")" new; done

say "10 jobs reassigned to A2 (capacity 1) at once"
mkdir -p race
# wait_all: waits for the racers only (a bare `wait` would wait for the server)
RACERS=()
wait_all() { for p in "${RACERS[@]}"; do wait "$p" || true; done; RACERS=(); }
for j in "${jobs[@]:0:10}"; do
    ctl_as dana reassign "$j" --override --agent A2 --reason race --json >"race/$j.json" 2>/dev/null &
    RACERS+=($!)
done
wait_all
ok=0
capacity=0
for j in "${jobs[@]:0:10}"; do
    if jq -e '.job_id' "race/$j.json" >/dev/null; then
        ok=$((ok + 1))
    else
        code=$(jq -r .error.code "race/$j.json")
        expect_eq "$j refused with" "$code" capacity
        capacity=$((capacity + 1))
    fi
done
expect_eq "A2 reassignments that succeeded" "$ok" 1
expect_eq "A2 reassignments refused for capacity" "$capacity" 9

say "one job to A1 and A3 at once, many times over"
j=${jobs[10]}
for i in $(seq 1 6); do
    ctl_as dana reassign "$j" --override --agent A1 --reason "tug $i" >/dev/null 2>&1 &
    RACERS+=($!)
    ctl_as dana reassign "$j" --override --agent A3 --reason "war $i" >/dev/null 2>&1 &
    RACERS+=($!)
done
wait_all
holder=$(job_tech "$j")
case $holder in A1 | A3) ;; *) fail "$j is held by '$holder'" ;; esac
expect_eq "$j state" "$(job_state "$j")" assigned

say "and the last job to A1, A2 and A3 at once (A2 is full)"
k=${jobs[11]}
for t in A1 A2 A3; do
    ctl_as dana reassign "$k" --override --agent $t --reason three >/dev/null 2>&1 &
    RACERS+=($!)
done
wait_all
case $(job_tech "$k") in A1 | A3) ;; *) fail "$k is held by '$(job_tech "$k")'" ;; esac

say "the database: no technician past its capacity, each held job has one holder"
db=$FSD_HOME/fsd.db
sqlite3 "$db" "select technician_id, count(*) from jobs where state in (2,3,4,5,6) group by technician_id" | tee held.txt
declare -A cap=([A1]=2 [A2]=1 [A3]=2 [B1]=2 [C1]=1)
while IFS='|' read -r t n; do
    [ -n "$t" ] || fail "a held job has no technician"
    [ "$n" -le "${cap[$t]}" ] || fail "$t holds $n jobs, capacity ${cap[$t]}"
done <held.txt
expect_eq "A2 holds" "$(sqlite3 "$db" "select count(*) from jobs where technician_id = 'A2' and state in (2,3,4,5,6)")" 1
expect_eq "held jobs" "$(sqlite3 "$db" "select count(*) from jobs where state in (2,3,4,5,6)")" 3
expect_eq "waiting jobs" "$(sqlite3 "$db" "select count(*) from jobs where state = 1")" 9

say "the server's loads agree with the database"
ctl_as dana technicians --json >techs.json
for t in A1 A2 A3 B1 C1; do
    want=$(sqlite3 "$db" "select count(*) from jobs where technician_id = '$t' and state in (2,3,4,5,6)")
    expect_eq "load of $t" "$(jq -r --arg t "$t" '.technicians[] | select(.id == $t) | .load // 0' techs.json)" "$want"
done

say "every job's event log ends in its state, and the log chains from state to state"
bad=$(sqlite3 "$db" "
    select j.id from jobs j
    where j.state != (select e.to_state from job_events e where e.job_id = j.id order by e.id desc limit 1)")
[ -z "$bad" ] || fail "jobs whose last event disagrees with their state: $bad"
broken=$(sqlite3 "$db" "
    select e.job_id, e.id from job_events e
    where e.from_state != coalesce((select p.to_state from job_events p where p.job_id = e.job_id and p.id < e.id
                                    order by p.id desc limit 1), 0)")
[ -z "$broken" ] || fail "events that do not start where the previous one ended: $broken"
echo "capacity ok"
