# A dispatcher moves work: to another technician (the old holder is told it
# is revoked, the new one gets it as assigned), to another territory (matched
# again there), refused for intake (forbidden), for a technician at capacity
# (capacity) or without the skill (rule_broken); history keeps reasons.
. "$ROOT/tests/integration/lib.sh"
start_server
load_test_data
start_agent A1
start_agent A2
start_agent B1

has_job() { agent_jobs "$1" | jq -e --arg j "$2" '[.jobs[]? | select(.job.job_id == $j)] | length == 1' >/dev/null; }
# wait_gone TECH JOB: until the agent no longer lists JOB and has a revocation notice for it
wait_revoked() {
    for _ in $(seq 1 100); do
        if ! has_job "$1" "$2" && agent_jobs "$1" | jq -e --arg j "$2" \
            '[.notices[]? | select(startswith($j + " ") and test("reassigned"))] | length >= 1' >/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    fail "$1 was not told that $2 was revoked: $(agent_jobs "$1")"
}
wait_has() {
    for _ in $(seq 1 100); do has_job "$1" "$2" && return 0; sleep 0.1; done
    fail "$1 never listed $2: $(agent_jobs "$1")"
}
# err_code EXPECTED_EXIT COMMAND...: runs a failing fsdctl --json command, prints error.code
err_code() {
    local want=$1 rc=0 out; shift
    out=$("$@" --json) || rc=$?
    [ "$rc" = "$want" ] || fail "$* exited $rc, want $want: $out"
    jq -r '.error.code' <<<"$out"
}

say "A1 accepts a Siemens warranty job (A2's provider may do Siemens too)"
job=$(request $MITTE Siemens washing_machine SM-NEW)
case $job in J*) ;; *) fail "request refused: $job" ;; esac
wait_state "$job" offered
expect_eq holder "$(job_tech "$job")" A1
wait_offer A1 "$job"
check "A1 accepts" agent A1 accept "$job"
expect_eq state "$(job_state "$job")" assigned

say "the dispatcher gives it to A2: A1 is told, A2 holds it as assigned"
out=$(ctl_as dana reassign "$job" --override --agent A2 --reason "A1 sick" --json)
expect_eq reply-state "$(jq -r .state <<<"$out")" assigned
expect_eq reply-tech "$(jq -r .technician_id <<<"$out")" A2
expect_eq state "$(job_state "$job")" assigned
expect_eq holder "$(job_tech "$job")" A2
wait_revoked A1 "$job"
wait_has A2 "$job"
a2=$(agent_jobs A2)
jq -e --arg j "$job" '.jobs[] | select(.job.job_id == $j) | (.offer | not)' <<<"$a2" >/dev/null \
    || fail "A2 shows $job as an offer, not as assigned work: $a2"
jq -e --arg j "$job" '[.notices[]? | select(startswith($j) and test("assigned to you"))] | length == 1' <<<"$a2" >/dev/null \
    || fail "A2 has no notice of the assignment: $a2"
check "A2 can work it" agent A2 status "$job" en_route
expect_eq state "$(job_state "$job")" en_route
rc=0; out=$(agent A1 status "$job" on_site --json) || rc=$?
expect_eq A1-report-exit "$rc" 1
expect_eq A1-report "$(jq -r .error.code <<<"$out")" conflict

say "moved to pankow: matched again there and offered to B1; A2 is told"
out=$(ctl_as dana reassign "$job" --territory pankow --reason "customer is at the weekend house" --json)
expect_eq reply-territory "$(jq -r .territory <<<"$out")" pankow
view=$(ctl_as dana track "$job" --json)
expect_eq territory "$(jq -r .territory <<<"$view")" pankow
wait_state "$job" offered
expect_eq holder "$(job_tech "$job")" B1
wait_revoked A2 "$job"
wait_offer B1 "$job"
ex=$(ctl_as dana explain "$job" --json)
expect_eq B1-neighbour "$(jq -r '.candidates[] | select(.technician_id=="B1") | .neighbour // false' <<<"$ex")" false
expect_eq A2-neighbour "$(jq -r '.candidates[] | select(.technician_id=="A2") | .neighbour' <<<"$ex")" true

