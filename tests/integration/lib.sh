# tests/integration/lib.sh — helpers for tests that run the real programs.
#
# A test is a bash script run in a fresh temporary directory (its cwd) with
# BIN (the binaries), ROOT (the repository) and FSD_TEST_PORT set. It sources
# this file, calls what it needs, and exits non-zero on the first failed
# check. Every process it starts is killed when it exits.
set -euo pipefail

export FSD_HOME=$PWD/data
# the server checks its invariants after every batch (server/invariants.h)
export FSD_CHECK=${FSD_CHECK-1}
export FSD_SERVER=tcp://127.0.0.1:${FSD_TEST_PORT:-17300}
export FSD_SERVER_KEY=$FSD_HOME/keys/server.pub
export FSD_KEY=$FSD_HOME/keys/admin.key
EXAMPLES=$ROOT/examples
PIDS=()

cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    sleep 0.2
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

say() { echo "--- $*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

# check DESCRIPTION COMMAND...: the command must succeed
check() { local what=$1; shift; "$@" || fail "$what"; }
# expect_eq WHAT GOT WANT
expect_eq() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; }

# Starts fsd-server on $FSD_SERVER with $FSD_HOME; extra options pass through.
# Waits for this start's own "listening" line: the log keeps earlier ones.
start_server() {
    local before
    before=$(grep -c 'event=listening' server.log 2>/dev/null || true)
    "$BIN/fsd-server" --data "$FSD_HOME" --listen "$FSD_SERVER" "$@" >>server.log 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    for _ in $(seq 1 100); do
        [ -f "$FSD_HOME/keys/admin.key" ] \
            && [ "$(grep -c 'event=listening' server.log 2>/dev/null || true)" -gt "${before:-0}" ] && return 0
        sleep 0.05
    done
    fail "fsd-server did not start: $(tail -5 server.log)"
}

stop_server() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
}

ctl() { "$BIN/fsdctl" "$@"; }
# ctl_as KEYNAME ARGS...: fsdctl with the key $FSD_HOME/keys/KEYNAME.key
ctl_as() { local k=$1; shift; FSD_KEY=$FSD_HOME/keys/$k.key "$BIN/fsdctl" "$@"; }

# Loads the sample data set and makes the intake and dispatcher keys.
load_examples() {
    ctl territory load "$EXAMPLES/territories.geojson" >/dev/null
    ctl provider load "$EXAMPLES/providers.csv" >/dev/null
    ctl agent load "${1:-$EXAMPLES/technicians.csv}" >/dev/null
    ctl product load "$EXAMPLES/products.csv" >/dev/null
    ctl customer load "$EXAMPLES/customers.csv" >/dev/null
    ctl keygen --role intake --name desk --out "$FSD_HOME/keys/desk.key" >/dev/null
    ctl keygen --role dispatcher --name dana --out "$FSD_HOME/keys/dana.key" >/dev/null
}

# Starts an fsd-agent daemon for technician ID (key made and registered).
start_agent() {
    local id=$1; shift
    mkdir -p "agents/$id"
    [ -f "agents/$id/agent.key" ] || ctl keygen --role agent --name "$id" --out "agents/$id/agent.key" >/dev/null
    "$BIN/fsd-agent" --home "agents/$id" run "$@" >>"agents/$id.log" 2>&1 &
    PIDS+=($!)
    eval "AGENT_PID_$id=$!"
    for _ in $(seq 1 100); do
        grep -q 'event=welcome' "agents/$id.log" 2>/dev/null && return 0
        sleep 0.05
    done
    fail "fsd-agent $id did not get a session: $(tail -5 agents/$id.log)"
}

agent() { local id=$1; shift; "$BIN/fsd-agent" --home "agents/$id" "$@"; }

# JSON field of a fsdctl --json command: jqf FILTER COMMAND...
jqf() { local f=$1; shift; "$@" --json | jq -r "$f"; }

# Submits a request as the intake desk; prints the job id.
# request LAT LON BRAND CATEGORY [SERIAL] [PHONE]
request() {
    ctl_as desk request --json --name "Test Customer" --phone "${6:-+49 30 5550000}" \
        --address "Teststraße 1, Berlin" --lat "$1" --lon "$2" --brand "$3" --category "$4" \
        --serial "${5:-}" --problem "it is broken" | jq -r '.job_id // .error.code'
}

job_state() { ctl_as dana track "$1" --json | jq -r .state; }
job_tech() { ctl_as dana track "$1" --json | jq -r '.technician_id // ""'; }

# wait_state JOB STATE [SECONDS]
wait_state() {
    local s
    for _ in $(seq 1 $(( ${3:-10} * 10 ))); do
        s=$(job_state "$1")
        [ "$s" = "$2" ] && return 0
        sleep 0.1
    done
    fail "job $1 is $s, waited for $2"
}

