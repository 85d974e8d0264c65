# Privacy and tenancy through the real programs: two providers, two
# territories. Scoped dispatchers see and move only the jobs in their scope,
# an unscoped one moves work across; an intake desk finds a job only with
# the customer's phone and lists only what it submitted; every read of
# customers' data is in the access log (fsdctl audit); customer forget
# erases a customer's data from the database while the report's figures
# stay the same.
. "$ROOT/tests/integration/lib.sh"

run_rc() {
    local want=$1 rc=0 out; shift
    out=$("$@") || rc=$?
    [ "$rc" = "$want" ] || fail "$* exited $rc, want $want: $out"
    printf '%s\n' "$out"
}
code_of() { local want=$1; shift; run_rc "$want" "$@" --json | jq -r '.error.code'; }
field_of() { local want=$1; shift; run_rc "$want" "$@" --json | jq -r '.error.field'; }
ids() { jq -r '[.jobs[].job_id] | join(",")'; }
board_ids() { jq -r '[(.escalated // [])[], (.waiting // [])[], (.offered // [])[], (.assigned // [])[],
                       (.in_progress // [])[] | .job_id] | sort | join(",")'; }

start_server
ctl territory load "$EXAMPLES/territories.geojson" >/dev/null
ctl provider load "$EXAMPLES/providers.csv" >/dev/null
cat >technicians.csv <<CSV
id,name,provider,territories,skills,capacity,shift,lat,lon
N1,Nora Nord,P-NORD,mitte,washing_machine,3,24h,52.5300,13.3850
W1,Wim West,P-WEST,pankow,washing_machine,3,24h,52.6100,13.4400
CSV
ctl agent load technicians.csv >/dev/null
for k in desk desk2; do ctl keygen --role intake --name $k --out "$FSD_HOME/keys/$k.key" >/dev/null; done
ctl keygen --role dispatcher --name dana --out "$FSD_HOME/keys/dana.key" >/dev/null

say "scoped keys: a provider and/or territories; unknown ones are refused naming the field"
check "nord" ctl keygen --role dispatcher --name nord --provider P-NORD --territory mitte \
    --out "$FSD_HOME/keys/nord.key" >/dev/null
check "pank" ctl keygen --role dispatcher --name pank --territory pankow --out "$FSD_HOME/keys/pank.key" >/dev/null
check "both" ctl keygen --role dispatcher --name both --territory mitte,pankow \
    --out "$FSD_HOME/keys/both.key" >/dev/null
expect_eq bad-provider "$(field_of 1 ctl keygen --role dispatcher --name x1 --provider P-NOPE --out x1.key)" provider_id
expect_eq bad-territory "$(field_of 1 ctl keygen --role dispatcher --name x2 --territory mitte,atlantis --out x2.key)" \
    territories
expect_eq intake-scope "$(code_of 1 ctl keygen --role intake --name x3 --provider P-NORD --out x3.key)" invalid_argument
[ ! -e x1.key ] && [ ! -e x2.key ] || fail "a refused key was written"

MITTE_AT=(--lat 52.5358 --lon 13.3813)
PANKOW_AT=(--lat 52.6100 --lon 13.4400)
# req DESK NAME PHONE WHERE...: a request, prints the job id
req() {
    local k=$1 name=$2 phone=$3; shift 3
    ctl_as "$k" request --json --name "$name" --phone "$phone" --address "$name's street 7" "$@" \
        --brand Bosch --category washing_machine --problem "$name: key under the mat, door code 4711" \
        | jq -r '.job_id // .error.code'
}
P1="+49 30 1110001"; P2="+49 30 1110002"; P3="+49 30 1110003"; P4="+49 30 1110004"
JM1=$(req desk "Mia Mitte" "$P1" "${MITTE_AT[@]}")
JM2=$(req desk2 "Zoe Zweite" "$P2" "${MITTE_AT[@]}")
JP1=$(req desk "Paul Pankow" "$P3" "${PANKOW_AT[@]}")
JP2=$(req desk2 "Pia Pankow" "$P4" "${PANKOW_AT[@]}")
for j in "$JM1" "$JM2" "$JP1" "$JP2"; do case $j in J*) ;; *) fail "request refused: $j" ;; esac; done
expect_eq territories "$(ctl_as dana jobs --json | jq -r '[.jobs[].territory] | join(",")')" pankow,pankow,mitte,mitte

