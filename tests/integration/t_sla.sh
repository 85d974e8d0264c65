# SLA policies and working hours: bad files are refused whole with every bad
# line named; deadlines are decided at intake from the most specific policy,
# counted in the territory's working hours (a Saturday-evening request is due
# in Monday's hours, a closed Monday moves it to Tuesday) or 24x7; the timers
# raise "at risk" then "breached" once per deadline, in order, as events on
# the job; fsdctl escalations lists breached, then at risk, then escalated
# jobs, by priority and customer tier; a priority-tier customer's job is
# matched first when capacity frees; a restart keeps the flags and raises
# nothing twice.
. "$ROOT/tests/integration/lib.sh"
start_server
load_test_data

# run_rc EXIT COMMAND...: the command must exit with EXIT; prints its stdout
run_rc() {
    local want=$1 rc=0 out; shift
    out=$("$@") || rc=$?
    [ "$rc" = "$want" ] || fail "$* exited $rc, want $want: $out"
    printf '%s\n' "$out"
}

# submit LAT LON BRAND CATEGORY SERIAL PHONE URGENCY REPORTED_MS: the job id
submit() {
    local args=(--json --name "SLA Customer" --phone "$6" --address "Teststraße 9, Berlin"
                --lat "$1" --lon "$2" --brand "$3" --category "$4" --problem "broken")
    [ -n "${5:-}" ] && args+=(--serial "$5")
    [ -n "${7:-}" ] && args+=(--urgency "$7")
    [ -n "${8:-}" ] && args+=(--reported-at "$8")
    ctl_as desk request "${args[@]}" | jq -r '.job_id // .error.message'
}
view() { ctl_as dana track "$1" --json; }
# sla_events JOB: the job's "at risk:" and "breached:" reasons, oldest first
sla_events() { view "$1" | jq -r '.history[] | .reason // "" | select(test("^(at risk|breached):"))'; }
# sla_kinds JOB: "at risk: assign-by|breached: assign-by|..." in order
sla_kinds() { sla_events "$1" | sed -E 's/^(at risk|breached): ([a-z-]+).*/\1: \2/' | paste -sd'|'; }
# berlin_ms "YYYY-MM-DD HH:MM": that Berlin wall time in UTC milliseconds
berlin_ms() { echo $(( $(TZ=Europe/Berlin date -d "$1" +%s) * 1000 )); }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

PANKOW="52.6181 13.4562"
SPANDAU="52.5180 13.1620"
LICHTENBERG="52.5286 13.4913"
old=$(date -u -d '-5 years' +%F)
cat >extra-products.csv <<CSV
serial,brand,model,category,owner,purchase_date,warranty_months,extended_until
FR-OLD,Liebherr,K1,fridge,Test Owner,$old,24,
CSV
cat >extra-technicians.csv <<CSV
id,name,provider,territories,skills,capacity,shift,lat,lon
X1,Xaver Ofen,P-NORD,mitte,oven,1,24h,52.5300,13.3850
CSV
ctl product load extra-products.csv >/dev/null
ctl agent load extra-technicians.csv >/dev/null

say "without policies a job keeps the server's defaults (24x7), fix-by included"
job=$(submit $MITTE Bosch washing_machine WM-EXT "+49 30 5551000")
case $job in J*) ;; *) fail "request refused: $job" ;; esac
v=$(view "$job")
expect_eq policy "$(jq -r .sla_policy <<<"$v")" default
expect_eq clock "$(jq -r .sla_clock <<<"$v")" 24x7
expect_eq assign-window "$(jq -r '.assign_by - .created_at' <<<"$v")" 3600000
expect_eq fix-window "$(jq -r '.fix_by - .created_at' <<<"$v")" $((4320 * 60000))
ctl_as dana cancel "$job" --reason "test over" >/dev/null

say "bad policy and hours files: refused whole, every bad line named"
cat >bad-sla.csv <<'CSV'
id,warranty,tier,urgency,assign_min,arrive_min,fix_min,clock
OK1,*,*,*,60,240,600,business
BAD-W,broken,*,*,60,240,600,business
BAD-ORDER,expired,*,*,60,30,600,business
DUP,in_warranty,*,*,60,240,600,business
DUP2,in_warranty,*,*,10,20,30,24x7
BAD-NUM,extended,*,*,sixty,240,600,business
BAD-CLOCK,unregistered,*,*,1,2,3,weekdays
CSV
run_rc 1 ctl sla load bad-sla.csv 2>err.txt >/dev/null
cat err.txt
for want in ":3: warranty" ":4: arrive_min" ":6: warranty" ":7: assign_min" ":8: clock"; do
    grep -q "^bad-sla.csv$want" err.txt || fail "bad-sla.csv$want not reported"
