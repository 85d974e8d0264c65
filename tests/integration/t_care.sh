# Customer care: goodwill (matched like warranty work from then on, refused
# on covered, repeated or closed work), fee waivers (within the limit at
# once, above it pending until a dispatcher approves or rejects, only by the
# technician holding the job, bad amounts refused, sent while the server is
# away and applied after the reconnect), follow-ups (a rating of 2 opens a
# call, a complaint a return visit; listed by territory oldest first, closed
# once with an outcome, a return visit booked from one), customer show
# (everything, with --json), the blocked customer's message, and rights.
. "$ROOT/tests/integration/lib.sh"

SERVER_OPTS=(--care-contact "Kundenservice on +49 30 5550199")
start_server "${SERVER_OPTS[@]}"
load_test_data
PHONE="+49 30 5550000"

# run_rc EXIT COMMAND...: the command must exit with EXIT; prints its stdout
run_rc() {
    local want=$1 rc=0 out; shift
    out=$("$@") || rc=$?
    [ "$rc" = "$want" ] || fail "$* exited $rc, want $want: $out"
    printf '%s\n' "$out"
}
# code_of EXIT COMMAND...: the error code of a --json command that must exit EXIT
code_of() { local want=$1; shift; run_rc "$want" "$@" --json | jq -r '.error.code'; }
# reasons JOB: the job's history reasons, one per line
reasons() { ctl_as dana track "$1" --json | jq -r '.history[].reason // ""'; }
# has_event JOB ACTOR PREFIX: a note on the job by ACTOR whose reason starts with PREFIX
has_event() {
    ctl_as dana track "$1" --json | jq -e --arg a "$2" --arg p "$3" \
        '[.history[] | select(.actor == $a and .from == .to and ((.reason // "") | startswith($p)))] | length == 1' \
        >/dev/null || fail "$1 has no note by $2 starting '$3': $(reasons "$1")"
}
# explain_rule JOB TECH: the rule that excluded TECH in the job's last match ("" when eligible)
explain_rule() { ctl_as dana explain "$1" --json | jq -r --arg t "$2" '.candidates[] | select(.technician_id == $t) | .failed // ""'; }
# work JOB: A1 accepts and goes on site
work() {
    wait_state "$1" offered
    expect_eq "$1 holder" "$(job_tech "$1")" A1
    wait_offer A1 "$1"
    check "accept $1" agent A1 accept "$1" >/dev/null
    check "en_route $1" agent A1 status "$1" en_route >/dev/null
    check "on_site $1" agent A1 status "$1" on_site >/dev/null
}

say "an out-of-warranty job waits (nobody online); before goodwill any skilled technician would do"
g=$(request $MITTE Bosch washing_machine WM-OLD)
case $g in J*) ;; *) fail "request refused: $g" ;; esac
sleep 0.3
expect_eq g-state "$(job_state "$g")" new
expect_eq g-warranty "$(ctl_as dana track "$g" --json | jq -r .warranty)" expired
expect_eq A3-before "$(explain_rule "$g" A3)" offline

say "goodwill: intake may not grant it; a dispatcher does, with a reason"
expect_eq desk-goodwill "$(code_of 1 ctl_as desk goodwill "$g" --reason "nice")" forbidden
run_rc 2 ctl_as dana goodwill "$g" >/dev/null 2>&1
out=$(run_rc 0 ctl_as dana goodwill "$g" --reason "loyal customer, known door seal fault" --json)
expect_eq goodwill-reason "$(jq -r .goodwill.reason <<<"$out")" "loyal customer, known door seal fault"
expect_eq goodwill-by "$(jq -r .goodwill.by <<<"$out")" dana
expect_eq goodwill-warranty "$(jq -r .warranty <<<"$out")" expired
has_event "$g" dana "goodwill: loyal customer, known door seal fault"
ctl_as dana track "$g" | grep -q '^goodwill   treated as covered: loyal customer' || fail "track shows no goodwill line"

say "from now on only a technician authorised for Bosch is offered it"
for _ in $(seq 1 50); do [ "$(explain_rule "$g" A3)" = warranty ] && break; sleep 0.1; done
expect_eq A3-after "$(explain_rule "$g" A3)" warranty
start_agent A3
sleep 1
expect_eq g-still-new "$(job_state "$g")" new
expect_eq A3-online "$(explain_rule "$g" A3)" warranty
start_agent A1
work "$g"