# A small fleet with all-day shifts so tests do not depend on the clock:
#   A1 P-NORD  mitte (Bosch, Siemens...)   washing_machine,dishwasher  cap 2  near the centre
#   A2 P-WEST  mitte (Siemens, Miele...)   washing_machine,dishwasher  cap 1  2 km off
#   A3 R-KIEZ  mitte (no brands)           washing_machine             cap 2  closest of all
#   B1 P-NORD  pankow (mitte's neighbour)  washing_machine             cap 2
#   C1 P-WEST  spandau                     fridge                      cap 1
# Products: WM-NEW (Bosch washing machine, bought 3 months ago: in_warranty),
# WM-OLD (expired), WM-EXT (expired, extended contract until next year),
# SM-NEW (Siemens washing machine, in warranty).
MITTE="52.5358 13.3813"
load_test_data() {
    cat >technicians.csv <<CSV
id,name,provider,territories,skills,capacity,shift,lat,lon
A1,Anna Eins,P-NORD,mitte,washing_machine;dishwasher,2,24h,52.5300,13.3850
A2,Arne Zwei,P-WEST,mitte,washing_machine;dishwasher,1,24h,52.5200,13.4000
A3,Ali Drei,R-KIEZ,mitte,washing_machine,2,24h,52.5360,13.3820
B1,Berta Pankow,P-NORD,pankow,washing_machine,2,24h,52.6100,13.4400
C1,Carl Spandau,P-WEST,spandau,fridge,1,24h,52.5130,13.1680
CSV
    local recent old next
    recent=$(date -u -d '-3 months' +%F)
    old=$(date -u -d '-5 years' +%F)
    next=$(date -u -d '+1 year' +%F)
    cat >products.csv <<CSV
serial,brand,model,category,owner,purchase_date,warranty_months,extended_until
WM-NEW,Bosch,WAX32,washing_machine,Test Owner,$recent,24,
WM-OLD,Bosch,WAX28,washing_machine,Test Owner,$old,24,
WM-EXT,Bosch,WAX30,washing_machine,Test Owner,$old,24,$next
SM-NEW,Siemens,WM14,washing_machine,Test Owner,$recent,24,
CSV
    ctl territory load "$EXAMPLES/territories.geojson" >/dev/null
    ctl provider load "$EXAMPLES/providers.csv" >/dev/null
    ctl agent load technicians.csv >/dev/null
    ctl product load products.csv >/dev/null
    ctl customer load "$EXAMPLES/customers.csv" >/dev/null
    ctl keygen --role intake --name desk --out "$FSD_HOME/keys/desk.key" >/dev/null
    ctl keygen --role dispatcher --name dana --out "$FSD_HOME/keys/dana.key" >/dev/null
}

# The agent's local view (fsd-agent jobs --json).
agent_jobs() { agent "$1" jobs --json; }
# wait_offer TECH JOB: until the agent shows an open offer for JOB
wait_offer() {
    for _ in $(seq 1 100); do
        agent_jobs "$1" | jq -e --arg j "$2" '.jobs[]? | select(.job.job_id == $j and .offer)' >/dev/null && return 0
        sleep 0.1
    done
    fail "$1 never showed an offer for $2: $(agent_jobs "$1")"
}

# stat_counter NAME: one of the server's counters (fsdctl stats), 0 when unset.
stat_counter() { ctl stats --json | jq -r --arg n "$1" '[.counters[] | select(.name == $n) | .value // 0][0] // 0'; }

# The number of jobs in the database, whatever their state.
job_count() { sqlite3 "$FSD_HOME/fsd.db" "select count(*) from jobs"; }

# ---- invariants read from the database (fault and fleet tests)

db() { sqlite3 "$FSD_HOME/fsd.db" "$@"; }

# Every job's events chain from → to without a gap and end in the job's
# state and (for held states) its holder; every job has events. A conflict
# note (a late report of a technician who no longer holds the job) names that
# technician, not the holder, so it is not the event the holder is read from.
check_event_chains() {
    local bad
    bad=$(db "with e as (select job_id, from_state, to_state, technician_id, id,
               lag(to_state, 1, 0) over (partition by job_id order by id) as prev,
               row_number() over (partition by job_id order by id desc) as back
             from job_events where reason not like 'conflict:%')
         select job_id || ': event ' || id || ' from ' || from_state || ' but previous to ' || prev
           from e where from_state != prev
         union all
         select j.id || ': state ' || j.state || ' but last event to ' || e.to_state
           from jobs j join e on e.job_id = j.id and e.back = 1 where e.to_state != j.state
         union all
         select j.id || ': held by ' || j.technician_id || ' but last event names ' || e.technician_id
           from jobs j join e on e.job_id = j.id and e.back = 1
          where j.state in (2,3,4,5,6) and e.technician_id != j.technician_id
         union all
         select id || ': no events' from jobs where id not in (select job_id from job_events)")
    [ -z "$bad" ] || fail "event logs: $bad"
}

# No technician holds more jobs than its capacity; CAP_SQL is an SQL
# expression over technician_id giving the capacity (e.g. 3).
check_capacity() {
    local over
    over=$(db "select technician_id || ' holds ' || count(*) from jobs where state in (2,3,4,5,6)
               group by technician_id having count(*) > ($1)")
    [ -z "$over" ] || fail "over capacity: $over"
}

# wait_no_work SECONDS [WHERE]: until no job matching WHERE is offered,
# assigned, en route, on site or on hold for three looks in a row.
wait_no_work() {
    local where=${2:-1} quiet=0 held
    for _ in $(seq 1 $(( $1 * 5 ))); do
        held=$(db "select count(*) from jobs where ($where) and state in (2,3,4,5,6)")
        if [ "$held" = 0 ]; then
            quiet=$((quiet + 1))
            [ $quiet -ge 3 ] && return 0
        else
            quiet=0
        fi
        sleep 0.2
    done
    fail "$held jobs still in work after $1 s"
}
