# Company dispatch beside technician dispatch in one territory (mitte):
# P-NORD takes offers as a company (its technicians A1, B1, N9), P-WEST's
# A2 is offered jobs itself. A warranty job goes to P-NORD's dispatcher
# (not to A1's agent), who accepts it and, after a refused assignment that
# names the rule, gives it to A1, whose fsd-agent works it to completed.
# (While P-NORD holds the accepted job, nothing counts against A1, so it
# ranks first for the next jobs too.) A company decline and a company expiry go on to the next candidate (A2)
# and keep the company out of the job; another provider's dispatcher can
# neither see nor answer the company's offer.
. "$ROOT/tests/integration/lib.sh"
start_server --offer-ttl-ms 4000
load_test_data
# P-NORD dispatches its own technicians; N9 is one without the skill
sed '1s/$/,company/; s/^P-NORD,.*/&,yes/; 2,$ {/^P-NORD/! s/$/,no/}' "$EXAMPLES/providers.csv" >providers.csv
check "providers with a company column" ctl provider load providers.csv >/dev/null
echo "N9,Nils Neun,P-NORD,mitte,fridge,1,24h,52.5310,13.3860" >>technicians.csv
check "technicians with N9" ctl agent load technicians.csv >/dev/null
ctl keygen --role dispatcher --name nord --provider P-NORD --out "$FSD_HOME/keys/nord.key" >/dev/null
ctl keygen --role dispatcher --name west --provider P-WEST --out "$FSD_HOME/keys/west.key" >/dev/null
start_agent A1
start_agent A2

wait_company() { # JOB: until offered to the company
    for _ in $(seq 1 100); do
        [ "$(ctl_as dana track "$1" --json | jq -r '.company_id // ""')" = P-NORD ] && return 0
        sleep 0.1
    done
    fail "job $1 was never offered to P-NORD: $(ctl_as dana track "$1" --json)"
}
wait_holder() { # JOB TECH: until offered to TECH itself
    for _ in $(seq 1 100); do
        [ "$(job_state "$1")" = offered ] && [ "$(job_tech "$1")" = "$2" ] && return 0
        sleep 0.1
    done
    fail "job $1 never offered to $2 (state $(job_state "$1"), holder $(job_tech "$1"))"
}

say "the technician list says which providers dispatch as a company"
expect_eq A1-company "$(ctl technicians --json | jq -r '.technicians[] | select(.id=="A1") | .company // false')" true
expect_eq A2-company "$(ctl technicians --json | jq -r '.technicians[] | select(.id=="A2") | .company // false')" false

say "a Siemens warranty job in mitte: A1 ranks first, so P-NORD is offered it, not A1"
job=$(request $MITTE Siemens washing_machine SM-NEW)
case $job in J*) ;; *) fail "request refused: $job" ;; esac
wait_company "$job"
view=$(ctl_as dana track "$job" --json)
expect_eq state "$(jq -r .state <<<"$view")" offered
expect_eq no-tech "$(jq -r '.technician_id // ""' <<<"$view")" ""
expect_eq not-accepted "$(jq -r '.company_accepted // false' <<<"$view")" false
expect_eq A1-no-offer "$(agent_jobs A1 | jq --arg j "$job" '[.jobs[]? | select(.job.job_id == $j)] | length')" 0
ex=$(ctl_as dana explain "$job" --json)
jq -e '.outcome | startswith("offered to company P-NORD")' <<<"$ex" >/dev/null || fail "outcome: $(jq -r .outcome <<<"$ex")"
expect_eq A1-company-cand "$(jq -r '.candidates[] | select(.technician_id=="A1") | .company // false' <<<"$ex")" true

say "another provider's dispatcher neither sees nor answers it"
expect_eq west-offers "$(ctl_as west offers --json | jq '.jobs // [] | length')" 0
rc=0; out=$(ctl_as west offer accept "$job" --json) || rc=$?
expect_eq west-accept-exit "$rc" 1
expect_eq west-accept "$(jq -r .error.code <<<"$out")" not_found
expect_eq west-track "$(ctl_as west track "$job" --json | jq -r '.error.code // "seen"')" not_found
expect_eq west-board "$(ctl_as west board --json | jq --arg j "$job" '[.offered[]? | select(.job_id==$j)] | length')" 0
rc=0; out=$(ctl_as dana offer accept "$job" --json) || rc=$?
expect_eq office-accept "$(jq -r .error.code <<<"$out")" forbidden

say "P-NORD's dispatcher lists and accepts it; it waits for the company's technician"
offers=$(ctl_as nord offers --json)
expect_eq nord-offers "$(jq -r '.jobs[0].job_id' <<<"$offers")" "$job"
rc=0; ctl_as nord offer decline "$job" >/dev/null 2>&1 || rc=$?
expect_eq decline-needs-reason "$rc" 2
rc=0; out=$(ctl_as nord assign "$job" A1 --json) || rc=$?
expect_eq assign-before-accept "$(jq -r .error.code <<<"$out")" invalid_transition
acc=$(ctl_as nord offer accept "$job" --json)
expect_eq accepted "$(jq -r '.company_accepted // false' <<<"$acc")" true
expect_eq accepted-state "$(jq -r .state <<<"$acc")" offered
sleep 4.5 # past the offer's time: an accepted job does not expire
say "the company's hold survives a restart"
stop_server
start_server --offer-ttl-ms 4000
expect_eq still-held "$(ctl_as dana track "$job" --json | jq -r '[.state, .company_id, (.company_accepted // false)] | join(",")')" \
    offered,P-NORD,true