done
! grep -qE '^bad-sla.csv:(2|5):' err.txt || fail "a good line was reported"
grep -q "same warranty, tier and urgency as policy DUP (line 5)" err.txt || fail "duplicate keys: $(cat err.txt)"
expect_eq "policies stored" "$(db 'select count(*) from sla_policies')" 0
cat >bad-hours.csv <<'CSV'
territory,hours,closed
mitte,mon-fri 08:00-18:00,
atlantis,24x7,
pankow,mon-fri 8-18,
spandau,24x7,2026-02-30
mitte,24x7,
CSV
run_rc 1 ctl hours load bad-hours.csv 2>err.txt >/dev/null
cat err.txt
for want in ":3: territory" ":4: hours" ":5: closed" ":6: territory"; do
    grep -q "^bad-hours.csv$want" err.txt || fail "bad-hours.csv$want not reported"
done
! grep -q '^bad-hours.csv:2:' err.txt || fail "the good line 2 was reported"
expect_eq "hours stored" "$(db 'select count(*) from working_hours')" 0
out=$(run_rc 1 ctl hours load bad-hours.csv --json)
expect_eq "json errors" "$(jq '.errors | length' <<<"$out")" 4

say "load working hours (Pankow closed on the Monday after last Saturday) and policies"
sat_day=$(TZ=Europe/Berlin date -d 'last saturday' +%F)
mon=$(date -d "$sat_day +2 days" +%F)
tue=$(date -d "$sat_day +3 days" +%F)
sat_19=$(berlin_ms "$sat_day 19:00")
cat >hours.csv <<CSV
territory,hours,closed
mitte,mon-fri 08:00-18:00; sat 09:00-13:00,
pankow,mon-fri 08:00-18:00,$mon;12-25
*,24x7,
CSV
cat >sla.csv <<'CSV'
id,warranty,tier,urgency,assign_min,arrive_min,fix_min,clock
BIZ,*,*,*,60,240,600,business
TIMERS,expired,standard,high,0.05,0.1,0.15,24x7
WORK,in_warranty,standard,high,0.1,0.15,0.25,24x7
U-STD,unregistered,standard,normal,100,200,300,24x7
U-STD-HIGH,unregistered,standard,high,100,200,300,24x7
U-PRIO,unregistered,priority,*,100,200,300,24x7
CSV
out=$(run_rc 0 ctl hours load hours.csv)
expect_eq "hours load" "$out" "loaded 3 territory hours from hours.csv"
out=$(run_rc 0 ctl sla load sla.csv)
expect_eq "sla load" "$out" "loaded 6 sla policies from sla.csv"
expect_eq "dispatchers may not load" "$(run_rc 1 ctl_as dana sla load sla.csv --json | jq -r .error.code)" forbidden

say "a Saturday-evening request is due in Monday's hours (business clock)"
job=$(submit $MITTE Bosch washing_machine WM-EXT "+49 30 5551001" "" "$sat_19")
v=$(view "$job")
expect_eq policy "$(jq -r .sla_policy <<<"$v")" BIZ
expect_eq clock "$(jq -r .sla_clock <<<"$v")" business
expect_eq "assign by Monday 09:00" "$(jq -r .assign_by <<<"$v")" "$(berlin_ms "$mon 09:00")"
expect_eq "arrive by Monday 12:00" "$(jq -r .arrive_by <<<"$v")" "$(berlin_ms "$mon 12:00")"
expect_eq "fix by Monday 18:00" "$(jq -r .fix_by <<<"$v")" "$(berlin_ms "$mon 18:00")"
ctl_as dana track "$job" | grep -q "^sla        policy BIZ, counted in the territory's working hours" \
    || fail "track does not show the policy: $(ctl_as dana track "$job")"
ctl_as dana track "$job" | grep -q "^fix by " || fail "track does not show fix by"
ctl_as dana cancel "$job" --reason "test over" >/dev/null

say "Pankow is closed that Monday: due Tuesday"
job=$(submit $PANKOW Bosch washing_machine WM-EXT "+49 30 5551002" "" "$sat_19")
v=$(view "$job")
expect_eq territory "$(jq -r .territory <<<"$v")" pankow
expect_eq "assign by Tuesday 09:00" "$(jq -r .assign_by <<<"$v")" "$(berlin_ms "$tue 09:00")"
expect_eq "fix by Tuesday 18:00" "$(jq -r .fix_by <<<"$v")" "$(berlin_ms "$tue 18:00")"
ctl_as dana cancel "$job" --reason "test over" >/dev/null

