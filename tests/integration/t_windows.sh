# Appointment windows through the real programs: a window is read in the
# place's zone and refused with a named error when it makes no sense; a job
# with a window is booked only with a technician whose shift covers it and
# whose calendar has room (per-window capacity; travel between jobs at
# --speed-kmh); the customer's answer carries the window, asked then
# booked; explain says why a technician had no room; a cancel frees the
# slot for a waiting job; fsd-agent jobs lists the day in order; bookings
# survive a restart of the server.
. "$ROOT/tests/integration/lib.sh"

# Travel at 10 km/h, so that 2 km between two jobs (13 minutes) matters.
SERVER_OPTS=(--speed-kmh 10 --heartbeat-ms 500)
start_server "${SERVER_OPTS[@]}"

# W1 lives next to P0 and works around the clock; W2 lives 3.5 km away and
# works 06:00-20:00. Both P-NORD, washing machines; capacity 50 so that
# only the calendar limits them.
cat >technicians.csv <<CSV
id,name,provider,territories,skills,capacity,shift,lat,lon
W1,Wanda Eins,P-NORD,mitte,washing_machine;dishwasher,50,24h,52.5350,13.3820
W2,Willi Zwei,P-NORD,mitte,washing_machine;dishwasher,50,daily 06:00-20:00,52.5120,13.4150
CSV
ctl territory load "$EXAMPLES/territories.geojson" >/dev/null
ctl provider load "$EXAMPLES/providers.csv" >/dev/null
ctl agent load technicians.csv >/dev/null
ctl keygen --role intake --name desk --out "$FSD_HOME/keys/desk.key" >/dev/null
ctl keygen --role dispatcher --name dana --out "$FSD_HOME/keys/dana.key" >/dev/null
start_agent W1
start_agent W2

P0="52.5358 13.3813"          # 0.1 km from W1's home
PFAR="52.5500 13.3600"        # 2.1 km from P0: 13 minutes at 10 km/h
DAY=$(TZ=Europe/Berlin date -d tomorrow +%F)
DOW=$(TZ=Europe/Berlin LC_ALL=C date -d tomorrow +%a)
EN=$'\u2013'

# wreq LAT LON WINDOW [--json fields...]: a request with a window (no
# serial: billable work, any skilled technician); prints the JSON answer.
wreq() {
    local args=(--name "Window Customer" --phone "+49 30 5551234" --address "Fensterweg 1, Berlin"
                --lat "$1" --lon "$2" --brand Bosch --category washing_machine --problem "drum does not turn")
    [ -n "$3" ] && args+=(--window "$3")
    ctl_as desk request --json "${args[@]}" || true
}
# wjob LAT LON WINDOW: the job id, or the error code
wjob() { wreq "$@" | jq -r '.job_id // .error.code'; }
# offered_to JOB TECH: the job is offered to TECH and the agent has it
offered_to() {
    wait_state "$1" offered
    expect_eq "$1 offered to" "$(job_tech "$1")" "$2"
    wait_offer "$2" "$1"
}
book() { offered_to "$1" "$2"; check "$2 accepts $1" agent "$2" accept "$1" >/dev/null; }
rule_of() { ctl_as dana explain "$1" --json | jq -r --arg t "$2" '.candidates[] | select(.technician_id == $t) | .failed // ""'; }
detail_of() { ctl_as dana explain "$1" --json | jq -r --arg t "$2" '.candidates[] | select(.technician_id == $t) | .detail // ""'; }

say "bad windows are refused, naming the field, and create nothing"
before=$(job_count)
for bad in "$DOW 16:00-14:00" "2020-01-01 10:00-12:00" "tomorrow 10:00-10:10" "tomorrow 06:00-20:00" \
           "someday 10:00-12:00" "tomorrow 25:00-26:00" "tomorrow 10:00" "$DAY 10:00-12:00 please"; do
    out=$(wreq $P0 "$bad" || true)
    expect_eq "code for '$bad'" "$(jq -r .error.code <<<"$out")" invalid_argument
    expect_eq "field for '$bad'" "$(jq -r .error.field <<<"$out")" window
    jq -e '.error.message | test("window")' <<<"$out" >/dev/null || fail "message for '$bad': $out"
done
msg=$(wreq $P0 "$DOW 16:00-14:00" | jq -r .error.message)
case $msg in *"end must be after its start"*) ;; *) fail "reversed window message: $msg" ;; esac
msg=$(wreq $P0 "tomorrow 10:00-10:10" | jq -r .error.message)
case $msg in *"at least 30 minutes"*) ;; *) fail "short window message: $msg" ;; esac
err=$(ctl_as desk request --name X --phone "+49 30 5551234" --address A --lat 52.5358 --lon 13.3813 \
      --brand Bosch --category washing_machine --problem p --window "Tue 16:00-14:00" 2>&1 >/dev/null || true)
case $err in *"field window"*) ;; *) fail "human error does not name the field: $err" ;; esac
expect_eq "jobs after refusals" "$(job_count)" "$before"

