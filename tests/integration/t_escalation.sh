# Work nobody can take escalates at once; a position outside every territory
# is refused (out_of_area) without creating a job; the warranty status comes
# from the product register (expired, extended, unregistered) and decides who
# may take the job: expired work is billable, so the independent A3 gets it.
. "$ROOT/tests/integration/lib.sh"
start_server
load_test_data
start_agent A1
start_agent A3

njobs() { ctl_as dana jobs --json | jq '.jobs | length'; }

say "an air conditioner in mitte: nobody has the skill, escalated at once"
job=$(request $MITTE Daikin air_conditioner)
case $job in J*) ;; *) fail "request refused: $job" ;; esac
expect_eq state "$(job_state "$job")" escalated
expect_eq holder "$(job_tech "$job")" ""
ex=$(ctl_as dana explain "$job" --json)
jq -e '.outcome | startswith("escalated")' <<<"$ex" >/dev/null || fail "outcome: $(jq -r .outcome <<<"$ex")"
expect_eq chosen "$(jq '[.candidates[] | select(.chosen)] | length' <<<"$ex")" 0
expect_eq A1-rule "$(jq -r '.candidates[] | select(.technician_id=="A1") | .failed' <<<"$ex")" skill
expect_eq A3-rule "$(jq -r '.candidates[] | select(.technician_id=="A3") | .failed' <<<"$ex")" skill
expect_eq warranty "$(ctl_as dana track "$job" --json | jq -r .warranty)" unregistered
board=$(ctl_as dana board --json)
expect_eq board-escalated "$(jq --arg j "$job" '[.escalated[]? | select(.job_id == $j)] | length' <<<"$board")" 1
expect_eq board-waiting "$(jq --arg j "$job" '[.waiting[]?, .offered[]? | select(.job_id == $j)] | length' <<<"$board")" 0
board=$(ctl_as dana board --territory mitte --json)
expect_eq mitte-escalated "$(jq --arg j "$job" '[.escalated[]? | select(.job_id == $j)] | length' <<<"$board")" 1
expect_eq escalated-list "$(ctl_as dana jobs --state escalated --json | jq -r '[.jobs[].job_id] | join(",")')" "$job"
stats=$(ctl_as dana stats --json)
jq -e '[.counters[] | select(.name=="escalations") | .value][0] == 1' <<<"$stats" >/dev/null \
    || fail "stats escalations: $(jq -c .counters <<<"$stats")"

say "Potsdam is outside every territory: out_of_area, no job"
before=$(njobs)
rc=0
out=$(ctl_as desk request --json --name "Test Customer" --phone "+49 30 5550000" \
    --address "Am Kanal 1, Potsdam" --lat 52.39 --lon 13.06 --brand Bosch \
    --category washing_machine --serial WM-NEW --problem "it is broken") || rc=$?
expect_eq exit "$rc" 1
expect_eq code "$(jq -r .error.code <<<"$out")" out_of_area
expect_eq jobs "$(njobs)" "$before"
rc=0
ctl_as desk request --name "Test Customer" --phone "+49 30 5550000" --address "Am Kanal 1, Potsdam" \
    --lat 52.39 --lon 13.06 --brand Bosch --category washing_machine --problem "broken" \
    >out.txt 2>err.txt || rc=$?
expect_eq exit-text "$rc" 1
grep -qi "outside" err.txt out.txt || fail "no readable message: $(cat out.txt err.txt)"
expect_eq jobs "$(njobs)" "$before"

say "an expired Bosch (WM-OLD) is billable work: the independent A3, closest, gets it"
job=$(request $MITTE Bosch washing_machine WM-OLD)
case $job in J*) ;; *) fail "request refused: $job" ;; esac
expect_eq warranty "$(ctl_as dana track "$job" --json | jq -r .warranty)" expired
wait_state "$job" offered
expect_eq holder "$(job_tech "$job")" A3
ex=$(ctl_as dana explain "$job" --json)
expect_eq chosen "$(jq -r '.candidates[] | select(.chosen) | .technician_id' <<<"$ex")" A3
expect_eq A1-rule "$(jq -r '.candidates[] | select(.technician_id=="A1") | .failed // ""' <<<"$ex")" ""
wait_offer A3 "$job"
check "A3 accepts" agent A3 accept "$job"
expect_eq state "$(job_state "$job")" assigned

say "WM-EXT: extended warranty, so authorised work (A1, not A3)"
job=$(request $MITTE Bosch washing_machine WM-EXT)
case $job in J*) ;; *) fail "request refused: $job" ;; esac
expect_eq warranty "$(ctl_as dana track "$job" --json | jq -r .warranty)" extended
wait_state "$job" offered
expect_eq holder "$(job_tech "$job")" A1
ex=$(ctl_as dana explain "$job" --json)
expect_eq A3-rule "$(jq -r '.candidates[] | select(.technician_id=="A3") | .failed' <<<"$ex")" warranty

say "an unknown serial: unregistered"
job=$(request $MITTE Bosch washing_machine NO-SUCH-SERIAL)
case $job in J*) ;; *) fail "request refused: $job" ;; esac
expect_eq warranty "$(ctl_as dana track "$job" --json | jq -r .warranty)" unregistered
wait_state "$job" offered
expect_eq holder "$(job_tech "$job")" A3

say "the escalated job: nobody can be given it; the customer may cancel it"
esc=$(ctl_as dana jobs --state escalated --json | jq -r '.jobs[0].job_id')
rc=0; out=$(ctl_as dana reassign "$esc" --agent A1 --reason "try anyway" --json) || rc=$?
expect_eq reassign-exit "$rc" 1
expect_eq reassign-code "$(jq -r .error.code <<<"$out")" rule_broken
expect_eq still "$(job_state "$esc")" escalated
expect_eq cancel "$(ctl_as desk cancel "$esc" --reason "bought a new one" --json | jq -r .state)" cancelled
expect_eq board-after "$(ctl_as dana board --json | jq '.escalated | length')" 0

rep=$(ctl_as dana report --json)
for w in expired extended unregistered; do
    jq -e --arg w "$w" '[.by_warranty[] | select(.name == $w) | .value][0] >= 1' <<<"$rep" >/dev/null \
        || fail "report by_warranty lacks $w: $(jq -c .by_warranty <<<"$rep")"
done
jq -e '.escalations == 1' <<<"$rep" >/dev/null || fail "report escalations: $(jq .escalations <<<"$rep")"
echo "escalation ok"