say "intake: a job by its id and the customer's phone only; lists only its own"
expect_eq by-id-alone "$(code_of 1 ctl_as desk track "$JM1")" not_found
expect_eq wrong-phone "$(code_of 1 ctl_as desk track "$JM1" --phone "$P2")" not_found
expect_eq guess "$(code_of 1 ctl_as desk track J000099 --phone "$P1")" not_found
expect_eq with-phone "$(run_rc 0 ctl_as desk track "$JM1" --phone "+49301110001" --json | jq -r .customer_name)" "Mia Mitte"
# another desk's job, with the customer on the phone: the phone is the proof
expect_eq other-desk "$(run_rc 0 ctl_as desk track "$JM2" --phone "$P2" --json | jq -r .job_id)" "$JM2"
expect_eq desk-list "$(run_rc 0 ctl_as desk jobs --json | ids)" "$JP1,$JM1"
expect_eq desk2-list "$(run_rc 0 ctl_as desk2 jobs --json | ids)" "$JP2,$JM2"
expect_eq desk-cancel-other "$(code_of 1 ctl_as desk cancel "$JM2")" not_found
expect_eq desk-by-job "$(code_of 1 ctl_as desk customer show "$JM2")" invalid_argument
expect_eq desk-customer "$(run_rc 0 ctl_as desk customer show "$P3" --json | jq -r '.jobs[0].job_id')" "$JP1"

say "scoped dispatchers see only their jobs and technicians"
expect_eq dana-board "$(run_rc 0 ctl_as dana board --json | board_ids)" "$(printf '%s\n' "$JM1" "$JM2" "$JP1" "$JP2" | sort | paste -sd,)"
expect_eq nord-board "$(run_rc 0 ctl_as nord board --json | board_ids)" "$JM1,$JM2"
expect_eq pank-board "$(run_rc 0 ctl_as pank board --json | board_ids)" "$JP1,$JP2"
expect_eq nord-jobs "$(run_rc 0 ctl_as nord jobs --json | ids)" "$JM2,$JM1"
expect_eq nord-jobs-pankow "$(run_rc 0 ctl_as nord jobs --territory pankow --json | ids)" ""
expect_eq nord-track-out "$(code_of 1 ctl_as nord track "$JP1")" not_found
expect_eq nord-explain-out "$(code_of 1 ctl_as nord explain "$JP1")" not_found
expect_eq nord-customer-out "$(code_of 1 ctl_as nord customer show "$P3")" not_found
expect_eq nord-techs "$(run_rc 0 ctl_as nord technicians --json | jq -r '[.technicians[].id] | join(",")')" N1
expect_eq pank-techs "$(run_rc 0 ctl_as pank technicians --json | jq -r '[.technicians[].id] | join(",")')" W1
expect_eq nord-set-customer "$(code_of 1 ctl_as nord customer set "$P3" --name "Someone Else")" forbidden
expect_eq nord-escalations "$(run_rc 0 ctl_as nord escalations --json | jq -r '[(.items // [])[].job.territory] | unique | join(",")')" \
    "$(run_rc 0 ctl_as nord escalations --json | jq -r '[(.items // [])[].job.territory] | unique | map(select(. == "mitte")) | join(",")')"
expect_eq nord-board-techs "$(ctl_as nord board --json | jq -r '[.technicians[].id] | join(",")')" N1

say "reassign: a scoped dispatcher only inside its scope; an unscoped one across"
expect_eq nord-to-W1 "$(field_of 1 ctl_as nord reassign "$JM2" --override --agent W1 --reason x)" technician_id
expect_eq nord-to-pankow "$(code_of 1 ctl_as nord reassign "$JM2" --territory pankow --reason x)" forbidden
expect_eq nord-out-job "$(code_of 1 ctl_as nord reassign "$JP1" --override --agent N1 --reason x)" not_found
expect_eq nord-to-N1 "$(run_rc 0 ctl_as nord reassign "$JM2" --override --agent N1 --reason "ours" --json | jq -r .technician_id)" N1
expect_eq dana-across "$(run_rc 0 ctl_as dana reassign "$JM1" --override --agent W1 --reason "west takes it" --json \
    | jq -r .provider_id)" P-WEST
# held by another company now: out of P-NORD's sight although in mitte
expect_eq nord-lost-JM1 "$(code_of 1 ctl_as nord track "$JM1")" not_found
expect_eq dana-across2 "$(run_rc 0 ctl_as dana reassign "$JP1" --override --agent N1 --reason "nord helps" --json \
    | jq -r .technician_id)" N1
# held by P-NORD: in nord's scope wherever it is; and in pankow's, whoever holds it
expect_eq nord-gains-JP1 "$(run_rc 0 ctl_as nord track "$JP1" --json | jq -r .job_id)" "$JP1"
expect_eq pank-keeps-JP1 "$(run_rc 0 ctl_as pank track "$JP1" --json | jq -r .job_id)" "$JP1"
expect_eq pank-to-mitte "$(code_of 1 ctl_as pank reassign "$JP2" --territory mitte --reason x)" forbidden
expect_eq both-to-mitte "$(run_rc 0 ctl_as both reassign "$JP2" --territory mitte --reason "closer" --json \
    | jq -r .territory)" mitte
expect_eq pank-lost-JP2 "$(code_of 1 ctl_as pank track "$JP2")" not_found
expect_eq nord-report "$(run_rc 0 ctl_as nord report --json | jq -r .total.requests)" 3
expect_eq dana-report "$(run_rc 0 ctl_as dana report --json | jq -r .total.requests)" 4

