# Declines and expiries walk an offer down the candidate list: A1 declines
# (too_far) → A2, who lets it expire → B1 in the neighbouring territory, who
# declines (no_parts) → nobody is left, so the job escalates. The report
# counts the declines, the expiry and both reasons; the agents forget it.
. "$ROOT/tests/integration/lib.sh"
start_server --offer-ttl-ms 1500
load_test_data
start_agent A1
start_agent A2
start_agent B1

# exc TECH FIELD: a field of TECH's candidate in the explanation held in $ex
exc() { jq -r --arg t "$1" ".candidates[] | select(.technician_id==\$t) | .$2" <<<"$ex"; }
# wait_holder JOB TECH: until the job is offered to TECH
wait_holder() {
    for _ in $(seq 1 100); do
        [ "$(job_state "$1")" = offered ] && [ "$(job_tech "$1")" = "$2" ] && return 0
        sleep 0.1
    done
    fail "job $1 never offered to $2 (state $(job_state "$1"), holder $(job_tech "$1"))"
}

say "a warranty Siemens job in mitte is offered to A1"
# Siemens, not Bosch: A2's provider (P-WEST) is authorised for Siemens
# warranty work only, and A3 (independent) for no warranty work at all.
job=$(request $MITTE Siemens washing_machine SM-NEW)
case $job in J*) ;; *) fail "request refused: $job" ;; esac
wait_holder "$job" A1
wait_offer A1 "$job"

say "A1 declines (too_far): it goes to A2"
check "A1 declines" agent A1 decline "$job" --reason too_far
wait_holder "$job" A2
ex=$(ctl_as dana explain "$job" --json)
expect_eq A1-rule "$(exc A1 failed)" declined
expect_eq A3-rule "$(exc A3 failed)" warranty
expect_eq chosen "$(jq -r '.candidates[] | select(.chosen) | .technician_id' <<<"$ex")" A2
wait_offer A2 "$job"
jq -e --arg j "$job" '[.jobs[]? | select(.job.job_id == $j)] | length == 0' <<<"$(agent_jobs A1)" >/dev/null \
    || fail "A1 still lists $job after declining: $(agent_jobs A1)"
rc=0; agent A2 decline "$job" --reason bored >/dev/null 2>&1 || rc=$?
expect_eq bad-reason-exit "$rc" 2

say "A2 does not answer: after expiry it goes to B1 in pankow (neighbour)"
# B1's offer stands 1.5 s too: look at it with one explain, then decline
wait_holder "$job" B1
ex=$(ctl_as dana explain "$job" --json)
wait_offer B1 "$job"

say "B1 declines (no_parts): nobody left, escalated"
check "B1 declines" agent B1 decline "$job" --reason no_parts
expect_eq A2-rule "$(exc A2 failed)" declined
expect_eq B1-neighbour "$(exc B1 neighbour)" true
expect_eq B1-chosen "$(exc B1 chosen)" true
jq -e '.outcome | test("neighbouring")' <<<"$ex" >/dev/null || fail "outcome: $(jq -r .outcome <<<"$ex")"
rc=0; out=$(agent A2 accept "$job" --json) || rc=$?
expect_eq late-accept-exit "$rc" 1
jq -e '.error.code' <<<"$out" >/dev/null || fail "late accept: $out"
wait_state "$job" escalated
expect_eq holder "$(job_tech "$job")" ""
out=$(ctl_as dana explain "$job" --json)
jq -e '.outcome | startswith("escalated")' <<<"$out" >/dev/null || fail "outcome: $(jq -r .outcome <<<"$out")"
expect_eq B1-rule "$(jq -r '.candidates[] | select(.technician_id=="B1") | .failed' <<<"$out")" declined
expect_eq history "$(ctl_as dana track "$job" --json | jq -r '[.history[] | select(.reason // "" | startswith("conflict:") | not) | .to] | join(",")')" \
    new,offered,new,offered,new,offered,new,escalated

say "the report counts declines, the expiry and the reasons"
rep=$(ctl_as dana report --json)
expect_eq declines "$(jq -r '.declines // 0' <<<"$rep")" 2
expect_eq expiries "$(jq -r '.expiries // 0' <<<"$rep")" 1
expect_eq offers "$(jq -r '.offers // 0' <<<"$rep")" 3
expect_eq too_far "$(jq -r '[.decline_reasons[]? | select(.name=="too_far") | .value][0]' <<<"$rep")" 1
expect_eq no_parts "$(jq -r '[.decline_reasons[]? | select(.name=="no_parts") | .value][0]' <<<"$rep")" 1
jq -e '.escalations >= 1' <<<"$rep" >/dev/null || fail "escalations: $(jq .escalations <<<"$rep")"
stats=$(ctl_as dana stats --json)
jq -e '[.counters[] | select(.name=="declines") | .value][0] == 2' <<<"$stats" >/dev/null || fail "stats declines: $stats"
jq -e '[.counters[] | select(.name=="expiries") | .value][0] == 1' <<<"$stats" >/dev/null || fail "stats expiries: $stats"

say "no agent lists the job any more; A2 was told its offer expired"
for t in A1 A2 B1; do
    jobs=$(agent_jobs "$t")
    expect_eq "$t open" "$(jq --arg j "$job" '[.jobs[]? | select(.job.job_id == $j)] | length' <<<"$jobs")" 0
    expect_eq "$t pending" "$(jq '.pending | length' <<<"$jobs")" 0
done
for _ in $(seq 1 50); do
    agent_jobs A2 | jq -e --arg j "$job" '[.notices[]? | select(startswith($j) and test("expired"))] | length == 1' >/dev/null && break
    sleep 0.1
done
agent_jobs A2 | jq -e --arg j "$job" '[.notices[]? | select(startswith($j) and test("expired"))] | length == 1' >/dev/null \
    || fail "A2 has no notice of the expired offer: $(agent_jobs A2)"
echo "decline/expiry ok"