say "an unwindowed job and an evening window go to W1 (W2's shift ends at 20:00)"
J0=$(wjob $P0 "")
book "$J0" W1
J5=$(wjob $P0 "$DAY 20:00-22:00")
book "$J5" W1
expect_eq "W2 for the evening" "$(rule_of "$J5" W2)" shift
case $(detail_of "$J5" W2) in *"daily 06:00-20:00 does not cover"*) ;; *) fail "shift detail: $(detail_of "$J5" W2)" ;; esac

say "J1 tomorrow 10:00-11:00 at P0: asked, then booked with W1"
out=$(wreq $P0 "tomorrow 10:00-11:00")
J1=$(jq -r .job_id <<<"$out")
expect_eq "asked window" "$(jq -r .window_local <<<"$out")" "$DOW $DAY 10:00${EN}11:00"
expect_eq "zone" "$(jq -r .window_tz <<<"$out")" Europe/Berlin
expect_eq "not booked yet" "$(jq -r '.window_booked // false' <<<"$out")" false
jq -e '.window_utc | test("0[89]:00")' <<<"$out" >/dev/null || fail "window_utc: $out"
jq -e '.arrive_by == .window_end and .window_end - .window_start == 3600000' <<<"$out" >/dev/null \
    || fail "arrive_by is not the window's end: $out"
book "$J1" W1
view=$(ctl_as desk track "$J1" --phone "+49 30 5551234" --json)
expect_eq "booked" "$(jq -r '.window_booked // false' <<<"$view")" true
expect_eq "booked event" "$(jq -r '[.history[] | select(.reason | startswith("booked: "))] | length' <<<"$view")" 1
expect_eq "booked reason" "$(jq -r '.history[] | select(.reason | startswith("booked: ")) | .reason' <<<"$view")" \
    "booked: $DOW $DAY 10:00${EN}11:00 Europe/Berlin"
expect_eq "booked by" "$(jq -r '.history[] | select(.reason | startswith("booked: ")) | "\(.actor) \(.technician_id) \(.from) \(.to)"' <<<"$view")" \
    "W1 W1 assigned assigned"
ctl_as desk track "$J1" --phone "+49 30 5551234" | grep -q "^window     $DOW $DAY 10:00${EN}11:00 Europe/Berlin (.* UTC), booked$" \
    || fail "track does not show the booked window: $(ctl_as desk track "$J1" --phone "+49 30 5551234")"

say "J2 in the same window 2 km away: W1 cannot reach both in time, W2 gets it"
J2=$(wjob $PFAR "$DAY 10:00-11:00")
book "$J2" W2
expect_eq "W1 for J2" "$(rule_of "$J2" W1)" window
d=$(detail_of "$J2" W1)
case $d in *"no order reaches every job"*"$J1"*"km away"*) ;; *) fail "W1's detail for J2: $d" ;; esac
ctl_as dana explain "$J2" | grep -q "no order reaches every job" || fail "explain does not show the detail"

say "J3 in the same window at P0: W1 fits it (no travel), W2 cannot (2 km from J2)"
J3=$(wjob $P0 "$DAY 10:00-11:00")
book "$J3" W1
expect_eq "W2 for J3" "$(rule_of "$J3" W2)" window

say "J4 10:30-12:30 at P0: W1 already has 2 jobs in overlapping windows, W2 has room after J2"
J4=$(wjob $P0 "$DAY 10:30-12:30")
book "$J4" W2
expect_eq "W1 for J4" "$(rule_of "$J4" W1)" window
case $(detail_of "$J4" W1) in *"2 jobs already booked in windows overlapping"*) ;; *) fail "W1's detail for J4: $(detail_of "$J4" W1)" ;; esac

say "J6 10:00-11:00 far away: nobody has room, it waits and explain says why"
J6=$(wjob $PFAR "$DAY 10:00-11:00")
sleep 0.5
expect_eq "J6 waits" "$(job_state "$J6")" new
ex=$(ctl_as dana explain "$J6" --json)
jq -e '.outcome | startswith("waiting: no eligible technician has room in the window")' <<<"$ex" >/dev/null \
    || fail "J6 outcome: $(jq -r .outcome <<<"$ex")"
expect_eq "rules for J6" "$(jq -r '[.candidates[] | .failed] | join(",")' <<<"$ex")" window,window
out=$(ctl_as dana reassign "$J6" --agent W1 --reason "squeeze it in" --json || true)
expect_eq "reassign to a full calendar" "$(jq -r .error.code <<<"$out")" capacity
jq -e '.error.message | test("no room in the window")' <<<"$out" >/dev/null || fail "reassign message: $out"
expect_eq "J6 still waits" "$(job_state "$J6")" new

say "cancelling J2 frees W2's slot: the waiting J6 goes to W2"
ctl_as desk cancel "$J2" --reason "customer found another date" >/dev/null
book "$J6" W2

say "fsd-agent jobs shows W1's day in order: windows by start, then the job without one"
for _ in $(seq 1 50); do
    [ "$(agent_jobs W1 | jq '[.jobs[] | select(.offer | not)] | length')" = 4 ] && break
    sleep 0.1
