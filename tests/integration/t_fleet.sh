# Smoke test of the simulation mode with the real sample data: the whole
# Berlin fleet simulated by one `fsd-agent sim`, 30 requests from
# examples/requests.csv; the jobs are offered, accepted (or declined and
# offered again) and walked to completed, and nothing is left pending.
# The sample technicians have real shifts (06:00-22:00 and 14:00-06:00
# Berlin), so at some hours some jobs wait or escalate; the checks hold
# at any hour.
. "$ROOT/tests/integration/lib.sh"
start_server --offer-ttl-ms 5000
load_examples

say "a key for every technician, and the simulated fleet"
ctl keygen --role agent --all-technicians --dir fleet >/dev/null
n_keys=$(ls fleet/*.key | wc -l)
expect_eq keys "$n_keys" "$(ctl technicians --json | jq '.technicians | length')"
for f in fleet/*.key; do expect_eq "mode of $f" "$(stat -c %a "$f")" 600; done
mkdir -p sim
"$BIN/fsd-agent" --home sim --json sim --keys fleet --accept-delay-ms 50-200 --work-ms 200 \
    --decline-rate 0.1 --seed 7 --duration-s 40 >sim.json 2>sim.log &
SIM_PID=$!
PIDS+=("$SIM_PID")
for _ in $(seq 1 100); do
    [ "$(ctl technicians --json | jq '[.technicians[] | select(.online)] | length')" = "$n_keys" ] && break
    sleep 0.1
done
expect_eq online "$(ctl technicians --json | jq '[.technicians[] | select(.online)] | length')" "$n_keys"

say "30 requests from examples/requests.csv"
head -31 "$EXAMPLES/requests.csv" >r.csv
ctl_as desk request --batch r.csv --json >submitted.jsonl
expect_eq submitted "$(jq -r 'select(.job_id) | .job_id' submitted.jsonl | wc -l)" 30

say "until no job is offered, assigned, en route, on site or on hold (at most 30 s)"
wait_no_work 30
sqlite3 "$FSD_HOME/fsd.db" "select state, count(*) from jobs group by state" | tee states.txt

say "most jobs were completed"
count() { sqlite3 "$FSD_HOME/fsd.db" "select count(*) from jobs where state in ($1)"; }
completed=$(count 7)
escalated=$(count 9)
waiting=$(count 1)
echo "completed=$completed escalated=$escalated waiting=$waiting"
expect_eq "every job accounted for" $((completed + escalated + waiting)) 30
# a job waits only while no technician of its kind is on shift: then it
# is neither completed nor escalated yet; the rest must have been worked
worked=$((30 - escalated - waiting))
[ "$completed" -ge $((worked > 20 ? 20 : worked)) ] || fail "only $completed of $worked jobs completed"
[ "$completed" -ge 1 ] || fail "no job was completed"

say "every completed job went new → offered → assigned → en_route → on_site → completed"
for j in $(sqlite3 "$FSD_HOME/fsd.db" "select id from jobs where state = 7"); do
    # notes on a job (a booked window: "booked: ...") leave its state as it was
    h=$(ctl_as dana track "$j" --json | jq -r '[.history[] | select(.from != .to) | .to] | join(",")')
    # declines and expiries may repeat new,offered before the accept; on_hold
    # may come between on_site and en_route again
    [[ $h =~ ^new,offered,(new,offered,)*assigned,en_route,on_site,(on_hold,en_route,on_site,)*completed$ ]] \
        || fail "$j history: $h"
done

say "the simulator stops with nothing pending"
kill -TERM "$SIM_PID"
for _ in $(seq 1 50); do kill -0 "$SIM_PID" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$SIM_PID" 2>/dev/null || fail "the simulator did not stop on SIGTERM"
cat sim.json
expect_eq sim-pending "$(jq -r .pending sim.json)" 0
[ "$(jq -r .completed sim.json)" -ge "$completed" ] || fail "the simulator counted fewer completions than the server"
expect_eq sim-outbox "$(sqlite3 sim/sim.db "select count(*) from outbox" 2>/dev/null || echo 0)" 0
echo "fleet ok"
