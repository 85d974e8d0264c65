# Fault test: kill -9 of fsd-server at random points while intake clients
# submit requests and a simulated fleet (fsd-agent sim) works them, then
# restart it; several rounds. Afterwards, from the database and from the
# clients' and the simulator's own records:
#   - every acknowledged request is there exactly once, with the job id
#     the client was given; no request made two jobs (fsdctl retries a
#     lost answer with the same msg_id);
#   - every report of the fleet was applied exactly once: the simulator's
#     outbox is empty and each completed job went through each state once,
#     in order;
#   - each job's event log chains from → to without a gap, ends in the
#     job's state, and names the job's holder; no technician holds more
#     jobs than its capacity;
# and an offer that expired while the server was down is expired and moved
# on after the restart. The clients reach the server through fsd-flaky,
# which drops connections at random, so answers are lost and fsdctl
# retries them (same msg_id) also while the server is up.
. "$ROOT/tests/integration/lib.sh"
T0=$(date +%s%N)
ROUNDS=${FAULT_ROUNDS:-5}
CLIENTS=3
DB=$FSD_HOME/fsd.db
SERVER_OPTS=(--offer-ttl-ms 1000 --heartbeat-ms 300 --offline-after 3)
CLIENT_PORT=$(( ${FSD_TEST_PORT:-17300} + 1 ))
DUPLICATES=0

# restart_server: starts fsd-server again and waits for its new
# "listening" line (the log keeps the old ones).
restart_server() {
    local before
    before=$(grep -c 'event=listening' server.log || true)
    "$BIN/fsd-server" --data "$FSD_HOME" --listen "$FSD_SERVER" "${SERVER_OPTS[@]}" >>server.log 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    for _ in $(seq 1 200); do
        [ "$(grep -c 'event=listening' server.log || true)" -gt "$before" ] && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || fail "fsd-server exited on restart: $(tail -5 server.log)"
        sleep 0.02
    done
    fail "fsd-server did not restart: $(tail -5 server.log)"
}
# the duplicates answered since the server started (its counters do not survive it)
count_duplicates() { DUPLICATES=$((DUPLICATES + $(ctl --timeout 2000 stats --json 2>/dev/null \
    | jq '[.counters[] | select(.name == "duplicate") | .value // 0][0] // 0' || echo 0))); }