say "goodwill on a job offered to a technician not authorised for the brand: withdrawn, offered again"
h=$(request $MITTE Bosch washing_machine WM-OLD)
wait_state "$h" offered
expect_eq h-first "$(job_tech "$h")" A3
wait_offer A3 "$h"
run_rc 0 ctl_as dana goodwill "$h" --reason "customer waited a week" >/dev/null
wait_state "$h" offered
expect_eq h-second "$(job_tech "$h")" A1
ctl_as dana track "$h" --json | jq -e '[.history[] | select(.from == "offered" and .to == "new"
    and (.reason | startswith("offer withdrawn: with goodwill")))] | length == 1' >/dev/null \
    || fail "no withdrawal on $h: $(reasons "$h")"
for _ in $(seq 1 50); do
    agent_jobs A3 | jq -e --arg j "$h" '[.notices[]? | select(startswith($j + " "))] | length == 1' >/dev/null && break
    sleep 0.1
done
agent_jobs A3 | jq -e --arg j "$h" '[.jobs[]? | select(.job.job_id == $j)] | length == 0' >/dev/null \
    || fail "A3 still shows $h: $(agent_jobs A3)"
check "cancel $h" ctl_as dana cancel "$h" --reason "customer fixed it" >/dev/null

say "goodwill refused: granted already, covered work, unknown job, closed job"
out=$(run_rc 1 ctl_as dana goodwill "$g" --reason "again" --json)
expect_eq again-code "$(jq -r .error.code <<<"$out")" invalid_argument
jq -e '.error.message | test("already has goodwill")' <<<"$out" >/dev/null || fail "message: $out"
j1=$(request $MITTE Bosch washing_machine WM-NEW)
out=$(run_rc 1 ctl_as dana goodwill "$j1" --reason "why not" --json)
expect_eq covered-code "$(jq -r .error.code <<<"$out")" invalid_argument
jq -e '.error.message | test("in_warranty")' <<<"$out" >/dev/null || fail "message: $out"
expect_eq unknown-goodwill "$(code_of 1 ctl_as dana goodwill J999999 --reason x)" not_found
check "complete $g" agent A1 status "$g" completed >/dev/null
check "rate $g" ctl_as desk rate "$g" 5 >/dev/null
expect_eq closed-goodwill "$(code_of 1 ctl_as dana goodwill "$g" --reason x)" invalid_transition
expect_eq no-followup-for-5 "$(ctl_as dana followups --json | jq '.items | length')" 0

say "a waiver within the limit is applied at once, once; only the holder may waive"
work "$j1"
for bad in 45.001 -5 abc 0 1e3 45,00 100000.01; do
    rc=0; agent A1 waive "$j1" --amount "$bad" >out.txt 2>err.txt || rc=$?
    expect_eq "amount $bad exit" "$rc" 2
    grep -q -- '--amount' err.txt || fail "no word about --amount for '$bad': $(cat err.txt)"
done
rc=0; agent A1 waive "$j1" >/dev/null 2>&1 || rc=$?
expect_eq amount-missing "$rc" 2
out=$(run_rc 0 agent A1 waive "$j1" --amount 45.00 --reason "regular customer" --json)
expect_eq waiver-state "$(jq -r '.job.waivers[0].state' <<<"$out")" applied
expect_eq waiver-cents "$(jq -r '.job.waivers[0].amount_cents' <<<"$out")" 4500
expect_eq waiver-currency "$(jq -r '.job.waivers[0].currency' <<<"$out")" EUR
has_event "$j1" A1 "fee waived: 45.00 EUR by A1"
expect_eq waive-again "$(code_of 1 agent A1 waive "$j1" --amount 10)" conflict
# A3's device never held j1: refused there (the server's own check is the
# one every report passes, see t_rights)
expect_eq not-holder "$(code_of 1 agent A3 waive "$j1" --amount 10)" not_found
expect_eq unknown-job "$(code_of 1 agent A1 waive J999999 --amount 10)" not_found
expect_eq waivers "$(ctl_as dana track "$j1" --json | jq '.waivers | length')" 1

say "a rating of 2 opens a follow-up call for the job's territory"
check "complete $j1" agent A1 status "$j1" completed >/dev/null
out=$(run_rc 0 ctl_as desk rate "$j1" 2 --comment "late and messy" --json)
expect_eq rated-followup "$(jq -r '.follow_ups[0].kind' <<<"$out")" call
f1=$(jq -r '.follow_ups[0].id' <<<"$out")
expect_eq f1 "$f1" F000001
has_event "$j1" desk "follow-up opened: F000001 call"

