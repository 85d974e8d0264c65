# A dispatcher's move is judged by the matcher's rules before anything
# changes: --check answers which rule a move would break and changes
# nothing; a soft rule (territory, offline, ...) needs --override and a
# reason, recorded in the job's history with who; hard rules (skill,
# warranty, capacity) hold even with --override; moving a job back to its
# previous holder (undo) works.
. "$ROOT/tests/integration/lib.sh"
start_server
load_test_data
# D1 washes in steglitz-zehlendorf: neither mitte nor a neighbour of it
echo "D1,Dora Sued,P-SUED,steglitz-zehlendorf,washing_machine,2,24h,52.4340,13.2590" >>technicians.csv
check "technicians with D1" ctl agent load technicians.csv >/dev/null
start_agent A1
start_agent A2
start_agent D1
# A3 and B1 stay offline

snap() { ctl_as dana track "$1" --json | jq -c '[.state, (.technician_id // ""), .version, (.history | length)]'; }
reasons() { ctl_as dana track "$1" --json | jq -r '[.history[] | (.actor + ": " + (.reason // ""))] | join("\n")'; }

say "a Bosch warranty job, accepted by A1"
job=$(request $MITTE Bosch washing_machine WM-NEW)
case $job in J*) ;; *) fail "request refused: $job" ;; esac
wait_offer A1 "$job"
check "A1 accepts" agent A1 accept "$job" >/dev/null
wait_state "$job" assigned

say "--check names a hard rule (warranty: A2's provider) and changes nothing"
before=$(snap "$job")
rc=0; out=$(ctl_as dana reassign "$job" --agent A2 --check --json) || rc=$?
expect_eq check-exit "$rc" 1
expect_eq check "$(jq -r '[.ok // false, .rule, .overridable // false, .code] | join(",")' <<<"$out")" \
    false,warranty,false,rule_broken
expect_eq unchanged "$(snap "$job")" "$before"
rc=0; ctl_as dana reassign "$job" --agent A2 --check >check.txt || rc=$?
grep -q "refused by rule warranty" check.txt || fail "human check: $(cat check.txt)"
out=$(ctl_as dana reassign "$job" --agent A2 --override --reason "just this once" --json || true)
expect_eq hard-override "$(jq -r '[.error.code, .error.rule] | join(",")' <<<"$out")" rule_broken,warranty
out=$(ctl_as dana reassign "$job" --agent C1 --override --reason "try" --json || true)
expect_eq skill "$(jq -r '[.error.code, .error.rule, .error.field] | join(",")' <<<"$out")" rule_broken,skill,technician_id
expect_eq still "$(snap "$job")" "$before"

say "an out-of-warranty job held by A1; A3 is offline: a soft rule"
job2=$(request $MITTE Bosch washing_machine WM-OLD "+49 30 5550001")
for _ in $(seq 1 100); do [ "$(job_state "$job2")" = offered ] && break; sleep 0.1; done
holder=$(job_tech "$job2")
check "holder accepts" agent "$holder" accept "$job2" >/dev/null
wait_state "$job2" assigned
before=$(snap "$job2")
rc=0; out=$(ctl_as dana reassign "$job2" --agent A3 --check --json) || rc=$?
expect_eq soft-check "$(jq -r '[.ok // false, .rule, .overridable] | join(",")' <<<"$out")" false,offline,true
expect_eq soft-unchanged "$(snap "$job2")" "$before"
out=$(ctl_as dana reassign "$job2" --agent A3 --reason "closer" --json || true)
expect_eq soft-refused "$(jq -r '[.error.code, .error.rule] | join(",")' <<<"$out")" override_needed,offline
expect_eq soft-unchanged2 "$(snap "$job2")" "$before"
rc=0; ctl_as dana reassign "$job2" --agent A3 --override >/dev/null 2>&1 || rc=$?
expect_eq override-needs-reason "$rc" 2

say "--override with a reason moves it; the history names the rule, the reason and who"
view=$(ctl_as dana reassign "$job2" --agent A3 --override --reason "A3 is back in ten minutes" --json)
expect_eq moved "$(jq -r '[.state, .technician_id] | join(",")' <<<"$view")" assigned,A3
reasons "$job2" | grep -q "^dana: reassigned to A3 overriding offline (A3 is offline.*): A3 is back in ten minutes" \
    || fail "history: $(reasons "$job2")"

say "undo: back to the previous holder, allowed as before"
rc=0; ctl_as dana reassign "$job2" --agent "$holder" --check >/dev/null || rc=$?
expect_eq undo-check "$rc" 0
expect_eq undo "$(ctl_as dana reassign "$job2" --agent "$holder" --reason "undo" --json | jq -r .technician_id)" "$holder"

say "territory: D1 covers neither mitte nor a neighbour; overridable"
out=$(ctl_as dana reassign "$job2" --agent D1 --check --json || true)
expect_eq terr-check "$(jq -r '[.rule, .overridable] | join(",")' <<<"$out")" territory,true
view=$(ctl_as dana reassign "$job2" --agent D1 --override --reason "customer asked for Dora" --json)
expect_eq terr-moved "$(jq -r .technician_id <<<"$view")" D1
reasons "$job2" | grep -q "^dana: reassigned to D1 overriding territory" || fail "history: $(reasons "$job2")"

say "capacity is hard: A2 (capacity 1) holds one job, a second is refused even with --override"
job3=$(request $MITTE Bosch washing_machine WM-OLD "+49 30 5550002")
for _ in $(seq 1 100); do [ "$(job_state "$job3")" = offered ] && break; sleep 0.1; done
h3=$(job_tech "$job3")
check "holder accepts" agent "$h3" accept "$job3" >/dev/null
wait_state "$job3" assigned
if [ "$h3" != A2 ]; then
    check "to A2" ctl_as dana reassign "$job3" --agent A2 --reason "A2 is free" >/dev/null
fi
out=$(ctl_as dana reassign "$job2" --agent A2 --override --reason "squeeze" --json || true)
expect_eq cap "$(jq -r '[.error.code, .error.rule] | join(",")' <<<"$out")" capacity,capacity
rc=0; out=$(ctl_as dana reassign "$job3" --agent A2 --check --json) || rc=$?
expect_eq own-slot "$(jq -r .ok <<<"$out")" true

say "a territory move's check changes nothing either"
before=$(snap "$job2")
out=$(ctl_as dana reassign "$job2" --territory pankow --check --json)
expect_eq terr-move-check "$(jq -r .ok <<<"$out")" true
expect_eq terr-unchanged "$(snap "$job2")" "$before"
echo "move check ok"