kill_server() { kill -9 "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
# rand_ms MIN MAX: a random duration in seconds, for sleep
rand_s() { local ms=$(( $1 + RANDOM % ($2 - $1 + 1) )); printf '%d.%03d' $((ms / 1000)) $((ms % 1000)); }
q() { sqlite3 "$DB" "$@"; }

start_server "${SERVER_OPTS[@]}"

say "a fleet of 12 washing-machine technicians in Mitte (24h, capacity 3), two fridge technicians in Spandau"
{
    echo "id,name,provider,territories,skills,capacity,shift,lat,lon"
    for i in $(seq -w 1 12); do
        if [ $((10#$i % 2)) = 0 ]; then p=P-NORD; else p=R-KIEZ; fi
        echo "M$i,Mitte $i,$p,mitte,washing_machine,3,24h,52.5$((300 + 10#$i * 5)),13.3$((800 + 10#$i * 7))"
    done
    echo "S1,Spandau Eins,P-NORD,spandau,fridge,1,24h,52.5130,13.1680"
    echo "S2,Spandau Zwei,P-WEST,spandau,fridge,1,24h,52.5350,13.2000"
} >technicians.csv
ctl territory load "$EXAMPLES/territories.geojson" >/dev/null
ctl provider load "$EXAMPLES/providers.csv" >/dev/null
ctl agent load technicians.csv >/dev/null
ctl customer load "$EXAMPLES/customers.csv" >/dev/null
ctl keygen --role intake --name desk --out "$FSD_HOME/keys/desk.key" >/dev/null
ctl keygen --role dispatcher --name dana --out "$FSD_HOME/keys/dana.key" >/dev/null
mkdir -p fleet sim
for i in $(seq -w 1 12); do
    ctl keygen --role agent --name "M$i" --technician "M$i" --out "fleet/M$i.key" >/dev/null
done
"$BIN/fsd-agent" --home sim --json sim --keys fleet --accept-delay-ms 50-300 --work-ms 300 \
    --decline-rate 0.05 --seed 11 >sim.json 2>sim.log &
SIM_PID=$!
PIDS+=("$SIM_PID")
for _ in $(seq 1 100); do
    [ "$(ctl technicians --json | jq '[.technicians[] | select(.online)] | length')" = 12 ] && break
    sleep 0.1
done
expect_eq online "$(ctl technicians --json | jq '[.technicians[] | select(.online)] | length')" 12

say "$CLIENTS intake clients submit requests through a proxy that drops connections, each with its own token"
"$BIN/fsd-flaky" --listen "$CLIENT_PORT" --to "${FSD_TEST_PORT:-17300}" --drop-rate 0.01 --seed 9 2>flaky.log &
FLAKY_PID=$!
PIDS+=("$FLAKY_PID")
for _ in $(seq 1 50); do grep -q listening flaky.log && break; sleep 0.05; done
# client K: one fsdctl at a time; the answer (a job id) is the acknowledgement
client() {
    local k=$1 n=0 out id
    while [ ! -e stop ]; do
        n=$((n + 1))
        out=$(FSD_KEY=$FSD_HOME/keys/desk.key "$BIN/fsdctl" --server "tcp://127.0.0.1:$CLIENT_PORT" --json --timeout 30000 request \
            --name "Client $k" --phone "+49 30 55501$k$((n % 10))" --address "Torstraße $n, Berlin" \
            --lat "52.53$((10 + n % 60))" --lon "13.38$((10 + n % 60))" --brand Beko \
            --category washing_machine --problem "fault-c$k-n$n" 2>/dev/null) || true
        id=$(jq -r '.job_id // .error.code // "none"' <<<"$out" 2>/dev/null || echo none)
        echo "fault-c$k-n$n $id" >>"client$k.txt"
    done
}
for k in $(seq 1 $CLIENTS); do
    client "$k" &
    PIDS+=($!)
    eval "CLIENT_PID_$k=$!"
done

say "$ROUNDS rounds of kill -9 at a random moment (0.2-1.5 s) and restart"
for r in $(seq 1 "$ROUNDS"); do
    sleep "$(rand_s 200 1500)"
    held=$(q "select count(*) from jobs where state in (2,3,4,5,6)" 2>/dev/null || echo '?')
    count_duplicates
    kill_server
    echo "round $r: killed with $(cat client*.txt 2>/dev/null | wc -l) requests answered, $held jobs held"
    sleep "$(rand_s 0 400)"
    restart_server
done
sleep "$(rand_s 200 1000)"
touch stop
for k in $(seq 1 $CLIENTS); do eval "wait \$CLIENT_PID_$k" || true; done
kill -TERM "$FLAKY_PID"; wait "$FLAKY_PID" 2>/dev/null || true
cat flaky.log

say "until no job is offered, assigned, en route, on site or on hold (at most 30 s)"
wait_no_work 30
q "select state, count(*) from jobs group by state" | tee states.txt

say "the simulator stops with nothing pending"
kill -TERM "$SIM_PID"
for _ in $(seq 1 50); do kill -0 "$SIM_PID" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$SIM_PID" 2>/dev/null || fail "the simulator did not stop on SIGTERM"
cat sim.json
expect_eq sim-pending "$(jq -r .pending sim.json)" 0
expect_eq sim-outbox "$(sqlite3 sim/sim.db "select count(*) from outbox")" 0

say "every acknowledged request exists exactly once, under the id the client was told"
cat client*.txt >answers.txt
acked=$(grep -c ' J' answers.txt || true)
unacked=$(grep -vc ' J' answers.txt || true)
[ "$acked" -ge 10 ] || fail "only $acked requests were acknowledged"
q "select problem || ' ' || id from jobs order by problem" >jobs.txt
dups=$(q "select problem from jobs group by problem having count(*) > 1")
[ -z "$dups" ] || fail "requests that made more than one job: $dups"
missing=$(grep ' J' answers.txt | sort | comm -23 - <(sort jobs.txt))
[ -z "$missing" ] || fail "acknowledged but not in the database (or under another id): $missing"
jobs=$(q "select count(*) from jobs")
[ "$jobs" -ge "$acked" ] && [ "$jobs" -le $((acked + unacked)) ] \
    || fail "$jobs jobs for $acked acknowledged and $unacked unanswered requests"
extra=$(comm -13 <(grep ' J' answers.txt | sort) <(sort jobs.txt) | cut -d' ' -f1 | sort)
stray=$(comm -23 <(echo "$extra" | grep . || true) <(grep -v ' J' answers.txt | cut -d' ' -f1 | sort))
[ -z "$stray" ] || fail "jobs no client asked for: $stray"
# each job was made with its request's msg_id remembered, in one transaction
expect_eq "remembered requests" "$(q "select count(*) from dedup where principal = 'desk'")" "$jobs"
count_duplicates

say "every job's event log chains without a gap and ends in the job's state and holder"
check_event_chains

say "no technician holds more jobs than its capacity"
check_capacity 3

say "every completed job went through each state once, in order (each report applied once)"
completed=$(q "select count(*) from jobs where state = 7")
[ "$completed" -ge $((acked / 2)) ] || fail "only $completed of $acked jobs were completed"
for j in $(q "select id from jobs where state = 7"); do
    # a conflict note (a late report that could not apply) changes no state
    h=$(q "select group_concat(to_state, ',') from (select to_state from job_events where job_id = '$j' and reason not like 'conflict:%' order by id)")
    # new,offered (again after a decline or expiry) ,assigned,en_route,on_site(,on_hold,en_route,on_site),completed
    [[ $h =~ ^1,2,(1,2,)*3,4,5,(6,4,5,)*7$ ]] || fail "$j history: $h"
done
say "the server applied exactly the reports the simulator made, less those it refused"
reports=$(q "select count(*) from job_events where actor like 'M%' and reason not like 'conflict:%'")
made=$(jq '.accepts + .declines + .steps - .refused' sim.json)
expect_eq "reports applied" "$reports" "$made"
expect_eq "conflicts kept by the simulator" "$(sqlite3 sim/sim.db "select count(*) from conflicts")" "$(jq .refused sim.json)"

ELAPSED_MAIN=$(( ($(date +%s%N) - T0) / 1000000 ))

say "an offer that expires while the server is down is expired and moved on after the restart"
mkdir -p agents/S1 agents/S2
ctl keygen --role agent --name S1 --technician S1 --out agents/S1/agent.key >/dev/null
ctl keygen --role agent --name S2 --technician S2 --out agents/S2/agent.key >/dev/null
start_agent S1
job=$(ctl_as desk request --json --name "Expiry Test" --phone "+49 30 5559999" --address "Spandau 1" \
    --lat 52.5150 --lon 13.1700 --brand Beko --category fridge --problem "expiry while down" | jq -r .job_id)
case $job in J*) ;; *) fail "request refused: $job" ;; esac
wait_offer S1 "$job"
expect_eq offered-to "$(job_tech "$job")" S1
# S1 goes away without answering, then the server dies with the offer open
eval "kill -9 \$AGENT_PID_S1"
kill_server
sleep 2
restart_server
start_agent S2
for _ in $(seq 1 50); do
    st=$(job_state "$job")
    tech=$(job_tech "$job")
    { [ "$st" = offered ] && [ "$tech" = S2 ]; } || [ "$st" = new ] || [ "$st" = escalated ] && break
    sleep 0.1
done
echo "after restart: $job $st $tech"
{ [ "$st" = offered ] && [ "$tech" = S2 ]; } || [ "$st" = new ] || [ "$st" = escalated ] \
    || fail "$job is $st with '$tech' after its offer to S1 expired"
ctl_as dana track "$job" --json | jq -c '[.history[] | {to, technician_id, reason}]'
ctl_as dana track "$job" --json | jq -e '[.history[] | select(.reason | test("expired"))] | length == 1' >/dev/null \
    || fail "no 'offer expired' event for $job"

T=$(( ($(date +%s%N) - T0) / 1000000 ))
echo "figures: rounds=$ROUNDS kills=$((ROUNDS + 1)) requests_acknowledged=$acked unanswered=$unacked jobs=$jobs completed=$completed agent_reports_applied=$reports duplicates_answered=$DUPLICATES main_ms=$ELAPSED_MAIN total_ms=$T"
echo "fault server kill ok"