say "a closed job with a rating comment and technician notes"
start_agent N1
check "en_route" agent N1 status "$JM2" en_route --note "gate code GX-9931, dog in the yard" >/dev/null
check "on_site" agent N1 status "$JM2" on_site >/dev/null
check "completed" agent N1 status "$JM2" completed --note "Zoe Zweite paid cash" >/dev/null
wait_state "$JM2" completed
check "rate" ctl_as desk2 rate "$JM2" 2 --comment "Zoe says: late again" >/dev/null
expect_eq closed "$(job_state "$JM2")" closed

say "the access log: who read which customer, admins only"
audit=$(run_rc 0 ctl audit --principal desk --json)
jq -e --arg j "$JM1" '[.rows[] | select(.verb == "get_job" and .job_id == $j and .count == 1)] | length == 1' \
    <<<"$audit" >/dev/null || fail "desk's read of $JM1 not logged: $audit"
jq -e '[.rows[] | select(.verb == "list_jobs" and .count == 2)] | length == 1' <<<"$audit" >/dev/null \
    || fail "desk's list not logged once with its count: $audit"
jq -e '[.rows[] | select(.verb == "get_customer" and .phone == "+49301110003")] | length == 1' <<<"$audit" \
    >/dev/null || fail "desk's customer show not logged: $audit"
# refused reads show nothing, so they log nothing
jq -e '[.rows[] | select(.job_id == "J000099")] | length == 0' <<<"$audit" >/dev/null || fail "a refusal was logged"
jq -e '[.rows[] | select(.verb == "board" and .count == 2)] | length >= 1' <<<"$(ctl audit --principal nord --json)" \
    >/dev/null || fail "nord's board not logged"
expect_eq audit-job "$(ctl audit --job "$JP1" --json | jq -r '[.rows[].principal] | unique | join(",")')" dana,nord,pank
expect_eq audit-since "$(ctl audit --since "$(( $(date +%s) + 3600 ))000" --json | jq -r '.rows | length')" 0
expect_eq audit-dana "$(code_of 1 ctl_as dana audit)" forbidden
ctl audit --principal desk | grep -q "get_job .* $JM1 " || fail "audit table: $(ctl audit --principal desk)"

say "customer forget: refused while a job is open; erases the data, keeps the figures"
expect_eq forget-open "$(code_of 1 ctl customer forget "$P3")" conflict
msg=$(ctl customer forget "$P3" 2>&1 || true)
grep -q "has 1 open job ($JP1): nothing was erased" <<<"$msg" || fail "forget-open message: $msg"
expect_eq forget-dana "$(code_of 1 ctl_as dana customer forget "$P2")" forbidden
expect_eq forget-bad "$(code_of 1 ctl customer forget "nonsense")" invalid_argument
kpis() {
    ctl report --by territory --json | jq -c '[.total, .groups[]] | map({key, requests, completed, cancelled, open,
        escalations, reassignments, assign_n, arrive_n, ratings, rating_avg, csat_pct, offers, declines,
        sla_judged, sla_kept, ftf_judged})'
}
before=$(kpis)
history_before=$(ctl_as dana track "$JM2" --json | jq -c '[.history[] | {at, actor, from, to}]')
grep -qF "+49301110002" <<<"$(db .dump)" || fail "the customer's phone is not in the database before"
# remembered answers (dedup) hold job views: binary, so not seen in the dump as text
in_answers() { db "select count(*) from dedup where instr(reply, cast('+49301110002' as blob)) > 0"; }
[ "$(in_answers)" -gt 0 ] || fail "no remembered answer names the customer before"
out=$(run_rc 0 ctl customer forget "$P2" --json)
expect_eq remembered-answers "$(in_answers)" 0
jq -e '.jobs == 1 and .customer == true and .notifications >= 1' <<<"$out" >/dev/null || fail "forget: $out"
dump=$(db .dump)
for gone in "+49301110002" "Zoe" "Zweite" "GX-9931" "late again" "paid cash" "dog in the yard"; do
    ! grep -qF -- "$gone" <<<"$dump" || fail "'$gone' is still in the database: $(grep -- "$gone" <<<"$dump" | head -3)"
done
grep -qF "+49301110001" <<<"$dump" || fail "another customer was erased too"
expect_eq kpis "$(kpis)" "$before"
view=$(ctl_as dana track "$JM2" --json)
jq -e '.state == "closed" and .rating == 2 and .territory == "mitte" and .technician_id == "N1"
       and (.customer_name // "") == "" and (.phone // "") == ""' <<<"$view" >/dev/null || fail "after forget: $view"
expect_eq history "$(jq -c '[.history[] | {at, actor, from, to}]' <<<"$view")" "$history_before"
jq -e '[.rows[] | select(.verb == "forget_customer" and .count == 1 and (.phone // "") == "")] | length == 1' \
    <<<"$(ctl audit --principal admin --json)" >/dev/null || fail "forget not audited"
expect_eq forget-again "$(code_of 1 ctl customer forget "$P2")" not_found
check_event_chains