say "a waiver above the limit waits for a dispatcher, who approves it"
j2=$(request $MITTE Bosch washing_machine WM-NEW)
work "$j2"
out=$(run_rc 0 agent A1 waive "$j2" --amount 80 --reason "second visit for the same fault" --json)
expect_eq pending "$(jq -r '.job.waivers[0].state' <<<"$out")" pending
has_event "$j2" A1 "waiver requested: 80.00 EUR by A1"
expect_eq pending-again "$(code_of 1 agent A1 waive "$j2" --amount 20)" conflict
expect_eq desk-approve "$(code_of 1 ctl_as desk waiver approve "$j2")" forbidden
out=$(run_rc 0 ctl_as dana waiver approve "$j2" --json)
expect_eq approved "$(jq -r '.waivers[0].state' <<<"$out")" applied
expect_eq approved-by "$(jq -r '.waivers[0].decided_by' <<<"$out")" dana
has_event "$j2" dana "fee waived: 80.00 EUR"
expect_eq approve-again "$(code_of 1 ctl_as dana waiver approve "$j2")" invalid_transition
check "complete $j2" agent A1 status "$j2" completed >/dev/null
check "rate $j2" ctl_as desk rate "$j2" 4 >/dev/null

say "a complaint opens a return-visit follow-up (one open per job)"
expect_eq agent-complain "$(FSD_KEY=agents/A1/agent.key run_rc 1 "$BIN/fsdctl" complain "$j2" --text x --json | jq -r .error.code)" forbidden
run_rc 2 ctl_as desk complain "$j2" >/dev/null 2>&1
out=$(run_rc 0 ctl_as desk complain "$j2" --text "the door still leaks" --json)
expect_eq complaint-followup "$(jq -r '[.follow_ups[] | select(.closed_at == null)][0].kind' <<<"$out")" return_visit
has_event "$j2" desk "complaint: the door still leaks"
has_event "$j2" desk "follow-up opened: F000002 return_visit"
run_rc 0 ctl_as desk complain "$j2" --text "and it is loud" >/dev/null
expect_eq one-open "$(ctl_as dana track "$j2" --json | jq '.follow_ups | length')" 1
expect_eq unknown-complaint "$(code_of 1 ctl_as desk complain J999999 --text x)" not_found

say "follow-ups by territory, oldest first; intake may not list or close them"
out=$(run_rc 0 ctl_as dana followups --territory mitte --json)
expect_eq mitte-ids "$(jq -r '[.items[].id] | join(",")' <<<"$out")" F000001,F000002
expect_eq mitte-kinds "$(jq -r '[.items[].kind] | join(",")' <<<"$out")" call,return_visit
expect_eq mitte-jobs "$(jq -r '[.items[].job_id] | join(",")' <<<"$out")" "$j1,$j2"
expect_eq mitte-customer "$(jq -r '.items[0].customer_name' <<<"$out")" "Test Customer"
expect_eq pankow "$(ctl_as dana followups --territory pankow --json | jq '.items | length')" 0
expect_eq nowhere "$(code_of 1 ctl_as dana followups --territory atlantis)" not_found
ctl_as dana followups | grep -q "^F000001 .* call .*rated 2/5: late and messy" || fail "followups table: $(ctl_as dana followups)"
expect_eq desk-list "$(code_of 1 ctl_as desk followups)" forbidden
expect_eq desk-close "$(code_of 1 ctl_as desk followup close F000001 --outcome x)" forbidden

say "a dispatcher closes a follow-up with an outcome, once"
run_rc 2 ctl_as dana followup close F000001 >/dev/null 2>&1
out=$(run_rc 0 ctl_as dana followup close F000001 --outcome "called back, apologised, voucher sent" --json)
expect_eq closed-outcome "$(jq -r '.follow_ups[0].outcome' <<<"$out")" "called back, apologised, voucher sent"
expect_eq closed-by "$(jq -r '.follow_ups[0].closed_by' <<<"$out")" dana
has_event "$j1" dana "follow-up closed: F000001 called back, apologised, voucher sent"
out=$(run_rc 1 ctl_as dana followup close F000001 --outcome "again" --json)
expect_eq close-twice "$(jq -r .error.code <<<"$out")" invalid_transition
jq -e '.error.message | test("already closed by dana")' <<<"$out" >/dev/null || fail "message: $out"
expect_eq close-unknown "$(code_of 1 ctl_as dana followup close F000999 --outcome x)" not_found
expect_eq close-bogus "$(code_of 1 ctl_as dana followup close bogus --outcome x)" invalid_argument
expect_eq open-left "$(ctl_as dana followups --json | jq -r '[.items[].id] | join(",")')" F000002
expect_eq all "$(ctl_as dana followups --all --json | jq -r '[.items[].id] | join(",")')" F000001,F000002