say "Spandau has the '*' hours (24x7): the business clock counts every minute"
job=$(submit $SPANDAU Bosch washing_machine WM-EXT "+49 30 5551003" "" "$sat_19")
v=$(view "$job")
expect_eq territory "$(jq -r .territory <<<"$v")" spandau
expect_eq "assign by Saturday 20:00" "$(jq -r .assign_by <<<"$v")" $((sat_19 + 3600000))
expect_eq "fix by Sunday 05:00" "$(jq -r .fix_by <<<"$v")" $((sat_19 + 600 * 60000))
ctl_as dana cancel "$job" --reason "test over" >/dev/null

say "timers: at risk, then breached, once per deadline, in order"
start_agent A1
# waits (C1, the only fridge technician, is offline): assign 3 s, arrive 6 s, fix 9 s
waiting=$(submit $SPANDAU Liebherr fridge FR-OLD "+49 30 5551004" high)
# goes to A1, who accepts: arrive-by 9 s and fix-by 15 s run while it is assigned
working=$(submit $MITTE Bosch washing_machine WM-NEW "+49 30 5551005" high)
expect_eq "waiting policy" "$(view "$waiting" | jq -r .sla_policy)" TIMERS
expect_eq "working policy" "$(view "$working" | jq -r .sla_policy)" WORK
wait_offer A1 "$working"
check "accept" agent A1 accept "$working"
for _ in $(seq 1 250); do
    [ "$(sla_events "$waiting" | grep -c '^breached: fix-by')" = 1 ] \
        && [ "$(sla_events "$working" | grep -c '^breached: fix-by')" = 1 ] && break
    sleep 0.1
done
sla_events "$waiting" | sed 's/^/  waiting: /'
sla_events "$working" | sed 's/^/  working: /'
expect_eq "waiting job's SLA events" "$(sla_kinds "$waiting")" \
    "at risk: assign-by|breached: assign-by|breached: arrive-by|breached: fix-by"
expect_eq "working job's SLA events" "$(sla_kinds "$working")" \
    "at risk: arrive-by|breached: arrive-by|at risk: fix-by|breached: fix-by"
v=$(view "$working")
expect_eq "working state" "$(jq -r .state <<<"$v")" assigned
expect_eq "working breached" "$(jq -r '.breached | join(",")' <<<"$v")" "arrive-by,fix-by"
expect_eq "working overdue" "$(jq -r '.overdue // false' <<<"$v")" true
expect_eq "working at_risk" "$(jq -r '.at_risk // false' <<<"$v")" true
jq -e '[.history[] | select(.reason // "" | test("^(at risk|breached):")) | select(.from == .to)] | length == 4' <<<"$v" \
    >/dev/null || fail "SLA events must not change the state"
view "$working" | jq -r '.history[] | .reason // "" | select(startswith("breached: arrive-by"))' \
    | grep -q "policy WORK, 24x7), state assigned, technician A1 online" || fail "breach reason: $(sla_events "$working")"
v=$(view "$waiting")
expect_eq "waiting state" "$(jq -r .state <<<"$v")" escalated
expect_eq "waiting breached" "$(jq -r '.breached | join(",")' <<<"$v")" "assign-by,arrive-by,fix-by"
board=$(ctl_as dana board --json)
jq -e --arg a "$waiting" --arg b "$working" '[.breached[]?.job_id] | index($a) and index($b)' <<<"$board" >/dev/null \
    || fail "board's breached queue: $(jq -c '[.breached[]?.job_id]' <<<"$board")"
ctl_as dana board | grep -A4 '^breached' | grep -q "$working" || fail "board text does not list $working as breached"
ctl_as dana track "$working" | grep -q '^breached   arrive-by, fix-by (overdue now)' \
    || fail "track: $(ctl_as dana track "$working")"
sleep 1
expect_eq "no more events (waiting)" "$(sla_events "$waiting" | wc -l)" 4
expect_eq "no more events (working)" "$(sla_events "$working" | wc -l)" 4

say "priority-tier customers are served first when capacity frees"
ctl customer set "+49 30 5552002" --name "Pia Prio" --tier priority >/dev/null
start_agent X1
o1=$(submit $MITTE Miele oven "" "+49 30 5552000")
wait_offer X1 "$o1"
check "accept o1" agent X1 accept "$o1"
# X1 (capacity 1) is full: both wait; o2 is urgent (high priority) and
# earlier, o3 comes from a priority-tier customer (high priority too)
o2=$(submit $MITTE Miele oven "" "+49 30 5552001" high)
sleep 0.2
o3=$(submit $MITTE Miele oven "" "+49 30 5552002")
wait_state "$o2" new
wait_state "$o3" new
expect_eq "o2 priority" "$(view "$o2" | jq -r .priority)" high
expect_eq "o3 priority" "$(view "$o3" | jq -r .priority)" high
[ "$(view "$o2" | jq -r .assign_by)" -lt "$(view "$o3" | jq -r .assign_by)" ] || fail "o2 should be due first"
check "en_route" agent X1 status "$o1" en_route
check "on_site" agent X1 status "$o1" on_site
check "completed" agent X1 status "$o1" completed
wait_state "$o3" offered
expect_eq "o3 holder" "$(job_tech "$o3")" X1
expect_eq "o2 still waits" "$(job_state "$o2")" new