say "intake may not reassign: forbidden"
expect_eq desk "$(err_code 1 ctl_as desk reassign "$job" --override --agent A1 --reason "please")" forbidden
expect_eq holder "$(job_tech "$job")" B1

say "A2 (capacity 1) takes another job; then it is at capacity"
job2=$(request $MITTE Siemens washing_machine SM-NEW "+49 30 5550001")
case $job2 in J*) ;; *) fail "request refused: $job2" ;; esac
wait_state "$job2" offered
ctl_as dana reassign "$job2" --override --agent A2 --reason "A2 knows the customer" >/dev/null
expect_eq holder2 "$(job_tech "$job2")" A2
expect_eq state2 "$(job_state "$job2")" assigned
wait_revoked A1 "$job2"   # it was offered to A1: the open offer is taken back
wait_has A2 "$job2"
expect_eq cap "$(err_code 1 ctl_as dana reassign "$job" --override --agent A2 --reason "closer")" capacity
expect_eq holder "$(job_tech "$job")" B1
expect_eq state "$(job_state "$job")" offered

say "C1 has no washing machine skill: rule_broken, not even with --override"
expect_eq skill "$(err_code 1 ctl_as dana reassign "$job" --override --agent C1 --reason "try")" rule_broken
expect_eq nobody "$(err_code 1 ctl_as dana reassign "$job" --override --agent ZZ9 --reason "try")" not_found
expect_eq noterr "$(err_code 1 ctl_as dana reassign "$job" --territory atlantis --reason "try")" not_found
rc=0; ctl_as dana reassign "$job" --override --agent A1 >/dev/null 2>&1 || rc=$?
expect_eq no-reason-exit "$rc" 2
expect_eq holder "$(job_tech "$job")" B1

say "work on site cannot be moved; the refusal changes nothing"
job3=$(request $MITTE Siemens washing_machine SM-NEW "+49 30 5550002")
wait_state "$job3" offered
expect_eq holder3 "$(job_tech "$job3")" A1
wait_offer A1 "$job3"
check "A1 accepts" agent A1 accept "$job3"
check "en_route" agent A1 status "$job3" en_route
check "on_site" agent A1 status "$job3" on_site
expect_eq onsite-terr "$(err_code 1 ctl_as dana reassign "$job3" --territory pankow --reason "x")" invalid_transition
expect_eq onsite-tech "$(err_code 1 ctl_as dana reassign "$job3" --override --agent B1 --reason "x")" invalid_transition
view=$(ctl_as dana track "$job3" --json)
expect_eq territory3 "$(jq -r .territory <<<"$view")" mitte
expect_eq holder3 "$(jq -r .technician_id <<<"$view")" A1
expect_eq state3 "$(jq -r .state <<<"$view")" on_site
expect_eq pankow-jobs "$(ctl_as dana jobs --territory pankow --json | jq -r '[.jobs[].job_id] | join(",")')" "$job"

say "the history keeps every reassignment and its reason"
view=$(ctl_as dana track "$job" --json)
hist=$(jq -c '[.history[] | select((.reason // "") | test("reassigned"))]' <<<"$view")
expect_eq n-reassign "$(jq length <<<"$hist")" 2
jq -e '.[0].reason | test("A2") and test("A1 sick")' <<<"$hist" >/dev/null || fail "first reason: $hist"
jq -e '.[0].actor == "dana" and .[0].to == "assigned"' <<<"$hist" >/dev/null || fail "first event: $hist"
jq -e '.[1].reason | test("pankow") and test("weekend house")' <<<"$hist" >/dev/null || fail "second reason: $hist"
jq -e '.[1].actor == "dana" and .[1].to == "new"' <<<"$hist" >/dev/null || fail "second event: $hist"
expect_eq history "$(jq -r '[.history[] | select(.reason // "" | startswith("conflict:") | not) | .to] | join(",")' <<<"$view")" new,offered,assigned,assigned,en_route,new,offered
rep=$(ctl_as dana report --json)
expect_eq reassignments "$(jq -r '.reassignments // 0' <<<"$rep")" 3
echo "reassign ok"