say "a return visit is booked from the follow-up: same customer and product, linked"
out=$(run_rc 0 ctl_as dana followup visit F000002 --json)
v=$(jq -r .job_id <<<"$out")
case $v in J*) ;; *) fail "no return visit: $out" ;; esac
expect_eq visit-of "$(jq -r .return_visit_of <<<"$out")" "$j2"
expect_eq visit-serial "$(jq -r .serial <<<"$out")" WM-NEW
expect_eq visit-phone "$(jq -r .phone <<<"$out")" "$(ctl_as dana track "$j2" --json | jq -r .phone)"
f2=$(ctl_as dana track "$j2" --json | jq -c '.follow_ups[0]')
expect_eq f2-visit "$(jq -r .visit_job_id <<<"$f2")" "$v"
jq -e '.closed_at > 0' <<<"$f2" >/dev/null || fail "F000002 not closed: $f2"
has_event "$v" dana "return visit of $j2 for follow-up F000002"
expect_eq visit-twice "$(code_of 1 ctl_as dana followup visit F000002)" invalid_transition
expect_eq none-open "$(ctl_as dana followups --json | jq '.items | length')" 0

say "a rejected waiver; the technician may then ask for less"
work "$v"
run_rc 0 agent A1 waive "$v" --amount 60.00 >/dev/null
run_rc 2 ctl_as dana waiver reject "$v" >/dev/null 2>&1
out=$(run_rc 0 ctl_as dana waiver reject "$v" --reason "the part was billable" --json)
expect_eq rejected "$(jq -r '.waivers[0].state' <<<"$out")" rejected
has_event "$v" dana "waiver rejected: 60.00 EUR asked by A1: the part was billable"
expect_eq reject-none "$(code_of 1 ctl_as dana waiver reject "$v" --reason x)" invalid_transition

say "a waiver sent while the server is away arrives after the reconnect"
stop_server
mv server.log server.1.log
for _ in $(seq 1 100); do
    [ "$(agent_jobs A1 | jq -r '.connected')" = false ] && break
    sleep 0.1
done
out=$(run_rc 0 agent A1 waive "$v" --amount 30 --reason "parts on us" --json)
jq -e '.queued.seq > 0' <<<"$out" >/dev/null || fail "not queued: $out"
expect_eq pending-report "$(agent_jobs A1 | jq -r '[.pending[].what] | join(",")')" "waive 30.00"
start_server "${SERVER_OPTS[@]}"
for _ in $(seq 1 100); do
    [ "$(agent_jobs A1 | jq '.pending | length')" = 0 ] && break
    sleep 0.1
done
expect_eq pending-after "$(agent_jobs A1 | jq '.pending | length')" 0
expect_eq offline-waiver "$(ctl_as dana track "$v" --json | jq -r '[.waivers[] | "\(.amount_cents):\(.state)"] | join(",")')" \
    "6000:rejected,3000:applied"
has_event "$v" A1 "fee waived: 30.00 EUR by A1"
agent A1 jobs | grep -q "fee: .*30.00 EUR applied" || fail "fsd-agent jobs: $(agent A1 jobs)"
expect_eq after-restart "$(ctl_as dana followups --all --json | jq '.items | length')" 2
check "complete $v" agent A1 status "$v" completed >/dev/null

say "a waiver on an offer not yet accepted is refused"
j3=$(request $MITTE Bosch washing_machine WM-NEW)
wait_state "$j3" offered
wait_offer A1 "$j3"
expect_eq offered-waive "$(code_of 1 agent A1 waive "$j3" --amount 10)" invalid_transition

say "customer show: every request with product, warranty, technician, rating, notes, follow-ups, goodwill, waivers"
cs=$(run_rc 0 ctl_as dana customer show "$PHONE" --json)
# an intake desk sees where each request stands, not the notes of its history
desk_cs=$(run_rc 0 ctl_as desk customer show "$PHONE" --json)
expect_eq cs-desk-jobs "$(jq -r '.jobs | length' <<<"$desk_cs")" "$(jq -r '.jobs | length' <<<"$cs")"
jq -e '[.jobs[] | (.history // []), (.follow_ups // [])] | flatten | length == 0' <<<"$desk_cs" >/dev/null \
    || fail "intake sees histories: $desk_cs"