say "escalations: breached, then at risk, then escalated only; by priority and tier"
now=$(now_ms)
ctl customer set "+49 30 5553004" --name "Pia Prio Zwei" --tier priority >/dev/null
# coffee machines: nobody has the skill, so each is escalated at once
e1=$(submit $LICHTENBERG Jura coffee_machine "" "+49 30 5553001" "" $((now - 400 * 60000)))
e2=$(submit $LICHTENBERG Jura coffee_machine "" "+49 30 5553002" high $((now - 150 * 60000)))
e3=$(submit $LICHTENBERG Jura coffee_machine "" "+49 30 5553003" "" $((now - 80 * 60000)))
e4=$(submit $LICHTENBERG Jura coffee_machine "" "+49 30 5553004" "" $((now - 78 * 60000)))
e5=$(submit $LICHTENBERG Jura coffee_machine "" "+49 30 5553005")
e6=$(submit $LICHTENBERG Jura coffee_machine "" "+49 30 5553006" high)
for j in $e1 $e2 $e3 $e4 $e5 $e6; do wait_state "$j" escalated; done
expect_eq "e4 policy" "$(view "$e4" | jq -r .sla_policy)" U-PRIO
esc=$(ctl_as dana escalations --territory lichtenberg --json)
jq -c '.items[] | [.job.job_id, .status, .deadline, .seconds_left]' <<<"$esc"
expect_eq order "$(jq -r '[.items[].job.job_id] | join(",")' <<<"$esc")" "$e2,$e1,$e4,$e3,$e6,$e5"
expect_eq statuses "$(jq -r '[.items[].status] | join(",")' <<<"$esc")" \
    "breached,breached,at_risk,at_risk,escalated,escalated"
expect_eq deadlines "$(jq -r '[.items[].deadline] | unique | join(",")' <<<"$esc")" "assign-by"
jq -e '.items[0].seconds_left < 0 and .items[2].seconds_left > 0 and .items[4].seconds_left > 0' <<<"$esc" >/dev/null \
    || fail "seconds_left: $(jq -c '[.items[].seconds_left]' <<<"$esc")"
expect_eq total "$(jq -r .total <<<"$esc")" 6
text=$(ctl_as dana escalations --territory lichtenberg)
echo "$text"
grep -q "^  breached  $e2 .*lichtenberg .*escalated .*assign-by .*overdue " <<<"$text" || fail "escalations table"
grep -q "^  at_risk   $e4 .* in " <<<"$text" || fail "escalations table (at risk)"
# the whole server: the breached timer jobs come before anything at risk
all=$(ctl_as dana escalations --json)
jq -e --arg w "$waiting" --arg r "$e4" '[.items[].job.job_id] | index($w) < index($r)' <<<"$all" >/dev/null \
    || fail "all escalations: $(jq -c '[.items[] | [.job.job_id, .status]]' <<<"$all")"
expect_eq "limit" "$(ctl_as dana escalations --limit 2 --json | jq '.items | length')" 2
expect_eq "intake may not" "$(run_rc 1 ctl_as desk escalations --json | jq -r .error.code)" forbidden
expect_eq "unknown territory" "$(run_rc 1 ctl_as dana escalations --territory atlantis --json | jq -r .error.code)" not_found
run_rc 2 ctl_as dana escalations --limit 0 >/dev/null 2>&1
expect_eq "e1 breached" "$(view "$e1" | jq -r '.breached | join(",")')" "assign-by,arrive-by,fix-by"
expect_eq "e3 at risk, no event" "$(view "$e3" | jq -r '"\(.at_risk // false) \(.breached | length)"')" "true 0"
expect_eq "e3 events" "$(sla_events "$e3" | wc -l)" 0

say "a restart keeps the flags and raises nothing twice"
snapshot() { for j in $waiting $working $e1 $e2 $e3; do echo "$j $(sla_events "$j" | wc -l) $(view "$j" | jq -c '[.breached, .at_risk]')"; done; }
before=$(snapshot)
stop_server
start_server
sleep 1.5
after=$(snapshot)
echo "$after"
expect_eq "after restart" "$after" "$before"
[ "$(db "select sla_flags from jobs where id = '$waiting'")" = 63 ] || fail "waiting job's flags: $(db "select sla_flags from jobs where id = '$waiting'")"
echo "sla ok"