done
order=$(agent_jobs W1 | jq -r '[.jobs[] | select(.offer | not) | .job.job_id] | join(",")')
case $order in "$J1,$J3,$J5,$J0" | "$J3,$J1,$J5,$J0") ;; *) fail "W1's day: $order (want $J1/$J3, $J5, $J0)" ;; esac
human=$(agent W1 jobs)
grep -q "^  -- $DOW $DAY (Europe/Berlin)$" <<<"$human" || fail "no day heading: $human"
grep -q "^  -- without a window$" <<<"$human" || fail "no heading for jobs without a window: $human"
grep -q "window:    $DOW $DAY 20:00${EN}22:00 Europe/Berlin, booked" <<<"$human" || fail "no window line: $human"
first=$(grep -n "^  $J5 " <<<"$human" | cut -d: -f1)
last=$(grep -n "^  $J0 " <<<"$human" | cut -d: -f1)
[ -n "$first" ] && [ -n "$last" ] && [ "$first" -lt "$last" ] || fail "J5 not before J0: $human"
agent_jobs W2 | jq -e --arg j "$J6" '.jobs[] | select(.job.job_id == $j) | .job.window_local' >/dev/null \
    || fail "W2's agent does not carry J6's window"

say "a batch with a window column books as well, and refuses a bad window on its line"
cat >reqs.csv <<CSV
name,phone,address,lat,lon,brand,category,serial,model,problem,window
Batch One,+49 30 5550101,"Fensterweg 2, Berlin",52.5358,13.3813,Bosch,washing_machine,,,leaks,$DAY 20:00-21:00
Batch Two,+49 30 5550102,"Fensterweg 3, Berlin",52.5358,13.3813,Bosch,washing_machine,,,leaks,$DAY 21:00-20:00
Batch Three,+49 30 5550103,"Fensterweg 4, Berlin",52.5358,13.3813,Bosch,washing_machine,,,leaks,
CSV
rc=0
out=$(ctl_as desk request --batch reqs.csv) || rc=$?
expect_eq "batch exit with a refused row" "$rc" 1
grep -q "^line 3 .*refused: window .*end must be after its start" <<<"$out" || fail "batch: $out"
grep -q "^3 requests: 2 accepted, 1 refused" <<<"$out" || fail "batch: $out"
JB=$(grep '^line 2 ' <<<"$out" | awk '{print $3}')
expect_eq "batch window" "$(ctl_as dana track "$JB" --json | jq -r .window_local)" "$DOW $DAY 20:00${EN}21:00"

say "the offer carries the window; a dispatcher's assignment books it, and the agent gets it with the window"
offered_to "$JB" W1
expect_eq "offer's window" "$(agent_jobs W1 | jq -r --arg j "$JB" '.jobs[] | select(.job.job_id == $j and .offer) | .job.window_local')" \
    "$DOW $DAY 20:00${EN}21:00"
ctl_as dana reassign "$JB" --agent W1 --reason "confirmed by phone" >/dev/null
view=$(ctl_as dana track "$JB" --json)
expect_eq "JB booked" "$(jq -r '"\(.state) \(.window_booked // false)"' <<<"$view")" "assigned true"
expect_eq "booked by the dispatcher" "$(jq -r '.history[] | select(.reason | startswith("booked: ")) | .actor' <<<"$view")" dana
for _ in $(seq 1 50); do
    agent_jobs W1 | jq -e --arg j "$JB" '.jobs[] | select(.job.job_id == $j and (.offer | not) and .job.window_booked)' \
        >/dev/null && break
    sleep 0.1
done
agent_jobs W1 | jq -e --arg j "$JB" '.jobs[] | select(.job.job_id == $j and (.offer | not) and .job.window_booked)' \
    >/dev/null || fail "W1's agent has no booked $JB: $(agent_jobs W1)"

say "after a restart the bookings are still there, and still hold their slots"
stop_server
start_server "${SERVER_OPTS[@]}"
for _ in $(seq 1 100); do
    [ "$(ctl_as dana technicians --json | jq '[.technicians[] | select(.online)] | length')" = 2 ] && break
    sleep 0.1
done
expect_eq "both online" "$(ctl_as dana technicians --json | jq '[.technicians[] | select(.online)] | length')" 2
view=$(ctl_as desk track "$J1" --phone "+49 30 5551234" --json)
expect_eq "J1 still booked" "$(jq -r '"\(.state) \(.technician_id) \(.window_booked // false)"' <<<"$view")" "assigned W1 true"
J8=$(wjob $P0 "$DAY 10:15-11:15")
sleep 0.5
expect_eq "J8 waits" "$(job_state "$J8")" new
expect_eq "W1 for J8 after the restart" "$(rule_of "$J8" W1)" window
case $(detail_of "$J8" W1) in *"2 jobs already booked"*) ;; *) fail "W1's detail for J8: $(detail_of "$J8" W1)" ;; esac
expect_eq "W2 for J8 after the restart" "$(rule_of "$J8" W2)" window
check_event_chains
echo "windows ok"