expect_eq cs-name "$(jq -r .customer.name <<<"$cs")" "Test Customer"
expect_eq cs-total "$(jq -r .total_jobs <<<"$cs")" "$(db "select count(*) from jobs where phone = '+49305550000'")"
expect_eq cs-order "$(jq -r '[.jobs[].job_id] | join(",")' <<<"$cs")" "$j3,$v,$j2,$j1,$h,$g"
job_of() { jq -c --arg j "$1" '.jobs[] | select(.job_id == $j)' <<<"$cs"; }
x=$(job_of "$j1")
jq -e '.rating == 2 and .rating_comment == "late and messy" and .technician_id == "A1"
       and .brand == "Bosch" and .serial == "WM-NEW" and .warranty == "in_warranty"
       and .follow_ups[0].id == "F000001" and .follow_ups[0].outcome != null
       and .waivers[0].amount_cents == 4500 and .waivers[0].state == "applied"
       and .created_at > 0' <<<"$x" >/dev/null || fail "customer show $j1: $x"
x=$(job_of "$j2")
jq -e '([.history[].reason | select(. != null and startswith("complaint: the door still leaks"))] | length == 1)
       and .waivers[0].decided_by == "dana" and .follow_ups[0].kind == "return_visit"
       and .follow_ups[0].visit_job_id != null' <<<"$x" >/dev/null || fail "customer show $j2: $x"
x=$(job_of "$g")
jq -e '.goodwill.reason == "loyal customer, known door seal fault" and .warranty == "expired" and .rating == 5' \
    <<<"$x" >/dev/null || fail "customer show $g: $x"
expect_eq cs-visit "$(job_of "$v" | jq -r .return_visit_of)" "$j2"
expect_eq cs-by-job "$(ctl_as dana customer show "$j1" --json | jq -r '.customer.phone')" +49305550000
table=$(run_rc 0 ctl_as dana customer show "$PHONE")
for want in "^customer   Test Customer, +49305550000" "^requests   6" "^$j1 " "follow-up  F000001 call, closed" \
            "goodwill   treated as covered: loyal customer" "fee        45.00 EUR waived by A1" \
            "note .* desk: complaint: the door still leaks" "visit of   $j2"; do
    grep -q -- "$want" <<<"$table" || fail "customer show lacks '$want':
$table"
done
expect_eq cs-unknown "$(code_of 1 ctl_as desk customer show "+49 30 0000000")" not_found
expect_eq cs-bad "$(code_of 1 ctl_as desk customer show "not a phone")" invalid_argument
expect_eq cs-unknown-job "$(code_of 1 ctl_as dana customer show J999999)" not_found
expect_eq cs-desk-by-job "$(code_of 1 ctl_as desk customer show "$j1")" invalid_argument
rc=0; ctl_as desk customer show "+49 30 0000000" >/dev/null 2>err.txt || rc=$?
expect_eq cs-unknown-exit "$rc" 1
grep -q "no customer with phone" err.txt || fail "unknown phone message: $(cat err.txt)"

say "blocked customers: refused with whom to contact; the note only for dispatchers"
blocked=$(awk -F, '$4 == "yes" { print $1; exit }' "$EXAMPLES/customers.csv")
note=$(awk -F, '$4 == "yes" { print $5; exit }' "$EXAMPLES/customers.csv")
out=$(run_rc 1 ctl_as desk request --json --name "Blocked Person" --phone "$blocked" --address "Teststraße 1, Berlin" \
    --lat 52.5358 --lon 13.3813 --brand Bosch --category washing_machine --problem "broken")
expect_eq blocked-code "$(jq -r .error.code <<<"$out")" customer_blocked
jq -e '.error.message | test("is blocked") and contains("Kundenservice on +49 30 5550199")' <<<"$out" >/dev/null \
    || fail "blocked message: $out"
jq -e --arg n "$note" '.error.message | contains($n) | not' <<<"$out" >/dev/null || fail "the note leaks: $out"
out=$(run_rc 0 ctl_as desk customer show "$blocked" --json)
jq -e '.customer.blocked == true and .customer.note == null and .note_withheld == true' <<<"$out" >/dev/null \
    || fail "intake sees: $out"
out=$(run_rc 0 ctl_as dana customer show "$blocked" --json)
jq -e --arg n "$note" '.customer.blocked == true and .customer.note == $n and .note_withheld == null' <<<"$out" >/dev/null \
    || fail "dispatcher sees: $out"

say "every event chains"
check_event_chains
echo "care ok"