rc=0; out=$(ctl_as nord offer accept "$job" --json) || rc=$?
expect_eq accept-twice "$(jq -r .error.code <<<"$out")" conflict

say "an assignment that breaks a rule is refused, naming it"
out=$(ctl_as nord assign "$job" N9 --json || true)
expect_eq N9-code "$(jq -r .error.code <<<"$out")" rule_broken
expect_eq N9-rule "$(jq -r .error.rule <<<"$out")" skill
out=$(ctl_as nord assign "$job" N9 --override --reason "he can learn" --json || true)
expect_eq N9-override "$(jq -r .error.rule <<<"$out")" skill
out=$(ctl_as nord assign "$job" B1 --json || true)
expect_eq B1-code "$(jq -r .error.code <<<"$out")" override_needed
expect_eq B1-rule "$(jq -r .error.rule <<<"$out")" offline
rc=0; out=$(ctl_as nord assign "$job" B1 --check --json) || rc=$?
expect_eq check-exit "$rc" 1
expect_eq check-rule "$(jq -r '[.ok // false, .rule, .overridable // false] | join(",")' <<<"$out")" false,offline,true
out=$(ctl_as nord assign "$job" A2 --json || true)
expect_eq not-ours "$(jq -r .error.field <<<"$out")" technician_id
expect_eq unchanged "$(ctl_as dana track "$job" --json | jq -r '[.state, (.technician_id // "")] | join(",")')" offered,

say "a company decline goes on to the next candidate: A2 is offered it itself"
job2=$(request $MITTE Siemens washing_machine SM-NEW "+49 30 5550001")
wait_company "$job2"
check "nord declines" ctl_as nord offer decline "$job2" --reason no_parts --note "part on order" >/dev/null
wait_holder "$job2" A2
wait_offer A2 "$job2"
ex=$(ctl_as dana explain "$job2" --json)
for t in A1 B1; do
    expect_eq "$t-declined" "$(jq -r --arg t $t '.candidates[] | select(.technician_id==$t) | .failed' <<<"$ex")" declined
done
check "A2 declines too" agent A2 decline "$job2" --reason too_far
wait_state "$job2" escalated

say "a company offer nobody answers expires: on to A2"
job3=$(request $MITTE Siemens washing_machine SM-NEW "+49 30 5550002")
wait_company "$job3"
sleep 3
wait_holder "$job3" A2
wait_offer A2 "$job3"
check "A2 accepts" agent A2 accept "$job3" >/dev/null
rc=0; out=$(ctl_as nord offer accept "$job3" --json) || rc=$?
expect_eq late-accept "$(jq -r .error.code <<<"$out")" not_found
expect_eq job3-history "$(ctl_as dana track "$job3" --json | jq -r '[.history[] | select(.reason // "" | test("expired")) | .technician_id] | join(",")')" P-NORD

say "assigned to A1: its agent gets the job and works it to completed"
out=$(ctl_as nord assign "$job" A1 --check --json)
expect_eq check-ok "$(jq -r '.ok' <<<"$out")" true
view=$(ctl_as nord assign "$job" A1 --reason "Anna knows Siemens" --json)
expect_eq assigned "$(jq -r '[.state, .technician_id, (.company_id // "")] | join(",")' <<<"$view")" assigned,A1,
for _ in $(seq 1 50); do
    agent_jobs A1 | jq -e --arg j "$job" '.jobs[]? | select(.job.job_id == $j and (.offer | not))' >/dev/null && break
    sleep 0.1
done
agent_jobs A1 | jq -e --arg j "$job" '.jobs[]? | select(.job.job_id == $j)' >/dev/null || fail "A1 never got $job: $(agent_jobs A1)"
for s in en_route on_site completed; do
    check "A1 $s" agent A1 status "$job" $s >/dev/null
done
wait_state "$job" completed
ex=$(ctl_as nord explain "$job" --json)
expect_eq explain-assigned "$(jq -r '.candidates[] | select(.assigned) | [.technician_id, .assigned_by] | join(",")' <<<"$ex")" A1,nord
jq -e '.outcome | test("assigned to A1 by nord")' <<<"$ex" >/dev/null || fail "outcome: $(jq -r .outcome <<<"$ex")"
hist=$(ctl_as dana track "$job" --json | jq -r '[.history[] | .reason // ""] | join("|")')
for w in "offered to company P-NORD" "accepted by company P-NORD" "assigned by company P-NORD to A1"; do
    grep -q "$w" <<<"$hist" || fail "history lacks '$w': $hist"
done

say "both modes are counted: offers, the company's decline and expiry"
rep=$(ctl_as dana report --json)
expect_eq offers "$(jq -r '.offers // 0' <<<"$rep")" 5
expect_eq declines "$(jq -r '.declines // 0' <<<"$rep")" 2
expect_eq expiries "$(jq -r '.expiries // 0' <<<"$rep")" 1
echo "company ok"
